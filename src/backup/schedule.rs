//! Backups while `mediamagic dev` runs: the cluster starts archiving, the stanza is made,
//! and a task takes full and incremental backups when they are due.

use super::{
    BackupError,
    config::BackupConfig,
    operations::{self, due, inventory},
    pgbackrest::Repository,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the schedule looks at what is due.
const TICK: Duration = Duration::from_secs(60);

/// Makes the stanza for the running cluster (once: its port stays), then takes backups as they fall due until
/// `shutdown`. A failed backup is logged and tried again at the next tick.
pub async fn start(
    repo: Repository,
    config: BackupConfig,
    shutdown: CancellationToken,
) -> Result<tokio::task::JoinHandle<()>, BackupError> {
    operations::prepare(&repo).await?;
    tracing::info!(repository = %repo.describe(), "WAL archiving on; backups on schedule");
    Ok(tokio::spawn(async move {
        loop {
            if let Err(e) = tick(&repo, &config).await {
                tracing::error!(error = %e, "scheduled backup failed; trying again in a minute");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }))
}

async fn tick(repo: &Repository, config: &BackupConfig) -> Result<(), BackupError> {
    let Some(kind) = due(&inventory(repo).await?, config, chrono::Utc::now()) else {
        return Ok(());
    };
    let taken = operations::take(repo, kind).await?;
    tracing::info!(label = %taken.label, kind = %taken.kind, bytes = taken.info.repository.delta, "backup taken");
    Ok(())
}
