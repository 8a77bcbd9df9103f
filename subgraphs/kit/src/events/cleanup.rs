//! Retention: a scheduled job (tokio-cron-scheduler) deletes delivered events and invocation
//! logs older than the retention period. Dead events stay until redelivered.

use super::store;
use crate::db::DbPool;
use tokio_cron_scheduler::{Job, JobScheduler};

/// Starts the retention job on `schedule` (cron with seconds, e.g. `0 17 * * * *` hourly).
pub async fn schedule(
    pool: DbPool,
    schedule: &str,
    retention_days: f64,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    scheduler
        .add(Job::new_async(schedule, move |_, _| {
            let pool = pool.clone();
            Box::pin(async move {
                match store::delete_older_than(&pool, retention_days).await {
                    Ok((events, invocations)) => {
                        tracing::info!(events, invocations, "deleted old delivered events");
                    }
                    Err(err) => tracing::warn!(error = ?err, "event retention job failed"),
                }
            })
        })?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
