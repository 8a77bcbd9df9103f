//! Backups and point-in-time recovery of the embedded cluster with pgBackRest: WAL archived
//! into a repository (a directory, S3 or GCS, encrypted), full and incremental backups on
//! a schedule while `mediamagic dev` runs, and `mediamagic backup` / `backup list` /
//! `backup check` / `restore --to <time>` for operators who do not know pgBackRest.

pub mod config;
pub mod info;
pub mod operations;
pub mod pgbackrest;
pub mod restore;
pub mod schedule;

use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// What can go wrong, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// `[backup] enabled` is false.
    #[error(
        "backups are off: set backup.enabled = true (MEDIAMAGIC__BACKUP__ENABLED=true) and start mediamagic dev"
    )]
    Off,
    /// Backups of an external database are its own tools' job.
    #[error(
        "backup.enabled covers the cluster mediamagic dev starts; database.url names another database: use its own backups (docs/operations.md, \"Backups and recovery\")"
    )]
    ExternalDatabase,
    /// pgBackRest is missing.
    #[error(
        "pgbackrest not found: install it (scripts/install-deps.sh does; Debian package pgbackrest)"
    )]
    NotInstalled,
    /// No passphrase configured nor kept.
    #[error(
        "no backup.cipher_pass is set and {0} does not exist: give the repository's passphrase (MEDIAMAGIC__BACKUP__CIPHER_PASS)"
    )]
    NoPassphrase(PathBuf),
    /// A backup reads the running cluster.
    #[error(
        "the database is not running: start mediamagic dev first (a backup reads the running cluster)"
    )]
    NotRunning,
    /// A restore replaces the cluster's files.
    #[error("the database is running (port {0}): stop mediamagic dev before restoring")]
    Running(u16),
    /// The repository could not be read.
    #[error("the backup repository could not be read: {0}")]
    Repository(String),
    /// Nothing to restore from.
    #[error("the backup repository holds no backup yet: run mediamagic backup")]
    NoBackups,
    /// A target the repository cannot reach.
    #[error(
        "{target} is outside the recovery window, which runs from {earliest} (the end of the oldest backup) to now ({latest}); nothing was changed"
    )]
    OutsideWindow {
        /// The asked time.
        target: DateTime<Utc>,
        /// The window's start.
        earliest: DateTime<Utc>,
        /// Now.
        latest: DateTime<Utc>,
    },
    /// A time that does not parse.
    #[error("{0:?} is not a time: give one like 2026-12-06T17:12:12Z or '2026-12-06 17:12:12+00'")]
    BadTime(String),
    /// The restored cluster did not come up at the target.
    #[error(
        "the restored database did not recover (nothing was changed; the attempt is in {dir}): {message}"
    )]
    Recovery {
        /// Where the failed attempt was left for inspection.
        dir: PathBuf,
        /// What Postgres said.
        message: String,
    },
    /// A pgBackRest command failed.
    #[error("pgbackrest {command} failed (exit {code}): {message}")]
    Tool {
        /// The command.
        command: String,
        /// Its exit code.
        code: i32,
        /// What it said.
        message: String,
    },
    /// Files.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Starting the cluster.
    #[error("{0}")]
    Server(#[from] mediamagic_kit::local_services::LocalServiceError),
}

/// Parses an operator's time: RFC 3339, or Postgres's `2026-12-06 17:12:12.5+00`.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, BackupError> {
    let trimmed = text.trim();
    DateTime::parse_from_rfc3339(trimmed)
        .or_else(|_| DateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| BackupError::BadTime(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_rfc_3339_and_in_postgres_form() {
        let a = parse_time("2026-12-06T17:12:12.562Z").unwrap();
        let b = parse_time("2026-12-06 17:12:12.562+00").unwrap();
        let c = parse_time("2026-12-06 18:12:12.562+01:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(matches!(
            parse_time("yesterday"),
            Err(BackupError::BadTime(_))
        ));
    }
}
