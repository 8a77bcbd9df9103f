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

use super::{
    Storage, StorageError, UrlSigner,
    checksum::PartChecksum,
    s3_parts::{
        InitiateMultipartUploadResult, ListPartsResult, complete_body, part_id, s3_checksum,
        s3_request,
    },
    signing,
};
use futures::{StreamExt, TryStreamExt};
use object_store::{
    ObjectStoreExt, WriteMultipart, multipart::MultipartStore, path::Path as ObjectPath,
    signer::Signer,
};
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

pub(super) fn parts_prefix(key: &str) -> String {
    format!("parts/{}", key.strip_prefix("media/").unwrap_or(key))
}

/// The part number of a part object's key (local and GCS parts).
pub(super) fn part_number(location: &str) -> Option<u32> {
    location.rsplit('/').next()?.parse().ok()
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
}
