//! The sweeper: returns jobs of lost workers to the queue (or fails them after their last
//! attempt) and jobs of stopped workers (a revoked agent's) without spending an attempt,
//! cancels jobs past their deadline or their model's timeout, and fails queued jobs no
//! worker offers capacity for.

use super::{
    jobs::job_error,
    queue::{self, DEADLINE_REASON, cancel_code, requeue},
};
use crate::domain::Lease;
use crate::{JobsDeps, db, db::rows::JobRow, domain::JobStatus, pubsub::CANCEL_CHANNEL};
use chrono::Utc;
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{ApiResult, db::transaction};
use uuid::Uuid;

/// Returns jobs of lost workers to the queue (or fails them after the last attempt), and
/// cancels jobs past their deadline or their model's timeout. Returns how many it changed.
pub async fn sweep(deps: &JobsDeps) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    let expired = db::jobs::expired_leases(&mut conn, 100).await?;
    let overdue = db::jobs::overdue(&mut conn, 100).await?;
    let orphaned = db::jobs::held_by_stopped_workers(&mut conn, 100).await?;
    let stranded = match deps.config.no_capacity_after_seconds {
        0 => Vec::new(),
        seconds => db::jobs::without_capacity(&mut conn, seconds as i64, 100).await?,
    };
    drop(conn);
    let mut changed = 0;
    for id in expired {
        if let Some(job) = return_lost(deps, id).await? {
            deps.hub.job_changed(job.id, job.owner_id).await;
            if job.status == JobStatus::Queued.as_str() {
                deps.hub.job_queued(job.id, &job.machine_type).await;
            }
            changed += 1;
        }
    }
    for (job, worker, attempt) in orphaned {
        match queue::release(deps, &Lease::new(job, worker, attempt)).await {
            Ok(_) => changed += 1,
            // Finished, or its lease expired, meanwhile: not held any more.
            Err(mediamagic_kit::ApiError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for id in overdue {
        if let Some((job, tell_worker)) = sweep_overdue(deps, id).await? {
            if tell_worker {
                deps.hub.publish(CANCEL_CHANNEL, &id.to_string()).await;
            }
            deps.hub.job_changed(job.id, job.owner_id).await;
            changed += 1;
        }
    }
    for id in stranded {
        if let Some(job) = fail_without_capacity(deps, id).await? {
            deps.hub.job_changed(job.id, job.owner_id).await;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Fails a queued job whose machine type no worker offers (NO_CAPACITY), if still queued.
async fn fail_without_capacity(deps: &JobsDeps, id: Uuid) -> ApiResult<Option<JobRow>> {
    let seconds = deps.config.no_capacity_after_seconds;
    transaction(&deps.pool, move |conn| {
        async move {
            let Some((mut job, _)) = db::jobs::lock(conn, id).await? else {
                return Ok(None);
            };
            if job.status != JobStatus::Queued.as_str() {
                return Ok(None);
            }
            let message = format!(
                "no worker has offered machine type `{}` for {seconds} s; the job was not run",
                job.machine_type
            );
            job.status = JobStatus::Failed.as_str().to_owned();
            job.error = Some(job_error("NO_CAPACITY", &message));
            job.finished_at = Some(Utc::now());
            db::jobs::save(conn, &job).await?;
            Ok(Some(job))
        }
        .scope_boxed()
    })
    .await
}

/// A job whose worker's lease expired: queued again while attempts remain (cancelled when a
/// cancel was pending), failed after the last.
async fn return_lost(deps: &JobsDeps, id: Uuid) -> ApiResult<Option<JobRow>> {
    transaction(&deps.pool, move |conn| {
        async move {
            let Some((mut job, mut control)) = db::jobs::lock(conn, id).await? else {
                return Ok(None);
            };
            let active = JobStatus::parse(&job.status).is_some_and(JobStatus::is_active);
            let expired = control.lease_expires_at.is_some_and(|at| at < Utc::now());
            if !active || !expired {
                return Ok(None);
            }
            if control.cancel_requested_at.is_some() {
                let reason = control
                    .cancel_reason
                    .clone()
                    .unwrap_or_else(|| "cancelled".into());
                job.status = JobStatus::Cancelled.as_str().to_owned();
                job.error = Some(job_error(cancel_code(&reason), &reason));
                job.finished_at = Some(Utc::now());
                control.worker_id = None;
                control.lease_expires_at = None;
            } else if job.attempts < control.max_attempts {
                requeue(
                    &mut job,
                    &mut control,
                    "requeued: its worker stopped responding",
                );
            } else {
                job.status = JobStatus::Failed.as_str().to_owned();
                job.error = Some(job_error(
                    "WORKER_LOST",
                    &format!(
                        "its worker stopped responding on each of {} attempts",
                        job.attempts
                    ),
                ));
                job.finished_at = Some(Utc::now());
                control.worker_id = None;
                control.lease_expires_at = None;
            }
            db::jobs::save(conn, &job).await?;
            db::jobs::save_control(conn, &control).await?;
            Ok(Some(job))
        }
        .scope_boxed()
    })
    .await
}

/// Cancels a queued job past its deadline at once; asks the worker of a running one to stop.
async fn sweep_overdue(deps: &JobsDeps, id: Uuid) -> ApiResult<Option<(JobRow, bool)>> {
    transaction(&deps.pool, move |conn| {
        async move {
            let Some((mut job, mut control)) = db::jobs::lock(conn, id).await? else {
                return Ok(None);
            };
            let Some(status) = JobStatus::parse(&job.status).filter(|s| !s.is_terminal()) else {
                return Ok(None);
            };
            let now = Utc::now();
            let past_deadline = job.cancel_after.is_some_and(|at| at < now);
            let past_timeout = status == JobStatus::Running
                && job.started_at.is_some_and(|at| {
                    at + chrono::Duration::seconds(i64::from(control.timeout_seconds)) < now
                });
            let reason = if past_deadline {
                DEADLINE_REASON.to_owned()
            } else if past_timeout {
                format!(
                    "the model's timeout of {} s was reached",
                    control.timeout_seconds
                )
            } else {
                return Ok(None);
            };
            if status == JobStatus::Queued {
                job.status = JobStatus::Cancelled.as_str().to_owned();
                job.error = Some(job_error(cancel_code(&reason), &reason));
                job.finished_at = Some(now);
                db::jobs::save(conn, &job).await?;
                return Ok(Some((job, false)));
            }
            if control.cancel_requested_at.is_some() {
                return Ok(None);
            }
            control.cancel_requested_at = Some(now);
            control.cancel_reason = Some(reason);
            db::jobs::save_control(conn, &control).await?;
            Ok(Some((job, true)))
        }
        .scope_boxed()
    })
    .await
}
