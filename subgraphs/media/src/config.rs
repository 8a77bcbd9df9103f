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
    /// Origins whose pages may PUT, GET and HEAD this service's signed object URLs (CORS):
    /// exact origins (`https://app.example.com`), `*` for any port of a host
    /// (`http://localhost:*`), or `*` alone for any origin (the URL's signature is the
    /// credential; no cookies are involved). Empty: no cross-origin access (`mediamagic
    /// dev` fills in this machine's origins). S3 and GCS buckets take a CORS rule of their
    /// own (docs/operations.md).
    #[serde(default)]
    pub cors_allowed_origins: Vec<String>,
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
    /// Width of thumbnails, in pixels (height follows the aspect ratio).
    #[serde(default = "default_thumbnail_width")]
    pub thumbnail_width: u32,
    /// Multipart uploads (parts in parallel, resumable).
    #[serde(default)]
    pub multipart: MultipartConfig,
    /// Per-account upload limits; an admin overrides them per account (`setUploadQuota`).
    #[serde(default)]
    pub quotas: QuotaConfig,
}

/// Multipart uploads: `createUpload` with a size above `threshold_bytes` (or `multipart:
/// true`) gives an upload in parts, each with a presigned URL.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultipartConfig {
    /// Uploads larger than this are multipart (default 1 GiB); smaller ones may ask to be.
    #[serde(default = "default_multipart_threshold_bytes")]
    pub threshold_bytes: u64,
    /// Part size when the client names none (default 64 MiB); raised when a file needs more
    /// than 10,000 parts. Clients may ask for 5 MiB to 5 GiB.
    #[serde(default = "default_part_size_bytes")]
    pub part_size_bytes: u64,
    /// Largest multipart upload (default 5 TiB, S3's limit).
    #[serde(default = "default_max_multipart_bytes")]
    pub max_bytes: u64,
    /// Most part URLs one request hands out (`createUpload`'s `parts`, `uploadPartUrls`).
    #[serde(default = "default_part_urls_per_request")]
    pub part_urls_per_request: usize,
}

impl Default for MultipartConfig {
    fn default() -> Self {
        Self {
            threshold_bytes: default_multipart_threshold_bytes(),
            part_size_bytes: default_part_size_bytes(),
            max_bytes: default_max_multipart_bytes(),
            part_urls_per_request: default_part_urls_per_request(),
        }
    }
}

/// Upload limits of every account unless overridden for one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaConfig {
    /// Bytes an account may store, live media plus declared sizes of pending uploads
    /// (default 100 GiB; absent in the file: that default; 0: nothing).
    #[serde(default = "default_storage_quota_bytes")]
    pub storage_bytes: u64,
    /// Presigned and multipart uploads an account may have started and not finished.
    #[serde(default = "default_pending_uploads")]
    pub pending_uploads: u32,
    /// Uploads an account may stream through the media service at once (GraphQL multipart,
    /// REST `/upload`).
    #[serde(default = "default_concurrent_uploads")]
    pub concurrent_uploads: u32,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        Self {
            storage_bytes: default_storage_quota_bytes(),
            pending_uploads: default_pending_uploads(),
            concurrent_uploads: default_concurrent_uploads(),
        }
    }
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
    /// A Google Cloud Storage bucket, with V4-signed URLs.
    Gcs(GcsConfig),
}

/// A Google Cloud Storage bucket.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcsConfig {
    /// Bucket name.
    pub bucket: String,
    /// A service account's JSON key file: it authorises the calls and signs the URLs. When
    /// absent, the workload's identity (GKE workload identity, the metadata server) does
    /// both; it then needs `iam.serviceAccounts.signBlob` on itself to sign URLs.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// The API's address, for an emulator (`http://127.0.0.1:4443`); Google's when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
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
            cors_allowed_origins: Vec::new(),
            max_upload_bytes: default_max_upload_bytes(),
            allowed_content_types: default_allowed_content_types(),
            max_tags: default_max_tags(),
            max_tag_length: default_max_tag_length(),
            max_vocabulary: default_max_vocabulary(),
            upload_url_ttl_seconds: default_upload_url_ttl_seconds(),
            download_url_ttl_seconds: default_download_url_ttl_seconds(),
            max_download_url_ttl_seconds: default_max_download_url_ttl_seconds(),
            thumbnail_width: default_thumbnail_width(),
            multipart: MultipartConfig::default(),
            quotas: QuotaConfig::default(),
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
fn default_thumbnail_width() -> u32 {
    320
}
fn default_multipart_threshold_bytes() -> u64 {
    1024 * 1024 * 1024
}
fn default_part_size_bytes() -> u64 {
    64 * 1024 * 1024
}
fn default_max_multipart_bytes() -> u64 {
    5 * 1024 * 1024 * 1024 * 1024
}
fn default_part_urls_per_request() -> usize {
    100
}
fn default_storage_quota_bytes() -> u64 {
    100 * 1024 * 1024 * 1024
}
fn default_pending_uploads() -> u32 {
    100
}
fn default_concurrent_uploads() -> u32 {
    10
}
fn default_region() -> String {
    "us-east-1".into()
}
fn default_true() -> bool {
    true
}
