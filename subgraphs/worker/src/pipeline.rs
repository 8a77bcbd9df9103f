//! One claimed job, start to finish, the same for every driver: build the run's plan (model
//! version, validated arguments, input URLs), mark it running, keep its lease alive and
//! listen for cancel requests, forward its logs and progress, then register its outputs as
//! media of the job's owner and finish the job with the outcome.

use crate::{
    WorkerDeps,
    db::{self, rows::RunRow},
    domain::run::{RunEnd, RunEvent, RunOutput, RunPlan},
    drivers::{Driver, RunContext},
    error::WorkerError,
    media_client::MediaSession,
};
use chrono::Utc;
use mediamagic_jobs::{
    commands::queue::{self, ClaimedJob, Heartbeat, RunOutcome},
    domain::Lease,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

/// Cancel tokens of the runs on this worker, by job id.
#[derive(Clone, Default)]
pub struct CancelRegistry(Arc<Mutex<HashMap<Uuid, CancellationToken>>>);

impl CancelRegistry {
    fn register(&self, job: Uuid) -> CancellationToken {
        let token = CancellationToken::new();
        self.lock().insert(job, token.clone());
        token
    }

    fn remove(&self, job: Uuid) {
        self.lock().remove(&job);
    }

    /// Stops the run of `job`, if it runs here.
    pub fn cancel(&self, job: Uuid) {
        if let Some(token) = self.lock().get(&job) {
            token.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, CancellationToken>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the pipeline needs from the worker around it.
#[derive(Clone)]
pub struct RunEnv {
    /// Dependencies.
    pub deps: WorkerDeps,
    /// This worker's id (the lease holder).
    pub worker_id: Arc<String>,
    /// The driver.
    pub driver: Driver,
    /// Cancel tokens of running jobs.
    pub cancels: CancelRegistry,
}

/// Runs a claimed job to its end; `release` fires when the worker shuts down. With tracing
/// on, the run is a trace of its own (a run may start long after the request that queued it
/// ended) linked to that request's span.
pub async fn run_job(env: RunEnv, claimed: ClaimedJob, release: CancellationToken) {
    let span = tracing::info_span!(
        parent: None,
        "job run",
        otel.name = %format!("run {}", claimed.job.machine_type),
        otel.kind = "consumer",
        job = %claimed.job.id,
        attempt = claimed.job.attempts,
        machine_type = %claimed.job.machine_type,
    );
    if let Some(trace) = &claimed.control.trace_context
        && let (Some(trace_id), Some(span_id)) = (
            trace.get("trace_id").and_then(|v| v.as_str()),
            trace.get("span_id").and_then(|v| v.as_str()),
        )
    {
        mediamagic_kit::otel::link_remote(&span, trace_id, span_id, "queued by");
    }
    // What the run changes (its status, outputs) raises events under the run's trace.
    let trace = mediamagic_kit::otel::ids_of(&span);
    mediamagic_kit::telemetry::with_trace(trace, run_job_traced(env, claimed, release))
        .instrument(span)
        .await;
}

async fn run_job_traced(env: RunEnv, claimed: ClaimedJob, release: CancellationToken) {
    let job = claimed.job;
    let (id, attempt) = (job.id, job.attempts);
    let machine_type = job.machine_type.clone();
    let metrics = &env.deps.metrics;
    let queued_for = (Utc::now() - claimed.control.queued_at)
        .to_std()
        .unwrap_or_default();
    metrics
        .claim_latency
        .with_label_values(&[machine_type.as_str()])
        .observe(queued_for.as_secs_f64());
    metrics
        .running
        .with_label_values(&[machine_type.as_str()])
        .inc();
    let cancel = env.cancels.register(id);
    let started = Instant::now();
    let (outcome, model) = match run_claimed(&env, &job, attempt, &cancel, &release).await {
        Ok(done) => done,
        Err(e) => {
            tracing::error!(job = %id, error = %e, "a run could not be finished");
            ("error", String::from("unknown"))
        }
    };
    env.cancels.remove(id);
    metrics
        .running
        .with_label_values(&[machine_type.as_str()])
        .dec();
    metrics
        .duration
        .with_label_values(&[machine_type.as_str(), model.as_str(), outcome])
        .observe(started.elapsed().as_secs_f64());
    if let Ok(mut conn) = env.deps.conn().await
        && let Err(e) = db::runs::finish(&mut conn, id, attempt, outcome).await
    {
        tracing::warn!(job = %id, error = ?e, "could not record how a run ended");
    }
}

/// Returns the run's outcome (for `worker.runs` and metrics) and the model's name.
async fn run_claimed(
    env: &RunEnv,
    job: &mediamagic_jobs::JobRow,
    attempt: i32,
    cancel: &CancellationToken,
    release: &CancellationToken,
) -> Result<(&'static str, String), WorkerError> {
    let deps = &env.deps;
    let worker = env.worker_id.as_str();
    let run = RunRow {
        job_id: job.id,
        attempt,
        worker_id: worker.to_owned(),
        driver: env.driver.name().to_owned(),
        node: None,
        machine_type: job.machine_type.clone(),
        started_at: Utc::now(),
        finished_at: None,
        outcome: None,
    };
    let recorded = async {
        let mut conn = deps.conn().await?;
        db::runs::start(&mut conn, &run).await?;
        Ok::<_, WorkerError>(())
    };
    let media = MediaSession::new(
        deps.http.clone(),
        deps.media_url.clone(),
        deps.worker_key.clone(),
        env.worker_id.clone(),
        job.id,
        attempt,
    );
    // Started now so that what it waits for happens while the plan is made.
    let warm = env.driver.warm_up(job.id, attempt);
    // The run's record and its plan are independent reads and writes: made side by side.
    let (recorded, planned) = tokio::join!(recorded, plan(env, job, attempt, &media));
    recorded?;
    let plan = match planned {
        Ok(plan) => plan,
        Err(end) => {
            let model = String::from("unknown");
            return Ok((
                finish(env, job.id, attempt, end, &media, None).await?,
                model,
            ));
        }
    };
    let lease = Lease::new(job.id, worker, attempt);
    if let Err(e) = queue::start(&deps.jobs, &lease).await {
        // Cancelled while scheduled, or the lease is gone: someone else owns the outcome.
        tracing::info!(job = %job.id, error = ?e, "the job was not started");
        return Ok(("abandoned", plan.model));
    }
    let lost = CancellationToken::new();
    let heartbeat = tokio::spawn(keep_alive(
        deps.clone(),
        lease.clone(),
        cancel.clone(),
        lost.clone(),
    ));
    let (events, receiver) = mpsc::channel(256);
    let forwarder = tokio::spawn(forward_events(deps.clone(), lease.clone(), receiver));
    let ctx = RunContext {
        events,
        cancel: cancel.clone(),
        release: release.clone(),
        media: media.clone(),
    };
    let run = env.driver.run(&plan, &ctx, warm).await;
    drop(ctx);
    let _ = forwarder.await;
    heartbeat.abort();
    if lost.is_cancelled() {
        return Ok(("lost", plan.model));
    }
    let outcome = finish(env, job.id, attempt, run.end, &media, Some(&plan)).await?;
    drop(run.workdir);
    Ok((outcome, plan.model))
}

/// The run's plan: the platform's half (the model version, the deployment's arguments, the
/// inputs' URLs), then the worker's (its runtimes, the arguments checked against the schema).
/// A job that cannot run (model version gone, arguments no longer valid, an input deleted,
/// a runtime missing) ends as the returned `RunEnd`.
async fn plan(
    env: &RunEnv,
    job: &mediamagic_jobs::JobRow,
    attempt: i32,
    media: &MediaSession,
) -> Result<RunPlan, RunEnd> {
    let prepared = crate::plan::prepare(&env.deps, job, media).await?;
    prepared.into_plan(job.id, attempt, job.owner_id, &env.deps.config)
}

/// Registers outputs, adds the tags the result proposes (when the deployment asked), and
/// finishes the job with its result; returns the outcome's name.
async fn finish(
    env: &RunEnv,
    job: Uuid,
    attempt: i32,
    end: RunEnd,
    media: &MediaSession,
    plan: Option<&RunPlan>,
) -> Result<&'static str, WorkerError> {
    let deps = &env.deps.jobs;
    let lease = Lease::new(job, env.worker_id.as_str(), attempt);
    let (outcome, name) = match end {
        RunEnd::Succeeded { outputs, result } => match register(job, outputs, media).await {
            Ok(ids) => {
                let tagged = match plan.and_then(|p| p.proposed_tags(result.as_ref())) {
                    Some((input, tags)) => media.tag_input(job, input, &tags).await,
                    None => Ok(()),
                };
                match tagged {
                    Ok(()) => (
                        RunOutcome::Succeeded {
                            outputs: ids,
                            result,
                        },
                        "succeeded",
                    ),
                    Err(WorkerError::Rejected(message)) => (
                        RunOutcome::Failed {
                            code: "TAGS_REJECTED".into(),
                            message,
                        },
                        "failed",
                    ),
                    Err(e) => (
                        RunOutcome::InfrastructureFailed {
                            message: format!("tagging the input failed: {e}"),
                        },
                        "infrastructure",
                    ),
                }
            }
            Err(WorkerError::Rejected(message)) => (
                RunOutcome::Failed {
                    code: "OUTPUT_REJECTED".into(),
                    message,
                },
                "failed",
            ),
            Err(e) => (
                RunOutcome::InfrastructureFailed {
                    message: format!("registering the outputs failed: {e}"),
                },
                "infrastructure",
            ),
        },
        RunEnd::Failed { code, message } => (RunOutcome::Failed { code, message }, "failed"),
        RunEnd::Infrastructure(message) => (
            RunOutcome::InfrastructureFailed { message },
            "infrastructure",
        ),
        RunEnd::Cancelled => (RunOutcome::Cancelled, "cancelled"),
        RunEnd::Released => {
            queue::release(deps, &lease).await?;
            return Ok("released");
        }
    };
    // Close the run before the job: billing reads the job's runs when its status changes.
    // Both writes are safe to repeat (the run is keyed by attempt, the finish is fenced),
    // so a database restart under them is waited out.
    while_unavailable(|| async {
        let mut conn = env.deps.conn().await?;
        db::runs::finish(&mut conn, job, attempt, name).await?;
        Ok(())
    })
    .await?;
    while_unavailable(|| queue::finish(deps, &lease, outcome.clone())).await?;
    Ok(name)
}

/// Longest a run's last writes are retried while the database is unavailable.
const FINISH_RETRY_FOR: Duration = Duration::from_secs(15);

/// Runs `write` again while it fails with UNAVAILABLE (a database restart), for at most
/// [`FINISH_RETRY_FOR`]; any other answer is returned.
async fn while_unavailable<T, F, Fut>(mut write: F) -> Result<T, mediamagic_kit::ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, mediamagic_kit::ApiError>>,
{
    let deadline = Instant::now() + FINISH_RETRY_FOR;
    loop {
        match write().await {
            Err(mediamagic_kit::ApiError::Unavailable(why)) if Instant::now() < deadline => {
                tracing::info!(%why, "database unavailable; retrying a run's last write");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            other => return other,
        }
    }
}

/// Registers a successful run's outputs, after removing any an earlier attempt left.
async fn register(
    job: Uuid,
    outputs: Vec<RunOutput>,
    media: &MediaSession,
) -> Result<Vec<Uuid>, WorkerError> {
    let mut ids = Vec::with_capacity(outputs.len());
    let uploaded: Vec<Uuid> = outputs
        .iter()
        .filter_map(|o| match o {
            RunOutput::Uploaded { media_id } => Some(*media_id),
            RunOutput::Local(_) => None,
        })
        .collect();
    media.discard_outputs(job, &uploaded).await?;
    for output in outputs {
        let registered = match output {
            RunOutput::Local(file) => {
                media
                    .upload_output(job, &file.path, &file.content_type)
                    .await
            }
            RunOutput::Uploaded { media_id } => media.finalize(media_id).await,
        };
        match registered {
            Ok(id) => ids.push(id),
            Err(e) => {
                // Nothing half-registered: the outputs registered so far go too.
                if let Err(cleanup) = media.discard_outputs(job, &[]).await {
                    tracing::warn!(job = %job, error = %cleanup, "could not remove partial outputs");
                }
                return Err(e);
            }
        }
    }
    Ok(ids)
}

/// Renews the lease every `worker.heartbeat_ms`; fires `cancel` on a cancel request and
/// `lost` (with `cancel`) when the lease is gone: refused, or not renewed for as long as a
/// lease lasts (the database or the network away), since by then the sweeper may have
/// handed the job to another worker.
async fn keep_alive(
    deps: WorkerDeps,
    lease: Lease,
    cancel: CancellationToken,
    lost: CancellationToken,
) {
    let job = lease.job;
    let mut tick = tokio::time::interval(Duration::from_millis(deps.config.heartbeat_ms.max(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let lease_lasts =
        Duration::from_secs(u64::try_from(deps.jobs.config.lease_seconds).unwrap_or(30));
    let mut renewed = Instant::now();
    loop {
        tick.tick().await;
        let answer = tokio::time::timeout(lease_lasts, queue::heartbeat(&deps.jobs, &lease)).await;
        match answer {
            Ok(Ok(Heartbeat::Continue)) => renewed = Instant::now(),
            Ok(Ok(Heartbeat::Cancel(reason))) => {
                renewed = Instant::now();
                tracing::info!(job = %job, reason, "stopping a run on request");
                cancel.cancel();
            }
            Ok(Err(mediamagic_kit::ApiError::Conflict(_))) => {
                tracing::warn!(job = %job, "lost the lease of a running job; stopping it");
                lost.cancel();
                cancel.cancel();
                return;
            }
            Ok(Err(e)) => tracing::warn!(job = %job, error = ?e, "a heartbeat failed"),
            Err(_) => tracing::warn!(job = %job, "a heartbeat timed out"),
        }
        if renewed.elapsed() >= lease_lasts {
            tracing::warn!(job = %job, "the lease could not be renewed in time; stopping the run");
            lost.cancel();
            cancel.cancel();
            return;
        }
    }
}

/// Sends log lines in batches (every 200 ms or 100 lines) and progress at most every
/// 250 ms (the last report always), until the run's event channel closes.
async fn forward_events(deps: WorkerDeps, lease: Lease, mut events: mpsc::Receiver<RunEvent>) {
    let (job, attempt) = (lease.job, lease.attempt);
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut progress: Option<(f64, Option<String>)> = None;
    let batch_every = Duration::from_millis(200);
    let mut last_progress = Instant::now() - Duration::from_secs(1);
    let mut last_flush = Instant::now();
    let mut flush = tokio::time::interval(batch_every);
    loop {
        let open = tokio::select! {
            event = events.recv() => match event {
                Some(RunEvent::Log { stream, line }) => {
                    lines.push((stream.to_owned(), line));
                    true
                }
                Some(RunEvent::Progress { fraction, message }) => {
                    progress = Some((fraction, message));
                    true
                }
                Some(RunEvent::Node(node)) => {
                    if let Ok(mut conn) = deps.conn().await {
                        let _ = db::runs::set_node(&mut conn, job, attempt, &node).await;
                    }
                    true
                }
                None => false,
            },
            _ = flush.tick() => true,
        };
        let due = !open || lines.len() >= 100 || last_flush.elapsed() >= batch_every;
        if due && !lines.is_empty() {
            last_flush = Instant::now();
            let batch = std::mem::take(&mut lines);
            if let Err(e) = queue::append_logs(&deps.jobs, &lease, batch).await {
                tracing::warn!(job = %job, error = ?e, "could not store log lines");
            }
        }
        if (!open || last_progress.elapsed() >= Duration::from_millis(250))
            && let Some((fraction, message)) = progress.take()
        {
            last_progress = Instant::now();
            if let Err(e) = queue::progress(&deps.jobs, &lease, fraction, message).await {
                tracing::debug!(job = %job, error = ?e, "could not report progress");
            }
        }
        if !open {
            return;
        }
    }
}
