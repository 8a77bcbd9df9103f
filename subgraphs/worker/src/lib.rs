//! The worker: claims queued jobs for the machine types it has slots for, runs them on the
//! cluster through a driver (`local` child processes by default, `kubernetes` batch/v1 Jobs),
//! streams logs and progress, registers outputs as media with lineage to the job, and
//! recovers: leases and heartbeats, cancel signals, give-back on shutdown. Its subgraph
//! shows the `cluster` and extends `Job` with where and how it ran.
//!
//! Layers: `worker` (the claim loops) runs `pipeline` (one job) on a `drivers::Driver`; both
//! use the jobs library's queue API, `media_client` (the media subgraph, as the job's owner),
//! `db` (the `worker` Postgres schema) and `domain` (plans, progress parsing, outputs).
//! `graphql` sits on `commands`.

pub mod agent;
pub mod agent_api;
pub mod builtin;
pub mod commands;
pub mod config;
pub(crate) mod db;
pub mod domain;
pub mod drivers;
pub mod error;
pub mod graphql;
pub(crate) mod liveness;
pub mod media_client;
pub mod metrics;
pub mod pipeline;
pub mod plan;
pub mod platform;
pub mod worker;

use mediamagic_jobs::JobsDeps;
use mediamagic_kit::{
    metrics::Metrics,
    server::{KitState, service_app},
    tokens::{TokenIssuer, TokenVerifier},
};
use std::sync::Arc;

pub use config::WorkerConfig;
pub use graphql::{WorkerSchema, build_schema};
pub use metrics::WorkerMetrics;

/// Everything the worker needs at run time.
#[derive(Clone)]
pub struct WorkerDeps {
    /// The jobs library (queue API, models library, Redis signals), on the jobs service's
    /// role: the queue is the jobs schema's, and the worker drives it through the library
    /// until workers speak HTTPS (#37).
    pub jobs: JobsDeps,
    /// Postgres as the worker's own role: the `worker` schema (workers, runs).
    pub pool: mediamagic_kit::db::DbPool,
    /// The worker key: signs the worker's own tokens for the media service's worker routes
    /// (they name a job attempt, never an account).
    pub worker_key: Arc<TokenIssuer>,
    /// Verifies the router's internal tokens (the subgraph).
    pub internal: TokenVerifier,
    /// HTTP client for the media subgraph and storage.
    pub http: reqwest::Client,
    /// GraphQL URL of the media subgraph.
    pub media_url: Arc<String>,
    /// Settings.
    pub config: Arc<WorkerConfig>,
    /// Cancelled when the service begins to stop: the agent protocol's long polls answer at
    /// once, so they do not hold the service up (its own short calls still work).
    pub stopping: tokio_util::sync::CancellationToken,
    /// The worker's metrics.
    pub metrics: WorkerMetrics,
}

/// The worker service's HTTP app: GraphQL, probes, metrics and the agent protocol.
pub fn app(deps: WorkerDeps, metrics: Metrics) -> axum::Router {
    let schema = build_schema(Some(deps.clone()), Some(&metrics));
    let agents = agent_api::routes(deps.clone());
    let kit = KitState {
        pool: deps.pool.clone(),
        redis: Some(deps.jobs.hub.redis().clone()),
        verifier: deps.internal.clone(),
        metrics,
    };
    service_app(schema, kit, agents)
}

impl WorkerDeps {
    /// A pooled connection, or INTERNAL.
    pub(crate) async fn conn(&self) -> mediamagic_kit::ApiResult<mediamagic_kit::db::DbConn> {
        self.pool
            .get()
            .await
            .map_err(mediamagic_kit::ApiError::from)
    }
}
