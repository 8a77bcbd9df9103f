//! The scheduled clean-up of abandoned uploads: pending media older than
//! `media.pending_upload_ttl_hours` are deleted (the `media_deleted` handler removes any
//! bytes that did arrive).

use crate::{MediaDeps, db, domain::MediaStatus};
use chrono::{Duration, Utc};
use mediamagic_kit::ApiResult;

/// Deletes abandoned uploads; returns how many.
pub async fn remove_abandoned_uploads(deps: &MediaDeps) -> ApiResult<usize> {
    let cutoff = Utc::now() - Duration::hours(deps.config.pending_upload_ttl_hours);
    let mut conn = deps.conn().await?;
    let stale = db::media::stale_pending(&mut conn, cutoff, 1000).await?;
    for media in &stale {
        // A multipart upload's parts are held by the store until aborted.
        super::multipart::abandon(deps, media).await?;
        db::media::set_status(
            &mut conn,
            media.id,
            MediaStatus::Deleted.as_str(),
            Some("the upload was never finalized"),
            None,
        )
        .await?;
    }
    Ok(stale.len())
}

/// Runs [`remove_abandoned_uploads`] on `media.cleanup_schedule`.
pub async fn schedule(deps: MediaDeps) -> anyhow::Result<tokio_cron_scheduler::JobScheduler> {
    let scheduler = tokio_cron_scheduler::JobScheduler::new().await?;
    let schedule = deps.config.cleanup_schedule.clone();
    scheduler
        .add(tokio_cron_scheduler::Job::new_async(
            schedule.as_str(),
            move |_, _| {
                let deps = deps.clone();
                Box::pin(async move {
                    match remove_abandoned_uploads(&deps).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(removed = n, "removed abandoned uploads"),
                        Err(e) => tracing::warn!(error = ?e, "removing abandoned uploads failed"),
                    }
                })
            },
        )?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
