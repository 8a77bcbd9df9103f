//! `[backup]`: WAL archiving and scheduled pgBackRest backups of the embedded cluster.

use mediamagic_kit::config::Secret;
use serde::Deserialize;
use std::path::PathBuf;

/// Backups of the cluster `mediamagic dev` runs (the embedded, single-machine deployment).
/// On Kubernetes the database is CloudNativePG's or a managed service's, with their own
/// backups (docs/operations.md, "Backups and recovery").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// Archive the WAL and take scheduled backups. Off in dev by default; on in the
    /// production examples.
    #[serde(default)]
    pub enabled: bool,
    /// Where the pgBackRest repository lives.
    #[serde(default)]
    pub repository: RepositoryConfig,
    /// Passphrase that encrypts the repository (AES-256). When absent, dev makes one and
    /// keeps it in `<dev.data_dir>/backup-passphrase`: copy it off the machine, since a
    /// repository is unreadable without it.
    #[serde(default)]
    pub cipher_pass: Option<Secret<String>>,
    /// Full backups kept; older ones, and the WAL only they need, are expired (seed 000:
    /// daily backups, seven kept).
    #[serde(default = "default_full_kept")]
    pub full_kept: u32,
    /// Hours between full backups.
    #[serde(default = "default_full_every_hours")]
    pub full_every_hours: f64,
    /// Hours between incremental backups; 0 takes none.
    #[serde(default = "default_incremental_every_hours")]
    pub incremental_every_hours: f64,
    /// Seconds after which a WAL segment with changes is archived although not full: the
    /// most recent writes lost with the database's volume (the recovery point objective).
    #[serde(default = "default_archive_timeout_seconds")]
    pub archive_timeout_seconds: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            repository: RepositoryConfig::default(),
            cipher_pass: None,
            full_kept: default_full_kept(),
            full_every_hours: default_full_every_hours(),
            incremental_every_hours: default_incremental_every_hours(),
            archive_timeout_seconds: default_archive_timeout_seconds(),
        }
    }
}

fn default_full_kept() -> u32 {
    7
}
fn default_full_every_hours() -> f64 {
    24.0
}
fn default_incremental_every_hours() -> f64 {
    1.0
}
fn default_archive_timeout_seconds() -> u32 {
    60
}

/// A pgBackRest repository.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
pub enum RepositoryConfig {
    /// A directory (default `<dev.data_dir>/backups`): put it on another disk, or another
    /// machine's mount, or the backups go with the database's disk.
    #[default]
    Directory,
    /// An explicit directory.
    Path {
        /// The directory.
        path: PathBuf,
    },
    /// An S3-compatible bucket (pgBackRest speaks only HTTPS to it).
    S3(S3Repository),
    /// A Google Cloud Storage bucket.
    Gcs(GcsRepository),
}

/// An S3-compatible bucket for the repository.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Repository {
    /// Endpoint host (and `:port`), without a scheme: `s3.eu-west-1.amazonaws.com`,
    /// `minio.internal:9000`.
    pub endpoint: String,
    /// Bucket; it must exist.
    pub bucket: String,
    /// Region.
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret<String>,
    /// Folder inside the bucket (the media use `media/`, `thumbnails/`, ... beside it).
    #[serde(default = "default_repository_path")]
    pub path: String,
    /// Path-style requests (`endpoint/bucket/key`), which most self-hosted stores need.
    #[serde(default = "default_true")]
    pub path_style: bool,
    /// Check the store's TLS certificate; turn off only for a test store.
    #[serde(default = "default_true")]
    pub verify_tls: bool,
    /// A CA bundle to check the store's certificate with.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// A Google Cloud Storage bucket for the repository.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcsRepository {
    /// Bucket; it must exist.
    pub bucket: String,
    /// A service account's JSON key file; workload identity (the metadata server) when
    /// absent.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// An OAuth access token instead (pgBackRest's `token` key type): for a token minted
    /// elsewhere, or an emulator.
    #[serde(default)]
    pub token: Option<Secret<String>>,
    /// Endpoint host, for a test server; Google's when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Folder inside the bucket.
    #[serde(default = "default_repository_path")]
    pub path: String,
    /// Check the endpoint's TLS certificate.
    #[serde(default = "default_true")]
    pub verify_tls: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}
fn default_repository_path() -> String {
    "/pgbackrest".into()
}
fn default_true() -> bool {
    true
}
