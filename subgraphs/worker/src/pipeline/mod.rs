//! One claimed job, start to finish, the same for every driver: build the run's plan (model
//! version, validated arguments, input URLs), mark it running, keep its lease alive and
//! listen for cancel requests, forward its logs and progress, then register its outputs as
//! media of the job's owner and finish the job with the outcome.

mod reporting;

use crate::{
    WorkerMetrics,
    config::WorkerConfig,
    domain::run::{RunEnd, RunOutput, RunPlan},
    drivers::{Driver, RunContext},
    error::WorkerError,
    media_client::MediaSession,
    platform::{Claimed, Platform},
};
use chrono::Utc;
use mediamagic_jobs::{commands::queue::RunOutcome, domain::Lease};
use reporting::{LeaseLoss, forward_events, keep_alive};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
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
    if lost.is_cancelled() {
        if heartbeat.await.ok() == Some(LeaseLoss::Unrenewed) {
            give_back(env, &lease).await;
        }
        return Ok(("lost", plan.model));
    }
    heartbeat.abort();
    let outcome = finish(env, job, attempt, run.end, &media, Some(&plan)).await?;
    drop(run.workdir);
    Ok((outcome, plan.model))
}

/// Gives back a run stopped because its lease could not be renewed, once the platform
/// answers again: the job need not wait for the sweeper. Fenced like every call of the
/// run, so when the platform has already handed the job to another worker (a partition
/// longer than the lease), this late call is refused and changes nothing.
async fn give_back(env: &RunEnv, lease: &Lease) {
    match env.platform.release(lease).await {
        Ok(()) => tracing::info!(job = %lease.job, "gave back a run stopped for want of its lease"),
        Err(e) => tracing::info!(
            job = %lease.job,
            attempt = lease.attempt,
            error = ?e,
            "the platform refused the release of a run stopped for want of its lease \
             (another worker holds it now, or it has ended)"
        ),
    }
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
