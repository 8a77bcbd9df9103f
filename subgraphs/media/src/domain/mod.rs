//! Media domain types: parsed upload requests, kinds, tags, statuses.

pub mod upload;

pub use upload::{MediaKind, MediaStatus, UploadRequest, normalise_tags, parse_sha256};
