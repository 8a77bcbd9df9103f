//! `mediamagic restore`: the cluster brought back to a point in time, tried beside the old
//! one first, so a restore that cannot reach its target changes nothing.

use super::{
    BackupError,
    operations::inventory,
    pgbackrest::{Repository, running_port},
};
use chrono::{DateTime, Utc};
use mediamagic_kit::local_services::{self, PostgresOptions};
use std::{path::PathBuf, time::Duration};

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The time restored to; the end of the archived WAL when `None`.
    pub target: Option<DateTime<Utc>>,
    /// Where the replaced data directory was kept, if there was one.
    pub replaced: Option<PathBuf>,
    /// The restored data directory.
    pub pg_data: PathBuf,
    /// How long it took.
    pub took: Duration,
}

/// Restores the stopped cluster to `target` (or to the last archived change): the backup
/// before it is restored into `postgres.restoring`, started until Postgres has replayed the
/// WAL to the target and opened the database, stopped, and only then put in place of the
/// old data directory, which is kept beside it as `postgres.replaced-<time>`.
pub async fn restore(
    repo: &Repository,
    target: Option<DateTime<Utc>>,
) -> Result<Restored, BackupError> {
    let started = std::time::Instant::now();
    if let Some(port) = running_port(&repo.pg_data) {
        return Err(BackupError::Running(port));
    }
    let staging = repo.pg_data.with_file_name("postgres.restoring");
    let trial = repo.for_restore_into(staging.clone());
    trial.write_conf(None)?;
    let inventory = inventory(&trial).await?;
    match target {
        Some(target) => inventory.check_target(target, Utc::now())?,
        None if inventory.backups.is_empty() => return Err(BackupError::NoBackups),
        None => {}
    }

    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o700))?;
    }
    local_services::give_to_postgres_user(&staging)?;
    let pg_path = format!("--pg1-path={}", staging.display());
    let target_arg = target.map(|t| format!("--target={}", t.format("%Y-%m-%d %H:%M:%S%.6f+00")));
    let mut args = vec!["restore", pg_path.as_str()];
    match &target_arg {
        Some(target) => args.extend(["--type=time", target, "--target-action=promote"]),
        None => args.push("--type=default"),
    }
    if let Err(e) = trial.run(&args).await {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }

    // Connections are refused until the WAL is replayed and the database promoted, so a
    // server that accepts one has reached the target; one that cannot reach it exits.
    let mut options = PostgresOptions {
        durable: true,
        settings: trial.archive_settings()?,
        ready_within: Duration::from_secs(6 * 3600),
    };
    options.settings.push(("hot_standby".into(), "off".into()));
    let port = local_services::free_port()?;
    let dir = staging.clone();
    let tried = tokio::task::spawn_blocking(move || {
        local_services::start_postgres_with(&dir, port, &options)
    })
    .await
    .map_err(|e| BackupError::Io(std::io::Error::other(e)))?;
    let server = tried.map_err(|e| BackupError::Recovery {
        dir: staging.clone(),
        message: recovery_message(&e.to_string()),
    })?;
    tokio::task::spawn_blocking(move || server.stop())
        .await
        .map_err(|e| BackupError::Io(std::io::Error::other(e)))?;

    let replaced = if repo.pg_data.exists() {
        let kept = repo.pg_data.with_file_name(format!(
            "postgres.replaced-{}",
            Utc::now().format("%Y%m%dT%H%M%S")
        ));
        std::fs::rename(&repo.pg_data, &kept)?;
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&staging, &repo.pg_data)?;
    let _ = std::fs::remove_file(trial.conf_path());
    Ok(Restored {
        target,
        replaced,
        pg_data: repo.pg_data.clone(),
        took: started.elapsed(),
    })
}

/// The lines of Postgres's log that say why recovery stopped.
fn recovery_message(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("FATAL") || l.contains("PANIC") || l.contains("recovery"))
        .collect();
    if lines.is_empty() {
        log.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    } else {
        lines.join("\n")
    }
}
