//! Multipart uploads, S3-style, on either store: start, a presigned URL per part (carrying
//! the part's checksum, SHA-256 or CRC32, which the store checks as the bytes arrive), the
//! list of parts the store holds (to resume), assemble, abort.
//!
//! - S3: the store's own multipart API, created with the upload's checksum algorithm; part
//!   URLs are signed here ([`super::sigv4`]) with `x-amz-checksum-<algorithm>` as a signed
//!   header; listing is `ListParts`; assembling is `CompleteMultipartUpload` with every
//!   part's checksum, then one streamed read for the whole file's sha256 (S3 cannot combine
//!   part checksums into a SHA-256). object_store speaks SHA-256 only, so CRC32 uploads are
//!   created and completed with presigned requests of our own.
//! - Local: parts are objects `parts/<owner>/<id>/<number>` written through this service's
//!   signed object routes (which hash each part on the way in and refuse a wrong one);
//!   assembling concatenates them into the media object, hashing in the same pass.

use super::{S3Signer, Storage, StorageError, UrlSigner, checksum::PartChecksum, signing};
use futures::{StreamExt, TryStreamExt};
use object_store::{
    ObjectStoreExt, WriteMultipart, multipart::MultipartStore, multipart::PartId,
    path::Path as ObjectPath, signer::Signer,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A part the store holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPart {
    /// 1-based part number.
    pub number: u32,
    /// Its size in bytes.
    pub size: u64,
    /// The store's entity tag for it.
    pub etag: Option<String>,
}

/// A part of a multipart upload, to assemble.
#[derive(Clone, Debug)]
pub struct PartToAssemble {
    /// 1-based part number.
    pub number: u32,
    /// The store's entity tag (S3 needs it to complete).
    pub etag: Option<String>,
    /// The part's checksum in the upload's algorithm, lower-case hex (S3 checks it again
    /// while completing).
    pub checksum: String,
}

/// What assembling made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assembled {
    /// Bytes in the object.
    pub size: u64,
    /// Their sha256, lower-case hex.
    pub sha256: String,
}

/// The local object of part `number` of the upload into `key` (`media/<owner>/<id>`).
pub fn part_key(key: &str, number: u32) -> String {
    format!("{}/{number:05}", parts_prefix(key))
}

fn parts_prefix(key: &str) -> String {
    format!("parts/{}", key.strip_prefix("media/").unwrap_or(key))
}

/// The part number of a local part object's key.
fn part_number(location: &str) -> Option<u32> {
    location.rsplit('/').next()?.parse().ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPartsResult {
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_part_number_marker: Option<u32>,
    #[serde(default, rename = "Part")]
    parts: Vec<ListedPart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateMultipartUploadResult {
    upload_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedPart {
    part_number: u32,
    #[serde(rename = "ETag")]
    e_tag: Option<String>,
    size: u64,
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

fn s3_checksum(hex_value: &str) -> Result<String, StorageError> {
    PartChecksum::s3_value(hex_value)
        .ok_or_else(|| StorageError::Config("a part's checksum is not hex".into()))
}

/// What object_store reads back as a part's id: its ETag and SHA-256 (S3's XML names).
fn part_id(part: &PartToAssemble) -> Result<PartId, StorageError> {
    let checksum = s3_checksum(&part.checksum)?;
    let etag = xml_text(part.etag.as_deref().unwrap_or_default());
    Ok(PartId {
        content_id: format!(
            "<PartMetadata><e_tag>{etag}</e_tag><checksum_sha256>{checksum}</checksum_sha256></PartMetadata>"
        ),
    })
}

/// The `CompleteMultipartUpload` body naming every part with its ETag and checksum.
fn complete_body(
    parts: &[PartToAssemble],
    algorithm: PartChecksum,
) -> Result<String, StorageError> {
    let element = algorithm.s3_element();
    let mut body = String::from(
        r#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#,
    );
    for part in parts {
        body.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag><{element}>{}</{element}></Part>",
            part.number,
            xml_text(part.etag.as_deref().unwrap_or_default()),
            s3_checksum(&part.checksum)?,
        ));
    }
    body.push_str("</CompleteMultipartUpload>");
    Ok(body)
}

/// Sends one presigned S3 request (`method` on `key` with `query` and `headers` signed); the
/// answer's body. A 404 is [`StorageError::UploadGone`]; S3 may answer 200 with an `<Error>`.
async fn s3_request(
    s3: &S3Signer,
    method: reqwest::Method,
    key: &str,
    query: &[(&str, String)],
    headers: &[(&str, String)],
    body: String,
) -> Result<String, StorageError> {
    let url = s3.presigner.presign(
        method.as_str(),
        key,
        query,
        headers,
        Duration::from_secs(60),
        chrono::Utc::now(),
    );
    let mut request = s3.http.request(method, url).body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let answer = request
        .send()
        .await
        .map_err(|e| StorageError::Http(e.to_string()))?;
    let status = answer.status();
    let text = answer
        .text()
        .await
        .map_err(|e| StorageError::Http(e.to_string()))?;
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(StorageError::UploadGone);
    }
    if !status.is_success() || text.contains("<Error>") {
        return Err(StorageError::Http(format!("{status}: {text}")));
    }
    Ok(text)
}

impl Storage {
    /// Starts a multipart upload into `key` whose parts are checked with `algorithm`; the
    /// store's upload id.
    pub async fn start_multipart(
        &self,
        key: &str,
        algorithm: PartChecksum,
    ) -> Result<String, StorageError> {
        match (self.signer.as_ref(), algorithm) {
            (UrlSigner::Local { .. } | UrlSigner::Gcs(_), _) => {
                Ok(uuid::Uuid::new_v4().to_string())
            }
            (UrlSigner::S3(s3), PartChecksum::Sha256) => Ok(s3
                .multipart
                .create_multipart(&ObjectPath::from(key))
                .await?),
            (UrlSigner::S3(s3), algorithm) => {
                let answer = s3_request(
                    s3,
                    reqwest::Method::POST,
                    key,
                    &[("uploads", String::new())],
                    &[("x-amz-checksum-algorithm", algorithm.s3_algorithm().into())],
                    String::new(),
                )
                .await?;
                let started: InitiateMultipartUploadResult = quick_xml::de::from_str(&answer)
                    .map_err(|e| {
                        StorageError::Http(format!("CreateMultipartUpload answer: {e}"))
                    })?;
                Ok(started.upload_id)
            }
        }
    }

    /// Where and how to PUT part `number` whose checksum in `algorithm` is `checksum`
    /// (lower-case hex): the URL and the headers to send with it.
    pub async fn part_url(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        (algorithm, checksum): (PartChecksum, &str),
        expires_in: Duration,
    ) -> Result<(String, Vec<(String, String)>), StorageError> {
        match self.signer.as_ref() {
            UrlSigner::Local {
                key: secret,
                base_url,
            } => Ok((
                signing::local_url(
                    secret,
                    base_url,
                    &http::Method::PUT,
                    &part_key(key, number),
                    "application/octet-stream",
                    Some((algorithm, checksum)),
                    expires_in,
                ),
                Vec::new(),
            )),
            UrlSigner::S3(s3) => {
                let checksum = s3_checksum(checksum)?;
                let header = algorithm.s3_header();
                let url = s3.presigner.presign(
                    "PUT",
                    key,
                    &[
                        ("partNumber", number.to_string()),
                        ("uploadId", upload_id.to_owned()),
                    ],
                    &[(header, checksum.clone())],
                    expires_in,
                    chrono::Utc::now(),
                );
                Ok((url, vec![(header.into(), checksum)]))
            }
            // GCS checks only its own MD5/CRC32C as bytes arrive: the part's checksum is
            // checked when the upload is assembled ([`Storage::compose_parts`]).
            UrlSigner::Gcs(gcs) => Ok((
                gcs.signer
                    .signed_url(
                        http::Method::PUT,
                        &ObjectPath::from(part_key(key, number)),
                        expires_in,
                    )
                    .await?
                    .to_string(),
                Vec::new(),
            )),
        }
    }

    /// The parts the store holds of the upload into `key`, by number.
    pub async fn uploaded_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<StoredPart>, StorageError> {
        let mut parts = match self.signer.as_ref() {
            UrlSigner::Local { .. } | UrlSigner::Gcs(_) => {
                let prefix = ObjectPath::from(parts_prefix(key));
                let listed: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
                listed
                    .into_iter()
                    .filter_map(|meta| {
                        Some(StoredPart {
                            number: part_number(meta.location.as_ref())?,
                            size: meta.size,
                            etag: meta.e_tag,
                        })
                    })
                    .collect()
            }
            UrlSigner::S3(s3) => {
                let mut parts = Vec::new();
                let mut marker = 0u32;
                loop {
                    let body = s3_request(
                        s3,
                        reqwest::Method::GET,
                        key,
                        &[
                            ("uploadId", upload_id.to_owned()),
                            ("max-parts", "1000".into()),
                            ("part-number-marker", marker.to_string()),
                        ],
                        &[],
                        String::new(),
                    )
                    .await?;
                    let page: ListPartsResult = quick_xml::de::from_str(&body)
                        .map_err(|e| StorageError::Http(format!("ListParts answer: {e}")))?;
                    parts.extend(page.parts.into_iter().map(|p| StoredPart {
                        number: p.part_number,
                        size: p.size,
                        etag: p.e_tag,
                    }));
                    match page.next_part_number_marker {
                        Some(next) if page.is_truncated && next > marker => marker = next,
                        _ => break,
                    }
                }
                parts
            }
        };
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// Assembles `parts` (all of them, in order, checked with `algorithm`) into `key` and
    /// measures the result. The parts are gone once assembled; when assembling fails they
    /// stay.
    pub async fn assemble(
        &self,
        key: &str,
        upload_id: &str,
        algorithm: PartChecksum,
        parts: &[PartToAssemble],
    ) -> Result<Assembled, StorageError> {
        match self.signer.as_ref() {
            UrlSigner::Local { .. } => {
                let assembled = self.concatenate(key, parts).await?;
                self.abort_multipart(key, upload_id).await?;
                Ok(assembled)
            }
            UrlSigner::Gcs(gcs) => {
                let assembled = self
                    .compose_parts(&gcs.client, key, algorithm, parts)
                    .await?;
                self.abort_multipart(key, upload_id).await?;
                Ok(assembled)
            }
            UrlSigner::S3(s3) => {
                if algorithm == PartChecksum::Sha256 {
                    let ids = parts.iter().map(part_id).collect::<Result<Vec<_>, _>>()?;
                    s3.multipart
                        .complete_multipart(&ObjectPath::from(key), &upload_id.to_owned(), ids)
                        .await?;
                } else {
                    s3_request(
                        s3,
                        reqwest::Method::POST,
                        key,
                        &[("uploadId", upload_id.to_owned())],
                        &[],
                        complete_body(parts, algorithm)?,
                    )
                    .await?;
                }
                let size = self.size(key).await?.unwrap_or(0);
                Ok(Assembled {
                    size,
                    sha256: self.sha256(key).await?,
                })
            }
        }
    }

    /// Local assembly: the parts in order into `key`, hashed in the same pass.
    async fn concatenate(
        &self,
        key: &str,
        parts: &[PartToAssemble],
    ) -> Result<Assembled, StorageError> {
        let upload = self.store.put_multipart(&ObjectPath::from(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.chunk);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        for part in parts {
            let location = ObjectPath::from(part_key(key, part.number));
            let stream = match self.store.get(&location).await {
                Ok(got) => super::reading::into_stream(got),
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            let mut stream = std::pin::pin!(stream);
            while let Some(chunk) = stream.next().await {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        let _ = writer.abort().await;
                        return Err(e.into());
                    }
                };
                hasher.update(&chunk);
                size += chunk.len() as u64;
                if let Err(e) = writer.wait_for_capacity(2).await {
                    return Err(e.into());
                }
                writer.put(chunk);
            }
        }
        writer.finish().await?;
        Ok(Assembled {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// GCS assembly: the parts, pinned to the generations listed, composed into `key`; then
    /// the composed object read once, each part's stretch checked against its checksum and
    /// the whole hashed. A mismatch removes the composed object.
    async fn compose_parts(
        &self,
        client: &super::gcs::GcsClient,
        key: &str,
        algorithm: PartChecksum,
        parts: &[PartToAssemble],
    ) -> Result<Assembled, StorageError> {
        let prefix = ObjectPath::from(parts_prefix(key));
        let listed: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
        let mut sources = Vec::with_capacity(parts.len());
        let mut sizes = Vec::with_capacity(parts.len());
        for part in parts {
            let meta = listed
                .iter()
                .find(|m| part_number(m.location.as_ref()) == Some(part.number))
                .ok_or(StorageError::UploadGone)?;
            sources.push(super::gcs::compose::Source {
                name: meta.location.to_string(),
                generation: meta.version.clone(),
            });
            sizes.push(meta.size);
        }
        client
            .compose(&sources, key, &format!("{}/_compose", parts_prefix(key)))
            .await?;
        match self.verify_composed(key, algorithm, parts, &sizes).await {
            Ok(assembled) => Ok(assembled),
            Err(e) => {
                let _ = self.delete(key).await;
                Err(e)
            }
        }
    }

    async fn verify_composed(
        &self,
        key: &str,
        algorithm: PartChecksum,
        parts: &[PartToAssemble],
        sizes: &[u64],
    ) -> Result<Assembled, StorageError> {
        let stream = super::reading::into_stream(self.store.get(&ObjectPath::from(key)).await?);
        let mut stream = std::pin::pin!(stream);
        let mut whole = Sha256::new();
        let mut size = 0u64;
        let mut index = 0;
        let mut left = sizes.first().copied().unwrap_or(0);
        let mut hasher = algorithm.hasher();
        let finish_part = |index: usize, hasher: super::checksum::BodyHasher| {
            let part = &parts[index];
            if hasher.finish() == part.checksum {
                Ok(())
            } else {
                Err(StorageError::PartMismatch(part.number))
            }
        };
        while let Some(chunk) = stream.next().await {
            let mut chunk = chunk?;
            whole.update(&chunk);
            size += chunk.len() as u64;
            while !chunk.is_empty() {
                if index >= parts.len() {
                    return Err(StorageError::Http(
                        "the composed object is longer than its parts".into(),
                    ));
                }
                let take = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
                hasher.update(&chunk.split_to(take));
                left -= take as u64;
                if left == 0 {
                    finish_part(index, std::mem::replace(&mut hasher, algorithm.hasher()))?;
                    index += 1;
                    left = sizes.get(index).copied().unwrap_or(0);
                }
            }
        }
        // Parts of no bytes at the end (never asked for: a part has at least one).
        if index < parts.len() {
            return Err(StorageError::Http(
                "the composed object is shorter than its parts".into(),
            ));
        }
        Ok(Assembled {
            size,
            sha256: hex::encode(whole.finalize()),
        })
    }

    /// Abandons the upload into `key`: the parts go (a gone upload is fine).
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        match self.signer.as_ref() {
            UrlSigner::Local { .. } | UrlSigner::Gcs(_) => {
                let prefix = ObjectPath::from(parts_prefix(key));
                let listed: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
                for meta in listed {
                    match self.store.delete(&meta.location).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            }
            UrlSigner::S3(s3) => {
                match s3
                    .multipart
                    .abort_multipart(&ObjectPath::from(key), &upload_id.to_owned())
                    .await
                {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn local_parts_live_beside_the_media_they_make() {
        let key = "media/o/m";
        assert_eq!(part_key(key, 7), "parts/o/m/00007");
        assert_eq!(part_number(&part_key(key, 7)), Some(7));
        assert_eq!(
            super::super::finalized_key_of(&part_key(key, 7)).as_deref(),
            Some(key)
        );
    }

    #[test]
    fn a_part_id_carries_the_etag_and_the_base64_checksum() {
        let id = part_id(&PartToAssemble {
            number: 1,
            etag: Some("\"abc\"".into()),
            checksum: "00".repeat(32),
        })
        .unwrap();
        assert!(id.content_id.contains("<e_tag>\"abc\"</e_tag>"));
        assert!(id.content_id.contains(
            "<checksum_sha256>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</checksum_sha256>"
        ));
    }

    #[test]
    fn a_crc32_completion_names_each_part_with_its_etag_and_checksum() {
        let body = complete_body(
            &[PartToAssemble {
                number: 2,
                etag: Some("\"a<b\"".into()),
                checksum: "cbf43926".into(),
            }],
            PartChecksum::Crc32,
        )
        .unwrap();
        assert!(body.contains(
            "<Part><PartNumber>2</PartNumber><ETag>\"a&lt;b\"</ETag><ChecksumCRC32>y/Q5Jg==</ChecksumCRC32></Part>"
        ));
        let started: InitiateMultipartUploadResult = quick_xml::de::from_str(
            r#"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>"#,
        )
        .unwrap();
        assert_eq!(started.upload_id, "u-1");
    }

    #[test]
    fn a_list_parts_answer_parses() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>media</Bucket><Key>x</Key><UploadId>u</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><LastModified>2026-12-04T16:41:02Z</LastModified><ETag>"79b2"</ETag><Size>5242880</Size></Part><Part><PartNumber>2</PartNumber><ETag>"7aea"</ETag><Size>4</Size></Part></ListPartsResult>"#;
        let page: ListPartsResult = quick_xml::de::from_str(xml).unwrap();
        assert!(!page.is_truncated);
        assert_eq!(page.parts.len(), 2);
        assert_eq!(page.parts[1].size, 4);
        assert_eq!(page.parts[0].e_tag.as_deref(), Some("\"79b2\""));
    }
}
