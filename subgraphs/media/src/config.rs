//! Media subgraph settings (section `[media]` of the platform config).

use mediamagic_kit::config::Secret;
use serde::Deserialize;
use std::path::PathBuf;

/// Settings of the media subgraph.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// Where objects are stored.
    #[serde(default)]
    pub storage: StorageConfig,
    /// Base URL clients reach this service at, for local-storage signed URLs
    /// (`http://127.0.0.1:4003`); defaults to the address the service listens on.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Largest upload, in bytes (default 5 GiB).
    #[serde(default = "default_max_upload_bytes")]
    pub max_upload_bytes: u64,
    /// Accepted content types; a type's prefix (`image/`, `video/`, `audio/`) sets the kind.
    #[serde(default = "default_allowed_content_types")]
    pub allowed_content_types: Vec<String>,
    /// Most tags per media.
    #[serde(default = "default_max_tags")]
    pub max_tags: usize,
    /// Longest tag, in characters.
    #[serde(default = "default_max_tag_length")]
    pub max_tag_length: usize,
    /// Most tags an account may create on their own (`createTag`); tags given with media are
    /// bounded per media by `max_tags`.
    #[serde(default = "default_max_vocabulary")]
    pub max_vocabulary: usize,
    /// Lifetime of presigned upload URLs, in seconds.
    #[serde(default = "default_upload_url_ttl_seconds")]
    pub upload_url_ttl_seconds: u64,
    /// Default lifetime of download URLs, in seconds.
    #[serde(default = "default_download_url_ttl_seconds")]
    pub download_url_ttl_seconds: u64,
    /// Longest lifetime a client may ask for a download URL, in seconds.
    #[serde(default = "default_max_download_url_ttl_seconds")]
    pub max_download_url_ttl_seconds: u64,
    /// Pending uploads older than this many hours are removed by the clean-up job.
    #[serde(default = "default_pending_upload_ttl_hours")]
    pub pending_upload_ttl_hours: i64,
    /// When the clean-up job runs (cron with seconds).
    #[serde(default = "default_cleanup_schedule")]
    pub cleanup_schedule: String,
    /// Width of thumbnails, in pixels (height follows the aspect ratio).
    #[serde(default = "default_thumbnail_width")]
    pub thumbnail_width: u32,
}

/// Object storage.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
pub enum StorageConfig {
    /// Files under a directory (default `<dev.data_dir>/objects`), with URLs signed by this
    /// service (HMAC, expiring) and served by it.
    #[default]
    Local,
    /// Local files under an explicit directory.
    Directory {
        /// The directory.
        path: PathBuf,
    },
    /// Any S3-compatible store, with real presigned URLs.
    S3(S3Config),
}

/// An S3-compatible bucket.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// Endpoint URL (`http://127.0.0.1:8333` for SeaweedFS or MinIO); AWS when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Bucket name.
    pub bucket: String,
    /// Region (`us-east-1` for most S3-compatible servers).
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret<String>,
    /// Path-style URLs (`endpoint/bucket/key`), which most self-hosted stores need.
    #[serde(default = "default_true")]
    pub path_style: bool,
    /// Allow plain HTTP endpoints.
    #[serde(default)]
    pub allow_http: bool,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            storage: StorageConfig::default(),
            public_url: None,
            max_upload_bytes: default_max_upload_bytes(),
            allowed_content_types: default_allowed_content_types(),
            max_tags: default_max_tags(),
            max_tag_length: default_max_tag_length(),
            max_vocabulary: default_max_vocabulary(),
            upload_url_ttl_seconds: default_upload_url_ttl_seconds(),
            download_url_ttl_seconds: default_download_url_ttl_seconds(),
            max_download_url_ttl_seconds: default_max_download_url_ttl_seconds(),
            pending_upload_ttl_hours: default_pending_upload_ttl_hours(),
            cleanup_schedule: default_cleanup_schedule(),
            thumbnail_width: default_thumbnail_width(),
        }
    }
}

fn default_max_upload_bytes() -> u64 {
    5 * 1024 * 1024 * 1024
}
fn default_allowed_content_types() -> Vec<String> {
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "video/mp4",
        "video/webm",
        "video/quicktime",
        "video/x-matroska",
        "audio/mpeg",
        "audio/wav",
        "audio/x-wav",
        "audio/ogg",
        "audio/flac",
        "audio/aac",
        "audio/mp4",
        "audio/webm",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}
fn default_max_tags() -> usize {
    32
}
fn default_max_tag_length() -> usize {
    50
}
fn default_max_vocabulary() -> usize {
    10_000
}
fn default_upload_url_ttl_seconds() -> u64 {
    3600
}
fn default_download_url_ttl_seconds() -> u64 {
    300
}
fn default_max_download_url_ttl_seconds() -> u64 {
    86_400
}
fn default_pending_upload_ttl_hours() -> i64 {
    24
}
fn default_cleanup_schedule() -> String {
    "0 23 * * * *".into()
}
fn default_thumbnail_width() -> u32 {
    320
}
fn default_region() -> String {
    "us-east-1".into()
}
fn default_true() -> bool {
    true
}
