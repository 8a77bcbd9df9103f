//! The checksum a multipart upload's parts are verified with as they arrive: SHA-256 (the
//! default) or CRC32 (S3's `x-amz-checksum-crc32`; hardware CRC costs a small fraction of
//! SHA-256's CPU). Either way the whole file's sha256 is checked when the upload completes.

use base64::Engine;
use sha2::{Digest, Sha256};

/// A part checksum algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PartChecksum {
    /// SHA-256, 64 hex digits.
    #[default]
    Sha256,
    /// CRC32 (IEEE, as zlib and S3), 8 hex digits, big-endian.
    Crc32,
}

impl PartChecksum {
    /// Its name in the database and in local signed URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Crc32 => "crc32",
        }
    }

    /// The algorithm named `name` (as [`Self::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Self::Sha256),
            "crc32" => Some(Self::Crc32),
            _ => None,
        }
    }

    /// Hex digits in a checksum.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Sha256 => 64,
            Self::Crc32 => 8,
        }
    }

    /// `value` as this algorithm's checksum in lower-case hex, or why it is not one.
    pub fn normalized(self, value: &str) -> Result<String, String> {
        if value.len() == self.hex_len() && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(value.to_ascii_lowercase())
        } else {
            Err(format!("must be {} hex digits", self.hex_len()))
        }
    }

    /// The S3 header carrying a part's checksum.
    pub fn s3_header(self) -> &'static str {
        match self {
            Self::Sha256 => "x-amz-checksum-sha256",
            Self::Crc32 => "x-amz-checksum-crc32",
        }
    }

    /// The S3 name of the algorithm (`x-amz-checksum-algorithm`).
    pub fn s3_algorithm(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA256",
            Self::Crc32 => "CRC32",
        }
    }

    /// The element of a part's checksum in S3's `CompleteMultipartUpload`.
    pub fn s3_element(self) -> &'static str {
        match self {
            Self::Sha256 => "ChecksumSHA256",
            Self::Crc32 => "ChecksumCRC32",
        }
    }

    /// A lower-case hex checksum as S3 writes it (base64 of the bytes); `None` when it is
    /// not hex.
    pub fn s3_value(hex_value: &str) -> Option<String> {
        hex::decode(hex_value)
            .ok()
            .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// A fresh hasher.
    pub fn hasher(self) -> BodyHasher {
        match self {
            Self::Sha256 => BodyHasher::Sha256(Box::default()),
            Self::Crc32 => BodyHasher::Crc32(crc32fast::Hasher::new()),
        }
    }
}

/// A running checksum of a body.
#[derive(Clone)]
pub enum BodyHasher {
    /// SHA-256.
    Sha256(Box<Sha256>),
    /// CRC32.
    Crc32(crc32fast::Hasher),
}

impl BodyHasher {
    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha256(hasher) => hasher.update(bytes),
            Self::Crc32(hasher) => hasher.update(bytes),
        }
    }

    /// The checksum, lower-case hex.
    pub fn finish(self) -> String {
        match self {
            Self::Sha256(hasher) => hex::encode(hasher.finalize()),
            Self::Crc32(hasher) => format!("{:08x}", hasher.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn of(algorithm: PartChecksum, bytes: &[u8]) -> String {
        let mut hasher = algorithm.hasher();
        hasher.update(&bytes[..3]);
        hasher.update(&bytes[3..]);
        hasher.finish()
    }

    #[test]
    fn checksums_are_the_standard_ones_in_hex() {
        // The CRC32 check value of "123456789" (zlib, S3) and its base64 as S3 sends it.
        assert_eq!(of(PartChecksum::Crc32, b"123456789"), "cbf43926");
        assert_eq!(PartChecksum::s3_value("cbf43926").unwrap(), "y/Q5Jg==");
        assert_eq!(
            of(PartChecksum::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn checksums_are_checked_and_lower_cased() {
        assert_eq!(
            PartChecksum::Crc32.normalized("CBF43926").unwrap(),
            "cbf43926"
        );
        assert!(PartChecksum::Crc32.normalized(&"a".repeat(64)).is_err());
        assert!(PartChecksum::Sha256.normalized("cbf43926").is_err());
        assert!(PartChecksum::Crc32.normalized("cbf4392g").is_err());
        for algorithm in [PartChecksum::Sha256, PartChecksum::Crc32] {
            assert_eq!(PartChecksum::parse(algorithm.as_str()), Some(algorithm));
        }
    }
}
