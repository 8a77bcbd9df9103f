//! One claimed job, start to finish, the same for every driver: build the run's plan (model
//! version, validated arguments, input URLs), mark it running, keep its lease alive and
//! listen for cancel requests, forward its logs and progress, then register its outputs as
//! media of the job's owner and finish the job with the outcome.

use crate::{
    WorkerMetrics,
    config::WorkerConfig,
    domain::run::{RunEnd, RunEvent, RunOutput, RunPlan},
    drivers::{Driver, RunContext},
    error::WorkerError,
    media_client::MediaSession,
    platform::{Claimed, Platform},
};
use chrono::Utc;
use mediamagic_jobs::{
    commands::queue::{Heartbeat, RunOutcome},
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
    /// The platform the runs come from and report to.
    pub platform: Platform,
    /// The worker's settings.
    pub config: Arc<WorkerConfig>,
    /// The worker's metrics.
    pub metrics: WorkerMetrics,
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
pub async fn run_job(env: RunEnv, claimed: Claimed, release: CancellationToken) {
    let span = tracing::info_span!(
        parent: None,
        "job run",
        otel.name = %format!("run {}", claimed.machine_type),
        otel.kind = "consumer",
        job = %claimed.job,
        attempt = claimed.attempt,
        machine_type = %claimed.machine_type,
    );
    if let Some(trace) = &claimed.trace_context
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

async fn run_job_traced(env: RunEnv, claimed: Claimed, release: CancellationToken) {
    let (id, attempt) = (claimed.job, claimed.attempt);
    let machine_type = claimed.machine_type.clone();
    let metrics = &env.metrics;
    let queued_for = (Utc::now() - claimed.queued_at)
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
    let (outcome, model) = match run_claimed(&env, &claimed, &cancel, &release).await {
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
    env.platform.close_run(id, attempt, outcome).await;
    env.platform.forget(id, attempt);
}

/// Returns the run's outcome (for `worker.runs` and metrics) and the model's name.
async fn run_claimed(
    env: &RunEnv,
    claimed: &Claimed,
    cancel: &CancellationToken,
    release: &CancellationToken,
) -> Result<(&'static str, String), WorkerError> {
    let (job, attempt) = (claimed.job, claimed.attempt);
    let recorded = env
        .platform
        .record_run(claimed, env.worker_id.as_str(), env.driver.name());
    let media = env.platform.media(claimed, &env.worker_id);
    // Started now so that what it waits for happens while the plan is made.
    let warm = env.driver.warm_up(job, attempt);
    // The run's record and its plan are independent reads and writes: made side by side.
    let planned = env.platform.plan(claimed, &media, &env.config);
    let (recorded, planned) = tokio::join!(recorded, planned);
    recorded?;
    let plan = match planned {
        Ok(plan) => plan,
        Err(end) => {
            let model = String::from("unknown");
            return Ok((finish(env, job, attempt, end, &media, None).await?, model));
        }
    };
    let lease = Lease::new(job, env.worker_id.as_str(), attempt);
    if let Err(e) = env.platform.start(&lease).await {
        // Cancelled while scheduled, or the lease is gone: someone else owns the outcome.
        tracing::info!(job = %job, error = ?e, "the job was not started");
        return Ok(("abandoned", plan.model));
    }
    let lost = CancellationToken::new();
    let heartbeat = tokio::spawn(keep_alive(
        env.clone(),
        lease.clone(),
        cancel.clone(),
        lost.clone(),
    ));
    let (events, receiver) = mpsc::channel(256);
    let forwarder = tokio::spawn(forward_events(
        env.platform.clone(),
        lease.clone(),
        receiver,
    ));
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
    let outcome = finish(env, job, attempt, run.end, &media, Some(&plan)).await?;
    drop(run.workdir);
    Ok((outcome, plan.model))
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
            env.platform.release(&lease).await?;
            return Ok("released");
        }
    };
    env.platform.finish(&lease, outcome, name).await?;
    Ok(name)
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
async fn keep_alive(env: RunEnv, lease: Lease, cancel: CancellationToken, lost: CancellationToken) {
    let job = lease.job;
    let mut tick = tokio::time::interval(Duration::from_millis(env.config.heartbeat_ms.max(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let lease_lasts = env.platform.lease_lasts();
    let mut renewed = Instant::now();
    loop {
        tick.tick().await;
        let answer = tokio::time::timeout(lease_lasts, env.platform.heartbeat(&lease)).await;
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
async fn forward_events(platform: Platform, lease: Lease, mut events: mpsc::Receiver<RunEvent>) {
    let job = lease.job;
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
                    platform.set_node(&lease, &node).await;
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
            if let Err(e) = platform.logs(&lease, batch).await {
                tracing::warn!(job = %job, error = ?e, "could not store log lines");
            }
        }
        if (!open || last_progress.elapsed() >= Duration::from_millis(250))
            && let Some((fraction, message)) = progress.take()
        {
            last_progress = Instant::now();
            if let Err(e) = platform.progress(&lease, fraction, message).await {
                tracing::debug!(job = %job, error = ?e, "could not report progress");
            }
        }
        if !open {
            return;
        }
    }
}
