//! pgBackRest, run for the embedded cluster: its configuration (written from ours), the
//! archive settings the cluster starts with, and each command run as the cluster's user.

use super::{
    BackupError,
    config::{BackupConfig, RepositoryConfig},
};
use crate::config::PlatformConfig;
use mediamagic_kit::local_services;
use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

/// The stanza (pgBackRest's name for one cluster's backups) of Media Magic's cluster.
pub const STANZA: &str = "mediamagic";

/// pgBackRest's exit code when another command holds the lock (a scheduled backup).
pub const LOCK_HELD: i32 = 50;

/// What running pgBackRest against the embedded cluster needs.
#[derive(Clone, Debug)]
pub struct Repository {
    config: BackupConfig,
    /// The cluster's data directory, `<dev.data_dir>/postgres`.
    pub pg_data: PathBuf,
    /// pgBackRest's own files: configuration, logs, locks, spool.
    pub work_dir: PathBuf,
    directory: PathBuf,
    cipher_pass: String,
    conf_name: &'static str,
}

impl Repository {
    /// Reads `[backup]`; `make_passphrase` lets dev create the repository's passphrase on
    /// first use when none is configured.
    pub fn new(config: &PlatformConfig, make_passphrase: bool) -> Result<Self, BackupError> {
        if !config.backup.enabled {
            return Err(BackupError::Off);
        }
        let data_dir = std::path::absolute(&config.dev.data_dir)?;
        let cipher_pass = match &config.backup.cipher_pass {
            Some(pass) => pass.expose().clone(),
            None => passphrase_file(&data_dir, make_passphrase)?,
        };
        Ok(Self {
            config: config.backup.clone(),
            pg_data: data_dir.join("postgres"),
            work_dir: data_dir.join("backup"),
            directory: data_dir.join("backups"),
            cipher_pass,
            conf_name: "pgbackrest.conf",
        })
    }

    /// The same repository for a cluster being restored into `pg_data`, with a configuration
    /// of its own: the running configuration is not touched until the restore has worked.
    pub fn for_restore_into(&self, pg_data: PathBuf) -> Self {
        Self {
            pg_data,
            conf_name: "pgbackrest-restore.conf",
            ..self.clone()
        }
    }

    /// The configuration file the cluster's archive command and every command read.
    pub fn conf_path(&self) -> PathBuf {
        self.work_dir.join(self.conf_name)
    }

    /// Where the repository is, for messages.
    pub fn describe(&self) -> String {
        match &self.config.repository {
            RepositoryConfig::Directory => self.directory.display().to_string(),
            RepositoryConfig::Path { path } => path.display().to_string(),
            RepositoryConfig::S3(s3) => format!("s3://{}{} at {}", s3.bucket, s3.path, s3.endpoint),
            RepositoryConfig::Gcs(gcs) => format!("gs://{}{}", gcs.bucket, gcs.path),
        }
    }

    /// Settings the cluster starts with: every WAL segment archived into the repository,
    /// and a partly filled one after `archive_timeout_seconds`.
    pub fn archive_settings(&self) -> Result<Vec<(String, String)>, BackupError> {
        let command = format!(
            "{} --config={} --stanza={STANZA} archive-push %p",
            shell_quote(&binary()?.to_string_lossy()),
            shell_quote(&self.conf_path().to_string_lossy()),
        );
        Ok(vec![
            ("wal_level".into(), "replica".into()),
            ("archive_mode".into(), "on".into()),
            ("archive_command".into(), command),
            (
                "archive_timeout".into(),
                self.config.archive_timeout_seconds.to_string(),
            ),
        ])
    }

    /// Writes the configuration for the cluster on `port` (unknown when it is stopped),
    /// readable only by the cluster's user: it holds the passphrase and store keys.
    pub fn write_conf(&self, port: Option<u16>) -> Result<PathBuf, BackupError> {
        for dir in ["log", "lock", "spool"] {
            std::fs::create_dir_all(self.work_dir.join(dir))?;
        }
        if matches!(self.config.repository, RepositoryConfig::Directory) {
            std::fs::create_dir_all(&self.directory)?;
            local_services::give_to_postgres_user(&self.directory)?;
        }
        if let RepositoryConfig::Path { path } = &self.config.repository {
            std::fs::create_dir_all(path)?;
            local_services::give_to_postgres_user(path)?;
        }
        let path = self.conf_path();
        write_private(&path, &self.conf_text(port))?;
        local_services::give_to_postgres_user(&self.work_dir)?;
        Ok(path)
    }

    fn conf_text(&self, port: Option<u16>) -> String {
        let mut text =
            String::from("# Written by mediamagic from its [backup] settings.\n[global]\n");
        let mut set = |name: &str, value: &str| {
            let _ = writeln!(text, "{name}={value}");
        };
        match &self.config.repository {
            RepositoryConfig::Directory => {
                set("repo1-type", "posix");
                set("repo1-path", &self.directory.to_string_lossy());
            }
            RepositoryConfig::Path { path } => {
                set("repo1-type", "posix");
                set("repo1-path", &path.to_string_lossy());
            }
            RepositoryConfig::S3(s3) => {
                set("repo1-type", "s3");
                set("repo1-path", &s3.path);
                set("repo1-s3-endpoint", &s3.endpoint);
                set("repo1-s3-bucket", &s3.bucket);
                set("repo1-s3-region", &s3.region);
                set("repo1-s3-key", &s3.access_key_id);
                set("repo1-s3-key-secret", s3.secret_access_key.expose());
                set(
                    "repo1-s3-uri-style",
                    if s3.path_style { "path" } else { "host" },
                );
                set(
                    "repo1-storage-verify-tls",
                    if s3.verify_tls { "y" } else { "n" },
                );
                if let Some(ca) = &s3.ca_file {
                    set("repo1-storage-ca-file", &ca.to_string_lossy());
                }
            }
            RepositoryConfig::Gcs(gcs) => {
                set("repo1-type", "gcs");
                set("repo1-path", &gcs.path);
                set("repo1-gcs-bucket", &gcs.bucket);
                match (&gcs.key_file, &gcs.token) {
                    (_, Some(token)) => {
                        set("repo1-gcs-key-type", "token");
                        set("repo1-gcs-key", token.expose());
                    }
                    (Some(key), None) => {
                        set("repo1-gcs-key-type", "service");
                        set("repo1-gcs-key", &key.to_string_lossy());
                    }
                    (None, None) => set("repo1-gcs-key-type", "auto"),
                }
                if let Some(endpoint) = &gcs.endpoint {
                    set("repo1-gcs-endpoint", endpoint);
                }
                set(
                    "repo1-storage-verify-tls",
                    if gcs.verify_tls { "y" } else { "n" },
                );
            }
        }
        set("repo1-cipher-type", "aes-256-cbc");
        set("repo1-cipher-pass", &self.cipher_pass);
        set("repo1-retention-full-type", "count");
        set("repo1-retention-full", &self.config.full_kept.to_string());
        set("log-path", &self.work_dir.join("log").to_string_lossy());
        set("lock-path", &self.work_dir.join("lock").to_string_lossy());
        set("spool-path", &self.work_dir.join("spool").to_string_lossy());
        set("log-level-console", "off");
        set("log-level-stderr", "warn");
        set("log-level-file", "info");
        // A backup starts with an immediate checkpoint instead of waiting for the next.
        set("start-fast", "y");
        set("compress-type", "zst");
        set("process-max", "2");
        let _ = writeln!(text, "\n[{STANZA}]");
        let pg_data = self.pg_data.to_string_lossy();
        let _ = writeln!(text, "pg1-path={pg_data}");
        let _ = writeln!(text, "pg1-socket-path={pg_data}");
        let _ = writeln!(text, "pg1-user=postgres");
        if let Some(port) = port {
            let _ = writeln!(text, "pg1-port={port}");
        }
        text
    }

    /// Runs `pgbackrest --config=<conf> --stanza=mediamagic <args>` as the cluster's user;
    /// its standard output, or its error with pgBackRest's own message.
    pub async fn run(&self, args: &[&str]) -> Result<String, BackupError> {
        let conf = format!("--config={}", self.conf_path().display());
        let stanza = format!("--stanza={STANZA}");
        let mut all = vec![conf.as_str(), stanza.as_str()];
        all.extend_from_slice(args);
        let command = local_services::as_postgres_user(&binary()?, &all);
        let output = tokio::process::Command::from(command)
            .kill_on_drop(true)
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            return Ok(stdout);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(BackupError::Tool {
            command: args
                .iter()
                .find(|a| !a.starts_with("--"))
                .unwrap_or(&"")
                .to_string(),
            code: output.status.code().unwrap_or(-1),
            message: format!("{}{}", stderr.trim(), stdout.trim()),
        })
    }
}

pub use local_services::running_postgres_port as running_port;

/// The installed `pgbackrest`.
pub fn binary() -> Result<PathBuf, BackupError> {
    local_services::which("pgbackrest").ok_or(BackupError::NotInstalled)
}

fn passphrase_file(data_dir: &Path, create: bool) -> Result<String, BackupError> {
    let path = data_dir.join("backup-passphrase");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text.trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let pass = crate::secrets::random_secret();
            std::fs::create_dir_all(data_dir)?;
            write_private(&path, &pass)?;
            tracing::warn!(
                path = %path.display(),
                "made the backup repository's passphrase: keep a copy off this machine (backup.cipher_pass)"
            );
            Ok(pass)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BackupError::NoPassphrase(path)),
        Err(e) => Err(e.into()),
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), BackupError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
