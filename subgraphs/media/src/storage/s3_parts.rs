//! S3's multipart calls that object_store does not make: presigned requests for CRC32
//! uploads and part listings, and the XML they send and read.

use super::{S3Signer, StorageError, checksum::PartChecksum, parts::PartToAssemble};
use object_store::multipart::PartId;
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListPartsResult {
    #[serde(default)]
    pub(super) is_truncated: bool,
    #[serde(default)]
    pub(super) next_part_number_marker: Option<u32>,
    #[serde(default, rename = "Part")]
    pub(super) parts: Vec<ListedPart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct InitiateMultipartUploadResult {
    pub(super) upload_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListedPart {
    pub(super) part_number: u32,
    #[serde(rename = "ETag")]
    pub(super) e_tag: Option<String>,
    pub(super) size: u64,
}

pub(super) fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

pub(super) fn s3_checksum(hex_value: &str) -> Result<String, StorageError> {
    PartChecksum::s3_value(hex_value)
        .ok_or_else(|| StorageError::Config("a part's checksum is not hex".into()))
}

/// What object_store reads back as a part's id: its ETag and SHA-256 (S3's XML names).
pub(super) fn part_id(part: &PartToAssemble) -> Result<PartId, StorageError> {
    let checksum = s3_checksum(&part.checksum)?;
    let etag = xml_text(part.etag.as_deref().unwrap_or_default());
    Ok(PartId {
        content_id: format!(
            "<PartMetadata><e_tag>{etag}</e_tag><checksum_sha256>{checksum}</checksum_sha256></PartMetadata>"
        ),
    })
}

/// The `CompleteMultipartUpload` body naming every part with its ETag and checksum.
pub(super) fn complete_body(
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
pub(super) async fn s3_request(
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
