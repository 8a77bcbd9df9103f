//! Backups of the running cluster: taking one, listing them, checking that the WAL reaches
//! the repository.

use super::{
    BackupError,
    config::BackupConfig,
    info::{BackupSet, Inventory},
    pgbackrest::{LOCK_HELD, Repository, running_port},
};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Full, differential (changes since the last full) or incremental (since the last backup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Every file.
    Full,
    /// Files changed since the last full backup.
    Diff,
    /// Files changed since the last backup.
    Incr,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Full => "full",
            Kind::Diff => "diff",
            Kind::Incr => "incr",
        }
    }
}

/// The repository's backups.
pub async fn inventory(repo: &Repository) -> Result<Inventory, BackupError> {
    Inventory::parse(&repo.run(&["info", "--output=json"]).await?)
}

/// The backup the schedule wants now, if any: a full one when none is younger than
/// `full_every_hours`, else an incremental one when the last is older than
/// `incremental_every_hours`.
pub fn due(inventory: &Inventory, config: &BackupConfig, now: DateTime<Utc>) -> Option<Kind> {
    let age_hours = |b: &BackupSet| (now - b.stopped()).num_seconds() as f64 / 3600.0;
    match inventory.last_full() {
        None => Some(Kind::Full),
        Some(full) if age_hours(full) >= config.full_every_hours => Some(Kind::Full),
        Some(_) => {
            let last = inventory.last()?;
            (config.incremental_every_hours > 0.0
                && age_hours(last) >= config.incremental_every_hours)
                .then_some(Kind::Incr)
        }
    }
}

/// Writes the configuration for the running cluster and creates the stanza (idempotent).
/// Fails when the repository belongs to another cluster (a fresh database beside an old
/// repository: restore it, or move the repository aside).
pub async fn prepare(repo: &Repository) -> Result<u16, BackupError> {
    let port = running_port(&repo.pg_data).ok_or(BackupError::NotRunning)?;
    repo.write_conf(Some(port))?;
    run_after_others(repo, &["stanza-create"]).await.map_err(|e| match e {
        BackupError::Tool { message, .. } if message.contains("do not match the database") => {
            BackupError::Repository(format!(
                "it holds another cluster's backups ({}): restore from it with `mediamagic restore`, or move it aside for a new one",
                repo.describe()
            ))
        }
        other => other,
    })?;
    Ok(port)
}

/// The backup `mediamagic backup` takes when not told: what [`due`] says, else an
/// incremental one after a full, else a full one.
pub fn chosen(inventory: &Inventory, config: &BackupConfig) -> Kind {
    match due(inventory, config, Utc::now()) {
        Some(kind) => kind,
        None if inventory.last_full().is_some() => Kind::Incr,
        None => Kind::Full,
    }
}

/// Takes a `kind` backup of the running cluster (the stanza made by [`prepare`]), waiting
/// for one already in progress to finish first; the backup as listed.
pub async fn take(repo: &Repository, kind: Kind) -> Result<BackupSet, BackupError> {
    let kind_arg = format!("--type={}", kind.as_str());
    run_after_others(repo, &["backup", &kind_arg]).await?;
    inventory(repo)
        .await?
        .last()
        .cloned()
        .ok_or_else(|| BackupError::Repository("the backup finished but is not listed".into()))
}

/// Runs a command that takes the stanza's lock, waiting (up to 30 minutes) while another
/// holds it: a scheduled backup in progress.
async fn run_after_others(repo: &Repository, args: &[&str]) -> Result<String, BackupError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30 * 60);
    loop {
        match repo.run(args).await {
            Err(BackupError::Tool {
                code: LOCK_HELD, ..
            }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            other => return other,
        }
    }
}

/// Forces the current WAL segment into the repository and waits until it is there: after
/// it, every change committed so far can be restored.
pub async fn check(repo: &Repository) -> Result<(), BackupError> {
    let port = running_port(&repo.pg_data).ok_or(BackupError::NotRunning)?;
    repo.write_conf(Some(port))?;
    repo.run(&["check"]).await.map(|_| ())
}
