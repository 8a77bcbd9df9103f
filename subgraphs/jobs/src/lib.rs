//! The jobs subgraph: deployments (a pinned model version with validated arguments), jobs
//! (the table is the queue: claims with `FOR UPDATE SKIP LOCKED`, fair share, leases), live
//! progress and logs over subscriptions (signals through Redis pub/sub, state in Postgres),
//! and signed callbacks delivered by the event-trigger mechanism.
//!
//! Layers: `graphql` sits on `commands` (deployments, jobs, `queue` for the worker, callback
//! delivery), which use `db` (the `jobs` Postgres schema), `domain`, `pubsub`, the models
//! library (argument validation, version pinning) and `media_client` (file arguments are
//! checked with the media subgraph). `events` handles the `job_status` trigger; `sweeper`
//! returns jobs of lost workers and enforces deadlines.

pub mod commands;
pub mod config;
pub(crate) mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod media_client;
pub mod pubsub;
pub mod watch;

use domain::secret_box::SecretBox;
use mediamagic_kit::{
    db::DbPool,
    events::{Trigger, webhook},
    metrics::Metrics,
    server::{KitState, service_app},
    tokens::TokenVerifier,
};
use mediamagic_models::ModelsDeps;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

pub use config::JobsConfig;
pub use db::jobs::CLAIM_SQL;
pub use db::rows::{ControlRow, DeploymentRow, JobRow, LogRow};
pub use graphql::{JobsSchema, build_schema};
pub use pubsub::Hub;

/// Everything the jobs subgraph needs at run time.
#[derive(Clone)]
pub struct JobsDeps {
    /// Postgres pool.
    pub pool: DbPool,
    /// Verifies the router's internal tokens.
    pub internal: TokenVerifier,
    /// Change signals (Redis pub/sub).
    pub hub: Hub,
    /// The models library over the same database (validation, pinning, usage records).
    pub models: ModelsDeps,
    /// HTTP client for the media subgraph.
    pub http: reqwest::Client,
    /// HTTP client for callbacks (timeout, no redirects).
    pub callbacks: reqwest::Client,
    /// GraphQL URL of the media subgraph.
    pub media_url: Arc<String>,
    /// Settings.
    pub config: Arc<JobsConfig>,
    /// The billing currency (for the figures of a refused deployment).
    pub currency: Arc<String>,
    /// Seals webhook signing secrets at rest (the jobs service needs it; a worker, which
    /// signs nothing, runs without).
    pub secrets: Option<Arc<SecretBox>>,
    /// Open subscriptions per account (capped by `jobs.max_subscriptions_per_account`).
    pub subscriptions: graphql::subscription_guard::SubscriptionCounts,
    /// Shared fan-out of job changes to this instance's subscriptions.
    pub watches: watch::Watches,
    /// Shared liveness checks of the credentials subscriptions were opened with.
    pub credential_checks: graphql::subscription_guard::CredentialChecks,
    /// Callback deliveries by event and outcome (`mediamagic_callback_deliveries_total`;
    /// registered by the jobs service).
    pub callback_deliveries: prometheus::IntCounterVec,
    /// Writes the end of runs in batches (one statement for every run ending at once).
    pub finisher: commands::finisher::Finisher,
}

impl JobsDeps {
    /// The callback delivery counter, not registered yet.
    pub fn callback_counter() -> Result<prometheus::IntCounterVec, prometheus::Error> {
        let counter = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "callback_deliveries_total",
                "Callback deliveries by event and outcome (delivered, failed)",
            ),
            &["event", "outcome"],
        )?;
        // Every series from the start, so dashboards show 0 rather than no data.
        for event in [
            commands::callbacks::CallbackEvent::Started,
            commands::callbacks::CallbackEvent::Finished,
        ] {
            for outcome in ["delivered", "failed"] {
                counter.with_label_values(&[event.as_str(), outcome]);
            }
        }
        Ok(counter)
    }

    /// The HTTP client for callbacks: a timeout, redirects not followed (a redirect could
    /// lead past the SSRF check), and names resolved only to addresses the rule accepts.
    pub fn callback_client(config: &JobsConfig) -> reqwest::Result<reqwest::Client> {
        domain::callback::pinned_client(
            config.allow_private_callbacks,
            Some(Duration::from_secs(config.callback_timeout_seconds)),
        )
    }
}

/// The jobs service's HTTP app: GraphQL (with subscriptions on `/ws`), probes, metrics and
/// the event webhook.
pub fn app(
    deps: JobsDeps,
    metrics: Metrics,
    triggers: Vec<Trigger>,
    webhook_secret: String,
) -> axum::Router {
    let schema = build_schema(Some(deps.clone()), Some(&metrics));
    let kit = KitState {
        pool: deps.pool.clone(),
        redis: Some(deps.hub.redis().clone()),
        verifier: deps.internal.clone(),
        metrics,
    };
    service_app(schema, kit, webhook::routes(triggers, webhook_secret))
}

/// Sweeps expired leases and deadlines every `jobs.sweep_interval_ms` until `shutdown`.
pub async fn run_sweeper(deps: JobsDeps, shutdown: CancellationToken) {
    let mut tick =
        tokio::time::interval(Duration::from_millis(deps.config.sweep_interval_ms.max(50)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = commands::sweep::sweep(&deps).await {
            tracing::warn!(error = ?e, "sweeping jobs failed");
        }
    }
}
