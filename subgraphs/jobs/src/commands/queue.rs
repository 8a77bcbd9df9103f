//! The worker's side of the queue: claim, start, heartbeat, progress, logs, finish; and the
//! sweeper that returns jobs of lost workers and enforces deadlines and timeouts. The worker
//! subgraph calls these; until it exists, tests drive jobs through them.

use super::jobs::job_error;
use crate::{
    JobsDeps,
    db::{
        self,
        finish::Ending,
        rows::{ControlRow, DeploymentRow, JobRow, NewLogRow},
    },
    domain::JobStatus,
    domain::Lease,
    pubsub::logs_channel,
};
use chrono::Utc;
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{ApiError, ApiResult, db::transaction};
use uuid::Uuid;

/// How a run ended, as the worker reports it.
#[derive(Clone, Debug)]
pub enum RunOutcome {
    /// The program succeeded with these outputs (media ids).
    Succeeded {
        /// Registered output media.
        outputs: Vec<Uuid>,
        /// The structured result, already checked against the model's schema (stored with
        /// the status, in the same statement).
        result: Option<serde_json::Value>,
    },
    /// The program failed (no retry: running it again would fail the same way).
    Failed {
        /// Stable code (`EXIT_STATUS`, `OUTPUT_MISSING`, ...).
        code: String,
        /// For the client.
        message: String,
    },
    /// The infrastructure failed (node lost, storage down): retried up to the attempt limit.
    InfrastructureFailed {
        /// For the client, if it is the last attempt.
        message: String,
    },
    /// The run was stopped after a cancel request or a deadline.
    Cancelled,
}

/// What `heartbeat` tells the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heartbeat {
    /// Keep going.
    Continue,
    /// Stop the run and report it cancelled; the reason is for the log.
    Cancel(String),
}

/// A job claimed by a worker.
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    /// The job (status `scheduled`).
    pub job: JobRow,
    /// Its control row (lease, timeout).
    pub control: ControlRow,
}

impl ClaimedJob {
    /// The fencing token every write of this attempt carries.
    pub fn lease(&self) -> Lease {
        Lease::new(
            self.job.id,
            self.control.worker_id.clone().unwrap_or_default(),
            self.job.attempts,
        )
    }
}

pub(super) fn lease_lost() -> ApiError {
    ApiError::Conflict("this worker no longer holds the job (its lease expired)".into())
}

/// Claims the next queued job of `machine_type` for `worker` (fair share between accounts,
/// at most `jobs.max_running_per_account` per account on workers); it is `scheduled`.
pub async fn claim(
    deps: &JobsDeps,
    machine_type: &str,
    worker: &str,
) -> ApiResult<Option<ClaimedJob>> {
    Ok(claim_batch(deps, machine_type, worker, 1, false)
        .await?
        .into_iter()
        .next())
}

/// Claims up to `limit` queued jobs of `machine_type` for `worker` in one statement (a
/// worker asks for as many as it has free slots). Fair share holds inside the batch: no
/// account takes more than `ceil(limit / accounts waiting)` of it, and accounts at
/// `jobs.max_running_per_account` wait. With `start` the jobs are `running` at once (a worker
/// with nothing to prepare skips `start`); else `scheduled`. In the order accounts were
/// served.
pub async fn claim_batch(
    deps: &JobsDeps,
    machine_type: &str,
    worker: &str,
    limit: usize,
    start: bool,
) -> ApiResult<Vec<ClaimedJob>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut conn = deps.conn().await?;
    let ids = db::jobs::claim_batch(
        &mut conn,
        machine_type,
        worker,
        deps.config.lease_seconds,
        deps.config.max_running_per_account,
        limit,
        start,
    )
    .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = db::jobs::with_controls(&mut conn, &ids).await?;
    rows.sort_by_key(|(job, _)| ids.iter().position(|id| *id == job.id));
    let changed: Vec<(Uuid, Uuid)> = rows.iter().map(|(j, _)| (j.id, j.owner_id)).collect();
    deps.hub.jobs_changed(&changed).await;
    Ok(rows
        .into_iter()
        .map(|(job, control)| ClaimedJob { job, control })
        .collect())
}

/// The deployment of a claimed job (its arguments).
pub async fn deployment_of(deps: &JobsDeps, job: &JobRow) -> ApiResult<DeploymentRow> {
    let mut conn = deps.conn().await?;
    db::deployments::by_ids(&mut conn, &[job.deployment_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("deployment"))
}

/// Jobs among `ids` that `owner` owns (for subgraphs that extend `Job`).
pub async fn owned_jobs(deps: &JobsDeps, owner: Uuid, ids: &[Uuid]) -> ApiResult<Vec<JobRow>> {
    let mut conn = deps.conn().await?;
    Ok(db::jobs::by_ids(&mut conn, ids)
        .await?
        .into_iter()
        .filter(|j| j.owner_id == owner)
        .collect())
}

/// Jobs waiting and on workers, per machine type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineTypeLoad {
    /// The machine type.
    pub machine_type: String,
    /// Jobs in the queue.
    pub queued: i64,
    /// Jobs scheduled or running.
    pub active: i64,
}

/// Queue and active counts of every machine type with unfinished jobs.
pub async fn machine_type_load(deps: &JobsDeps) -> ApiResult<Vec<MachineTypeLoad>> {
    let mut conn = deps.conn().await?;
    Ok(db::jobs::load_by_machine_type(&mut conn)
        .await?
        .into_iter()
        .map(|(machine_type, queued, active)| MachineTypeLoad {
            machine_type,
            queued,
            active,
        })
        .collect())
}

/// Gives a job back to the queue (the worker is shutting down): not counted as an attempt.
pub async fn release(deps: &JobsDeps, lease: &Lease) -> ApiResult<JobRow> {
    let job = with_held_job(deps, lease, |job, control| {
        job.attempts = (job.attempts - 1).max(0);
        requeue(job, control, "requeued: its worker shut down");
        Ok(())
    })
    .await?;
    deps.hub.job_queued(job.id, &job.machine_type).await;
    Ok(job)
}

/// Runs `change` on the job of `lease` while that attempt holds it (checked in the same
/// transaction, so a write of an attempt that lost its lease changes nothing), then tells
/// subscribers.
async fn with_held_job<F>(deps: &JobsDeps, lease: &Lease, change: F) -> ApiResult<JobRow>
where
    F: FnOnce(&mut JobRow, &mut ControlRow) -> ApiResult<()> + Send + 'static,
{
    let lease = lease.clone();
    let job = transaction(&deps.pool, move |conn| {
        async move {
            let (mut job, mut control) = db::jobs::lock_held(conn, &lease)
                .await?
                .ok_or_else(lease_lost)?;
            let (job_before, control_before) = (job.clone(), control.clone());
            change(&mut job, &mut control)?;
            // Fewer writes per transition: a start or a progress report leaves the control
            // row as it was.
            if job != job_before {
                db::jobs::save(conn, &job).await?;
            }
            if control != control_before {
                db::jobs::save_control(conn, &control).await?;
            }
            Ok(job)
        }
        .scope_boxed()
    })
    .await?;
    deps.hub.job_changed(job.id, job.owner_id).await;
    Ok(job)
}

/// The run started: the job is `running` (one fenced statement).
pub async fn start(deps: &JobsDeps, lease: &Lease) -> ApiResult<JobRow> {
    let mut conn = deps.conn().await?;
    let job = db::jobs::start_held(&mut conn, lease)
        .await?
        .ok_or_else(lease_lost)?;
    drop(conn);
    deps.hub.job_changed(job.id, job.owner_id).await;
    Ok(job)
}

/// Renews the lease; says whether to stop (a cancel request, a deadline, a timeout).
pub async fn heartbeat(deps: &JobsDeps, lease: &Lease) -> ApiResult<Heartbeat> {
    let mut conn = deps.conn().await?;
    if !db::jobs::renew_lease(&mut conn, lease, deps.config.lease_seconds).await? {
        return Err(lease_lost());
    }
    let control = db::jobs::controls(&mut conn, &[lease.job])
        .await?
        .into_iter()
        .next();
    Ok(
        match control.and_then(|c| c.cancel_requested_at.map(|_| c.cancel_reason)) {
            Some(reason) => Heartbeat::Cancel(reason.unwrap_or_else(|| "cancelled".into())),
            None => Heartbeat::Continue,
        },
    )
}

/// Reports progress (0..1, clamped) and an optional message.
pub async fn progress(
    deps: &JobsDeps,
    lease: &Lease,
    fraction: f64,
    message: Option<String>,
) -> ApiResult<JobRow> {
    if !fraction.is_finite() {
        return Err(ApiError::bad_input(
            "progress",
            "progress must be a number in 0..1",
        ));
    }
    let mut conn = deps.conn().await?;
    let job = db::jobs::progress_held(
        &mut conn,
        lease,
        fraction.clamp(0.0, 1.0),
        message.as_deref(),
    )
    .await?
    .ok_or_else(lease_lost)?;
    drop(conn);
    deps.hub.job_changed(job.id, job.owner_id).await;
    Ok(job)
}

/// Appends log lines of the attempt of `lease` (each cut to `jobs.max_log_line_bytes`)
/// while it holds the job.
pub async fn append_logs(
    deps: &JobsDeps,
    lease: &Lease,
    lines: Vec<(String, String)>,
) -> ApiResult<()> {
    append_lines(deps, lease, lines.into_iter().map(|l| (None, l))).await
}

/// [`append_logs`] for lines an agent numbered from `first` (1, 2, ... per attempt): a batch
/// sent again after a lost answer stores only the lines not stored yet.
pub async fn append_sent_logs(
    deps: &JobsDeps,
    lease: &Lease,
    first: i64,
    lines: Vec<(String, String)>,
) -> ApiResult<()> {
    if first < 1 {
        return Err(ApiError::bad_input(
            "first",
            "log lines are numbered from 1",
        ));
    }
    let numbered = lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| (Some(first + i as i64), line));
    append_lines(deps, lease, numbered).await
}

async fn append_lines(
    deps: &JobsDeps,
    lease: &Lease,
    lines: impl Iterator<Item = (Option<i64>, (String, String))>,
) -> ApiResult<()> {
    let limit = deps.config.max_log_line_bytes;
    let rows: Vec<NewLogRow> = lines
        .map(|(sent_seq, (stream, line))| NewLogRow {
            job_id: lease.job,
            attempt: lease.attempt,
            stream,
            line: cut(line, limit),
            sent_seq,
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let held = lease.clone();
    let last = transaction(&deps.pool, move |conn| {
        async move {
            db::jobs::lock_held(conn, &held)
                .await?
                .ok_or_else(lease_lost)?;
            Ok(db::logs::append(conn, &rows).await?)
        }
        .scope_boxed()
    })
    .await?;
    if let Some(last) = last {
        deps.hub
            .publish(&logs_channel(lease.job), &last.to_string())
            .await;
    }
    Ok(())
}

fn cut(mut line: String, limit: usize) -> String {
    if line.len() > limit {
        let mut end = limit;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
    }
    line
}

/// Ends a run. Successes and failures are written in batches with other runs ending at the
/// same moment (`Finisher`: one statement, each run fenced by its own lease); infrastructure
/// failures go back to the queue while attempts remain.
pub async fn finish(deps: &JobsDeps, lease: &Lease, outcome: RunOutcome) -> ApiResult<JobRow> {
    let ending = |status, outputs, result, error| Ending {
        lease: lease.clone(),
        status,
        outputs,
        result,
        error,
    };
    match outcome {
        RunOutcome::Succeeded { outputs, result } => {
            let status = JobStatus::Succeeded.as_str();
            deps.finisher
                .end(ending(status, outputs, result, None))
                .await
        }
        RunOutcome::Failed { code, message } => {
            let error = Some(job_error(&code, &message));
            let status = JobStatus::Failed.as_str();
            deps.finisher
                .end(ending(status, Vec::new(), None, error))
                .await
        }
        RunOutcome::InfrastructureFailed { message } => {
            let job = with_held_job(deps, lease, move |job, control| {
                if job.attempts < control.max_attempts && control.cancel_requested_at.is_none() {
                    requeue(job, control, &format!("retrying after: {message}"));
                } else {
                    end_with(
                        job,
                        control,
                        JobStatus::Failed,
                        job_error("INFRASTRUCTURE", &message),
                    );
                }
                Ok(())
            })
            .await?;
            if job.status == JobStatus::Queued.as_str() {
                deps.hub.job_queued(job.id, &job.machine_type).await;
            }
            Ok(job)
        }
        RunOutcome::Cancelled => {
            with_held_job(deps, lease, move |job, control| {
                let reason = control
                    .cancel_reason
                    .clone()
                    .unwrap_or_else(|| "cancelled".into());
                let error = job_error(cancel_code(&reason), &reason);
                end_with(job, control, JobStatus::Cancelled, error);
                Ok(())
            })
            .await
        }
    }
}

fn end_with(
    job: &mut JobRow,
    control: &mut ControlRow,
    status: JobStatus,
    error: serde_json::Value,
) {
    job.status = status.as_str().to_owned();
    job.error = Some(error);
    job.finished_at = Some(Utc::now());
    control.worker_id = None;
    control.lease_expires_at = None;
}

pub(super) const DEADLINE_REASON: &str = "the deadline (cancelAfter) passed";

pub(super) fn cancel_code(reason: &str) -> &'static str {
    if reason == DEADLINE_REASON {
        "DEADLINE_EXCEEDED"
    } else if reason.starts_with("the model's timeout") {
        "TIMEOUT"
    } else {
        "CANCELLED"
    }
}

pub(super) fn requeue(job: &mut JobRow, control: &mut ControlRow, message: &str) {
    job.status = JobStatus::Queued.as_str().to_owned();
    job.progress = 0.0;
    job.message = Some(message.to_owned());
    job.started_at = None;
    control.queued_at = Utc::now();
    control.worker_id = None;
    control.lease_expires_at = None;
}
