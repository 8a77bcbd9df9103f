//! Where a worker's runs come from and go to: the platform, reached in-process by the
//! in-cluster worker (the jobs library and the worker schema, `Direct`) or over the agent
//! protocol by an agent holding only the platform's URL and a token (`Agent`). The claim
//! loops and the pipeline speak only to this, so both run the same code.

pub mod agent_link;

use crate::{
    WorkerDeps,
    config::WorkerConfig,
    db,
    db::rows::RunRow,
    domain::run::{RunEnd, RunPlan},
    error::WorkerError,
    media_client::MediaSession,
    plan::PreparedRun,
};
use agent_link::AgentLink;
use chrono::{DateTime, Utc};
use mediamagic_jobs::{
    JobRow,
    commands::queue::{self, Heartbeat, RunOutcome},
    domain::Lease,
};
use mediamagic_kit::ApiError;
use std::{sync::Arc, time::Duration};
use uuid::Uuid;

/// The platform, as a worker reaches it.
#[derive(Clone)]
pub enum Platform {
    /// In-process: the jobs library and the `worker` schema.
    Direct(Box<WorkerDeps>),
    /// The agent protocol over HTTPS.
    Agent(Arc<AgentLink>),
}

/// A claimed attempt, whichever way it came.
pub struct Claimed {
    /// The job.
    pub job: Uuid,
    /// The attempt held.
    pub attempt: i32,
    /// Its machine type.
    pub machine_type: String,
    /// The account that owns it.
    pub owner_id: Uuid,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// The queueing request's trace context.
    pub trace_context: Option<serde_json::Value>,
    source: Source,
}

enum Source {
    /// The job's row: its plan is prepared here.
    Direct(Box<JobRow>),
    /// Prepared by the platform, with the attempt's media token (renewed by heartbeats).
    Agent {
        plan: Box<PreparedRun>,
        media_token: Arc<std::sync::RwLock<String>>,
    },
}

impl Platform {
    /// How long a lease lasts without a heartbeat.
    pub fn lease_lasts(&self) -> Duration {
        let seconds = match self {
            Platform::Direct(deps) => deps.jobs.config.lease_seconds,
            Platform::Agent(link) => link.lease_seconds(),
        };
        Duration::from_secs(u64::try_from(seconds).unwrap_or(30))
    }

    /// Claims up to `limit` runs of `machine_type` for `worker`; an agent's call waits up to
    /// `wait` for work (the in-cluster worker waits for queue signals instead).
    pub async fn claim(
        &self,
        machine_type: &str,
        worker: &str,
        limit: usize,
        wait: Duration,
    ) -> Result<Vec<Claimed>, WorkerError> {
        match self {
            Platform::Direct(deps) => {
                let claimed =
                    queue::claim_batch(&deps.jobs, machine_type, worker, limit, false).await?;
                Ok(claimed
                    .into_iter()
                    .map(|c| Claimed {
                        job: c.job.id,
                        attempt: c.job.attempts,
                        machine_type: c.job.machine_type.clone(),
                        owner_id: c.job.owner_id,
                        queued_at: c.control.queued_at,
                        trace_context: c.control.trace_context,
                        source: Source::Direct(Box::new(c.job)),
                    })
                    .collect())
            }
            Platform::Agent(link) => link.claim(machine_type, limit, wait).await,
        }
    }

    /// The media service, as the attempt's holder.
    pub fn media(&self, claimed: &Claimed, worker: &Arc<String>) -> MediaSession {
        match (self, &claimed.source) {
            (Platform::Direct(deps), _) => MediaSession::new(
                deps.http.clone(),
                deps.media_url.clone(),
                deps.worker_key.clone(),
                worker.clone(),
                claimed.job,
                claimed.attempt,
            ),
            (Platform::Agent(link), source) => {
                // An agent's claims always carry their token (`Claimed::from_agent`).
                let token = match source {
                    Source::Agent { media_token, .. } => media_token.clone(),
                    Source::Direct(_) => Arc::default(),
                };
                MediaSession::for_agent(
                    link.http().clone(),
                    link.media_url(),
                    token,
                    claimed.job,
                    claimed.attempt,
                )
            }
        }
    }

    /// The run's whole plan on a worker with `config`.
    pub async fn plan(
        &self,
        claimed: &Claimed,
        media: &MediaSession,
        config: &WorkerConfig,
    ) -> Result<RunPlan, RunEnd> {
        let prepared = match (&claimed.source, self) {
            (Source::Agent { plan, .. }, _) => (**plan).clone(),
            (Source::Direct(job), Platform::Direct(deps)) => {
                crate::plan::prepare(deps, job, media).await?
            }
            (Source::Direct(_), Platform::Agent(_)) => {
                return Err(RunEnd::Infrastructure("a claim without its plan".into()));
            }
        };
        prepared.into_plan(claimed.job, claimed.attempt, claimed.owner_id, config)
    }

    /// Records the attempt's run (the platform records an agent's at its claim).
    pub async fn record_run(
        &self,
        claimed: &Claimed,
        worker: &str,
        driver: &str,
    ) -> Result<(), WorkerError> {
        let Platform::Direct(deps) = self else {
            return Ok(());
        };
        let mut conn = deps.conn().await?;
        db::runs::start(
            &mut conn,
            &RunRow {
                job_id: claimed.job,
                attempt: claimed.attempt,
                worker_id: worker.to_owned(),
                driver: driver.to_owned(),
                node: None,
                machine_type: claimed.machine_type.clone(),
                started_at: Utc::now(),
                finished_at: None,
                outcome: None,
            },
        )
        .await?;
        Ok(())
    }

    /// The program starts: the job is `running`.
    pub async fn start(&self, lease: &Lease) -> Result<(), ApiError> {
        match self {
            Platform::Direct(deps) => queue::start(&deps.jobs, lease).await.map(|_| ()),
            Platform::Agent(link) => link.start(lease).await,
        }
    }

    /// Renews the lease; says whether to stop. An agent's answer comes from its next
    /// heartbeat, which renews all its runs at once.
    pub async fn heartbeat(&self, lease: &Lease) -> Result<Heartbeat, ApiError> {
        match self {
            Platform::Direct(deps) => queue::heartbeat(&deps.jobs, lease).await,
            Platform::Agent(link) => link.next_beat(lease).await,
        }
    }

    /// Reports progress.
    pub async fn progress(
        &self,
        lease: &Lease,
        fraction: f64,
        message: Option<String>,
    ) -> Result<(), ApiError> {
        match self {
            Platform::Direct(deps) => queue::progress(&deps.jobs, lease, fraction, message)
                .await
                .map(|_| ()),
            Platform::Agent(link) => link.progress(lease, fraction, message).await,
        }
    }

    /// Stores log lines.
    pub async fn logs(&self, lease: &Lease, lines: Vec<(String, String)>) -> Result<(), ApiError> {
        match self {
            Platform::Direct(deps) => queue::append_logs(&deps.jobs, lease, lines).await,
            Platform::Agent(link) => link.logs(lease, lines).await,
        }
    }

    /// Records the node a run is on (an agent's runs are on the host it registered).
    pub async fn set_node(&self, lease: &Lease, node: &str) {
        match self {
            Platform::Direct(deps) => {
                if let Ok(mut conn) = deps.conn().await {
                    let _ = db::runs::set_node(&mut conn, lease.job, lease.attempt, node).await;
                }
            }
            Platform::Agent(link) => {
                if let Err(e) = link.node(lease, node).await {
                    tracing::debug!(job = %lease.job, error = ?e, "could not record the run's node");
                }
            }
        }
    }

    /// Ends the run (its record, then the job), retrying while the database restarts.
    pub async fn finish(
        &self,
        lease: &Lease,
        outcome: RunOutcome,
        name: &str,
    ) -> Result<(), ApiError> {
        match self {
            Platform::Direct(deps) => {
                // Close the run before the job: billing reads the job's runs when its status
                // changes. Both writes are safe to repeat.
                while_unavailable(|| async {
                    let mut conn = deps.conn().await?;
                    db::runs::finish(&mut conn, lease.job, lease.attempt, name).await?;
                    Ok(())
                })
                .await?;
                while_unavailable(|| queue::finish(&deps.jobs, lease, outcome.clone()))
                    .await
                    .map(|_| ())
            }
            Platform::Agent(link) => link.finish(lease, outcome).await,
        }
    }

    /// Gives the job back to the queue (the worker is stopping).
    pub async fn release(&self, lease: &Lease) -> Result<(), ApiError> {
        match self {
            Platform::Direct(deps) => queue::release(&deps.jobs, lease).await.map(|_| ()),
            Platform::Agent(link) => link.release(lease).await,
        }
    }

    /// Records how a run ended when it did not finish the job (lost, abandoned); the
    /// platform does it for an agent's.
    pub async fn close_run(&self, job: Uuid, attempt: i32, outcome: &str) {
        if let Platform::Direct(deps) = self
            && let Ok(mut conn) = deps.conn().await
            && let Err(e) = db::runs::finish(&mut conn, job, attempt, outcome).await
        {
            tracing::warn!(job = %job, error = ?e, "could not record how a run ended");
        }
    }

    /// Forgets a run that ended (an agent's heartbeats stop naming it).
    pub fn forget(&self, job: Uuid, attempt: i32) {
        if let Platform::Agent(link) = self {
            link.forget(job, attempt);
        }
    }
}

/// Longest a run's last writes are retried while the database is unavailable.
const FINISH_RETRY_FOR: Duration = Duration::from_secs(15);

/// Runs `write` again while it fails with UNAVAILABLE (a database restart), for at most
/// [`FINISH_RETRY_FOR`]; any other answer is returned.
async fn while_unavailable<T, F, Fut>(mut write: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let deadline = std::time::Instant::now() + FINISH_RETRY_FOR;
    loop {
        match write().await {
            Err(ApiError::Unavailable(why)) if std::time::Instant::now() < deadline => {
                tracing::info!(%why, "database unavailable; retrying a run's last write");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            other => return other,
        }
    }
}

impl Claimed {
    /// An agent's claimed run.
    pub(crate) fn from_agent(
        run: crate::agent_api::protocol::ClaimedRun,
        media_token: Arc<std::sync::RwLock<String>>,
    ) -> Self {
        Self {
            job: run.job,
            attempt: run.attempt,
            machine_type: run.machine_type,
            owner_id: run.owner_id,
            queued_at: run.queued_at,
            trace_context: run.trace_context,
            source: Source::Agent {
                plan: Box::new(run.plan),
                media_token,
            },
        }
    }
}
