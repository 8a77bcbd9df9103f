//! Reading, cancelling and retrying the acting account's jobs; their logs, callback
//! attempts and the account's webhook signing secret.

use crate::{
    JobsDeps,
    commands::webhook_secrets,
    db::{
        self,
        jobs::JobFilter,
        rows::{CallbackAttemptRow, ControlRow, JobRow, LogRow},
    },
    domain::JobStatus,
    pubsub::CANCEL_CHANNEL,
};
use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use serde_json::json;
use uuid::Uuid;

/// A job's error for the client.
pub fn job_error(code: &str, message: &str) -> serde_json::Value {
    json!({"code": code, "message": message})
}

/// The acting account's job `id`, or NOT_FOUND.
pub async fn get_job(deps: &JobsDeps, actor: &Actor, id: Uuid) -> ApiResult<JobRow> {
    let mut conn = deps.conn().await?;
    db::jobs::by_ids(&mut conn, &[id])
        .await?
        .into_iter()
        .find(|j| j.owner_id == actor.account_id)
        .ok_or_else(|| ApiError::not_found("job"))
}

/// The jobs of `owner` that may have changed lately (for `myJobs` while signals are down).
pub async fn recently_active(deps: &JobsDeps, owner: Uuid) -> ApiResult<Vec<JobRow>> {
    let mut conn = deps.conn().await?;
    Ok(db::jobs::recently_active(&mut conn, owner, 500).await?)
}

/// A job by id whoever owns it (for subscriptions that already checked ownership).
pub async fn job_state(
    deps: &JobsDeps,
    id: Uuid,
) -> ApiResult<Option<(JobRow, Option<ControlRow>)>> {
    let mut conn = deps.conn().await?;
    let Some(job) = db::jobs::by_ids(&mut conn, &[id]).await?.into_iter().next() else {
        return Ok(None);
    };
    let control = db::jobs::controls(&mut conn, &[id])
        .await?
        .into_iter()
        .next();
    Ok(Some((job, control)))
}

/// One page of the acting account's jobs and the total.
pub async fn list_jobs(
    deps: &JobsDeps,
    actor: &Actor,
    filter: JobFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<(Vec<JobRow>, i64)> {
    let mut conn = deps.conn().await?;
    let rows = db::jobs::page(&mut conn, actor.account_id, &filter, after, limit).await?;
    let total = db::jobs::count(&mut conn, actor.account_id, &filter).await?;
    Ok((rows, total))
}

/// Locks the acting account's job for a change (NOT_FOUND otherwise).
async fn lock_owned(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<(JobRow, ControlRow)> {
    db::jobs::lock(conn, id)
        .await?
        .filter(|(job, _)| job.owner_id == actor.account_id)
        .ok_or_else(|| ApiError::not_found("job"))
}

/// Cancels a job: a queued one at once; a running one is marked and its worker told (it
/// stops the run and reports it cancelled). A finished job is a CONFLICT.
pub async fn cancel_job(deps: &JobsDeps, actor: &Actor, id: Uuid) -> ApiResult<JobRow> {
    actor.require_scope(Scope::Write)?;
    let actor_owned = actor.clone();
    let (job, told_worker) = transaction(&deps.pool, move |conn| {
        async move {
            let (mut job, mut control) = lock_owned(conn, &actor_owned, id).await?;
            let status = JobStatus::parse(&job.status).unwrap_or(JobStatus::Failed);
            if status.is_terminal() {
                return Err(ApiError::Conflict(format!(
                    "the job is already {}",
                    job.status
                )));
            }
            let now = Utc::now();
            if status == JobStatus::Queued {
                job.status = JobStatus::Cancelled.as_str().to_owned();
                job.error = Some(job_error("CANCELLED", "cancelled on request"));
                job.finished_at = Some(now);
                db::jobs::save(conn, &job).await?;
                return Ok((job, false));
            }
            if control.cancel_requested_at.is_none() {
                control.cancel_requested_at = Some(now);
                control.cancel_reason = Some("cancelled on request".into());
                db::jobs::save_control(conn, &control).await?;
            }
            Ok((job, true))
        }
        .scope_boxed()
    })
    .await?;
    if told_worker {
        deps.hub.publish(CANCEL_CHANNEL, &id.to_string()).await;
    }
    deps.hub.job_changed(job.id, job.owner_id).await;
    Ok(job)
}

/// Queues a failed or cancelled job again as a new attempt (CONFLICT otherwise).
pub async fn retry_job(deps: &JobsDeps, actor: &Actor, id: Uuid) -> ApiResult<JobRow> {
    actor.require_scope(Scope::Write)?;
    let actor_owned = actor.clone();
    let currency = deps.currency.clone();
    let job = transaction(&deps.pool, move |conn| {
        async move {
            let (mut job, mut control) = lock_owned(conn, &actor_owned, id).await?;
            let status = JobStatus::parse(&job.status).unwrap_or(JobStatus::Failed);
            if !matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
                return Err(ApiError::Conflict(format!(
                    "only failed or cancelled jobs can be retried; this one is {}",
                    job.status
                )));
            }
            // A retry runs again: it goes through the same budget admission as a deployment.
            mediamagic_billing::commands::budgets::admit_in(
                conn,
                job.owner_id,
                job.model_version_id,
                &currency,
                Utc::now(),
            )
            .await?;
            let now = Utc::now();
            job.status = JobStatus::Queued.as_str().to_owned();
            job.progress = 0.0;
            job.message = None;
            job.error = None;
            job.outputs = Vec::new();
            job.started_at = None;
            job.finished_at = None;
            // A deadline that passed would cancel the retry at once: it no longer applies.
            control.queued_at = now;
            control.worker_id = None;
            control.lease_expires_at = None;
            control.cancel_requested_at = None;
            control.cancel_reason = None;
            db::jobs::save(conn, &job).await?;
            db::jobs::save_control(conn, &control).await?;
            diesel_async::RunQueryDsl::execute(
                diesel::sql_query("UPDATE jobs.jobs SET cancel_after = NULL WHERE id = $1 AND cancel_after < now()")
                    .bind::<diesel::sql_types::Uuid, _>(id),
                conn,
            )
            .await?;
            Ok(job)
        }
        .scope_boxed()
    })
    .await?;
    deps.hub.job_changed(job.id, job.owner_id).await;
    deps.hub.job_queued(job.id, &job.machine_type).await;
    Ok(job)
}

/// Up to `limit` log lines of a job after cursor `after` (ownership checked by the caller).
pub async fn logs_after(
    deps: &JobsDeps,
    job: Uuid,
    after: i64,
    limit: i64,
) -> ApiResult<Vec<LogRow>> {
    let mut conn = deps.conn().await?;
    Ok(db::logs::after(&mut conn, job, after, limit).await?)
}

/// Callback attempts of jobs, oldest first.
pub async fn callback_attempts(
    deps: &JobsDeps,
    jobs: &[Uuid],
) -> ApiResult<Vec<CallbackAttemptRow>> {
    let mut conn = deps.conn().await?;
    Ok(db::callbacks::of_jobs(&mut conn, jobs).await?)
}

/// The acting account's webhook signing secret (created on first use).
pub async fn webhook_secret(deps: &JobsDeps, actor: &Actor) -> ApiResult<String> {
    let mut conn = deps.conn().await?;
    webhook_secrets::current(deps, &mut conn, actor.account_id).await
}

/// Replaces the acting account's webhook signing secret.
pub async fn rotate_webhook_secret(deps: &JobsDeps, actor: &Actor) -> ApiResult<String> {
    actor.require_scope(Scope::Write)?;
    let mut conn = deps.conn().await?;
    webhook_secrets::rotate(deps, &mut conn, actor.account_id).await
}
