//! HMAC-signed, expiring URLs for local storage: `<base>/objects/<key>?expires=..&type=..&signature=..`,
//! the signature covering method, key, expiry and content type, and for a multipart upload's
//! part the checksum its bytes must have (`&sha256=..` or `&crc32=..`).

use super::checksum::PartChecksum;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::time::Duration;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The query of a local signed URL.
#[derive(Clone, Debug, Deserialize)]
pub struct SignedQuery {
    /// Unix time after which the URL is refused.
    pub expires: i64,
    /// Content type served (GET) or expected (PUT).
    #[serde(rename = "type")]
    pub content_type: String,
    /// Hex HMAC-SHA256.
    pub signature: String,
    /// The SHA-256 the PUT body must have (a multipart upload's part), lower-case hex.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The CRC32 the PUT body must have (a multipart upload's part), lower-case hex.
    #[serde(default)]
    pub crc32: Option<String>,
}

impl SignedQuery {
    /// The checksum the body must have, if the URL names one (a part's).
    pub fn part_checksum(&self) -> Option<(PartChecksum, &str)> {
        match (&self.sha256, &self.crc32) {
            (Some(sum), _) => Some((PartChecksum::Sha256, sum)),
            (None, Some(sum)) => Some((PartChecksum::Crc32, sum)),
            (None, None) => None,
        }
    }
}

fn mac(
    secret: &[u8],
    method: &http::Method,
    key: &str,
    expires: i64,
    content_type: &str,
    part: Option<(PartChecksum, &str)>,
) -> HmacSha256 {
    // HMAC takes keys of any length, so the fallback is never used.
    let mut mac = HmacSha256::new_from_slice(secret)
        .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
    // GET URLs also allow HEAD, as S3's do.
    let method = if method == http::Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    mac.update(format!("{method}\n{key}\n{expires}\n{content_type}").as_bytes());
    match part {
        Some((PartChecksum::Sha256, sum)) => mac.update(format!("\n{sum}").as_bytes()),
        Some((algorithm, sum)) => mac.update(format!("\n{}={sum}", algorithm.as_str()).as_bytes()),
        None => {}
    }
    mac
}

/// Builds a signed URL.
pub(crate) fn local_url(
    secret: &[u8],
    base_url: &str,
    method: &http::Method,
    key: &str,
    content_type: &str,
    part: Option<(PartChecksum, &str)>,
    expires_in: Duration,
) -> String {
    let expires = chrono::Utc::now().timestamp() + expires_in.as_secs() as i64;
    let signature = hex::encode(
        mac(secret, method, key, expires, content_type, part)
            .finalize()
            .into_bytes(),
    );
    let content_type = content_type.replace('+', "%2B");
    let checksum = part
        .map(|(algorithm, sum)| format!("&{}={sum}", algorithm.as_str()))
        .unwrap_or_default();
    format!(
        "{base_url}/objects/{key}?expires={expires}&type={content_type}{checksum}&signature={signature}"
    )
}

/// Checks a signed URL's query.
pub(crate) fn verify(
    secret: &[u8],
    method: &http::Method,
    key: &str,
    query: &SignedQuery,
) -> Result<(), &'static str> {
    let signature = hex::decode(&query.signature).map_err(|_| "the URL's signature is invalid")?;
    // A URL is signed with one checksum at most; a second one was added to it.
    if query.sha256.is_some() && query.crc32.is_some() {
        return Err("the URL's signature is invalid");
    }
    mac(
        secret,
        method,
        key,
        query.expires,
        &query.content_type,
        query.part_checksum(),
    )
    .verify_slice(&signature)
    .map_err(|_| "the URL's signature is invalid")?;
    if chrono::Utc::now().timestamp() > query.expires {
        return Err("the URL has expired");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str) -> SignedQuery {
        let q = url.split_once('?').unwrap().1;
        let get = |name: &str| {
            q.split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap()
                .replace("%2B", "+")
        };
        SignedQuery {
            expires: get("expires").parse().unwrap(),
            content_type: get("type"),
            signature: get("signature"),
            sha256: q
                .split('&')
                .find_map(|p| p.strip_prefix("sha256="))
                .map(str::to_owned),
            crc32: q
                .split('&')
                .find_map(|p| p.strip_prefix("crc32="))
                .map(str::to_owned),
        }
    }

    #[test]
    fn a_signed_url_verifies_for_its_method_key_and_type_only() {
        let url = local_url(
            b"k",
            "http://h",
            &http::Method::GET,
            "media/a/b",
            "image/png",
            None,
            Duration::from_secs(60),
        );
        let q = query(&url);
        assert!(verify(b"k", &http::Method::GET, "media/a/b", &q).is_ok());
        assert!(verify(b"k", &http::Method::HEAD, "media/a/b", &q).is_ok());
        assert!(verify(b"k", &http::Method::PUT, "media/a/b", &q).is_err());
        assert!(verify(b"k", &http::Method::GET, "media/a/c", &q).is_err());
        assert!(verify(b"other", &http::Method::GET, "media/a/b", &q).is_err());
        let mut tampered = q.clone();
        tampered.content_type = "text/html".into();
        assert!(verify(b"k", &http::Method::GET, "media/a/b", &tampered).is_err());
        let mut extended = q;
        extended.expires += 3600;
        assert!(verify(b"k", &http::Method::GET, "media/a/b", &extended).is_err());
    }

    /// The query of a part URL signed with key `k` for `part`.
    fn part_query(part: (PartChecksum, &str)) -> SignedQuery {
        query(&local_url(
            b"k",
            "http://h",
            &http::Method::PUT,
            "parts/o/m/00001",
            "application/octet-stream",
            Some(part),
            Duration::from_secs(60),
        ))
    }

    #[test]
    fn a_part_url_binds_the_parts_checksum() {
        let sum = "ab".repeat(32);
        let q = part_query((PartChecksum::Sha256, &sum));
        assert_eq!(q.sha256.as_deref(), Some(sum.as_str()));
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &q).is_ok());
        let mut swapped = q.clone();
        swapped.sha256 = Some("cd".repeat(32));
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &swapped).is_err());
        let mut dropped = q.clone();
        dropped.sha256 = None;
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &dropped).is_err());
        let mut added = q;
        added.crc32 = Some("cbf43926".into());
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &added).is_err());
    }

    #[test]
    fn a_part_url_binds_a_crc32_and_its_algorithm() {
        let q = part_query((PartChecksum::Crc32, "cbf43926"));
        assert_eq!(q.part_checksum(), Some((PartChecksum::Crc32, "cbf43926")));
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &q).is_ok());
        let mut swapped = q.clone();
        swapped.crc32 = Some("00000000".into());
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &swapped).is_err());
        // The same hex under the other algorithm's name is not what was signed.
        let mut renamed = q;
        renamed.sha256 = renamed.crc32.take();
        assert!(verify(b"k", &http::Method::PUT, "parts/o/m/00001", &renamed).is_err());
    }

    #[test]
    fn an_expired_url_is_refused() {
        let url = local_url(
            b"k",
            "http://h",
            &http::Method::PUT,
            "k",
            "video/mp4",
            None,
            Duration::from_secs(0),
        );
        let mut q = query(&url);
        q.expires -= 10;
        q.signature = hex::encode(
            mac(b"k", &http::Method::PUT, "k", q.expires, "video/mp4", None)
                .finalize()
                .into_bytes(),
        );
        assert_eq!(
            verify(b"k", &http::Method::PUT, "k", &q),
            Err("the URL has expired")
        );
    }
}
