//! AWS Signature Version 4 in the query string (presigned URLs) for requests `object_store`
//! cannot presign: a multipart upload's parts (`partNumber`, `uploadId`, and the part's
//! `x-amz-checksum-sha256` as a signed header, so the store verifies the bytes) and the
//! listing of uploaded parts. <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>

use chrono::{DateTime, Utc};
use hmac::Mac;
use sha2::{Digest, Sha256};
use std::time::Duration;

use super::signing::HmacSha256;

/// Presigns requests to one bucket.
#[derive(Clone, Debug)]
pub(crate) struct Presigner {
    /// `http(s)://host[:port]` of the store (AWS: `https://s3.<region>.amazonaws.com`).
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key`.
    pub path_style: bool,
}

/// Characters S3 leaves unencoded (RFC 3986 unreserved).
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes keys of any length, so the fallback is never used.
    let mut mac = HmacSha256::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl Presigner {
    /// A URL for `method` on `key` with `query`, valid for `expires_in` from `now`; the
    /// client must send `headers` (names lower-case) with exactly these values.
    pub fn presign(
        &self,
        method: &str,
        key: &str,
        query: &[(&str, String)],
        headers: &[(&str, String)],
        expires_in: Duration,
        now: DateTime<Utc>,
    ) -> String {
        let (scheme, authority) = self
            .endpoint
            .split_once("://")
            .unwrap_or(("https", self.endpoint.as_str()));
        let authority = authority.trim_end_matches('/');
        let (host, path) = if self.path_style {
            (
                authority.to_owned(),
                format!("/{}/{}", encode(&self.bucket, false), encode(key, true)),
            )
        } else {
            (
                format!("{}.{authority}", self.bucket),
                format!("/{}", encode(key, true)),
            )
        };
        let date = now.format("%Y%m%d").to_string();
        let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        let mut signed: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        signed.push(("host".into(), host.clone()));
        signed.sort();
        let signed_names = signed
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let mut params: Vec<(String, String)> = query
            .iter()
            .map(|(name, value)| (encode(name, false), encode(value, false)))
            .collect();
        for (name, value) in [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_owned()),
            (
                "X-Amz-Credential",
                format!("{}/{scope}", self.access_key_id),
            ),
            ("X-Amz-Date", stamp.clone()),
            ("X-Amz-Expires", expires_in.as_secs().to_string()),
            ("X-Amz-SignedHeaders", signed_names.clone()),
        ] {
            params.push((encode(name, false), encode(&value, false)));
        }
        params.sort();
        let canonical_query = params
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("&");
        let canonical_headers: String = signed
            .iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect();
        let canonical_request = format!(
            "{method}\n{path}\n{canonical_query}\n{canonical_headers}\n{signed_names}\nUNSIGNED-PAYLOAD"
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let key = [&date, &self.region, "s3", "aws4_request"].iter().fold(
            format!("AWS4{}", self.secret_access_key).into_bytes(),
            |key, part| hmac(&key, part),
        );
        let signature = hex::encode(hmac(&key, &to_sign));
        format!("{scheme}://{host}{path}?{canonical_query}&X-Amz-Signature={signature}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_aws_documentation_example_signs_alike() {
        // "Example: presigned URL" of the SigV4 query-string documentation.
        let presigner = Presigner {
            endpoint: "https://s3.amazonaws.com".into(),
            bucket: "examplebucket".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            path_style: false,
        };
        let now = DateTime::parse_from_rfc3339("2013-05-24T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let url = presigner.presign(
            "GET",
            "test.txt",
            &[],
            &[],
            Duration::from_secs(86_400),
            now,
        );
        assert_eq!(
            url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn keys_are_encoded_but_keep_their_slashes() {
        assert_eq!(encode("parts/a b/1+2", true), "parts/a%20b/1%2B2");
        assert_eq!(encode("a/b", false), "a%2Fb");
    }
}
