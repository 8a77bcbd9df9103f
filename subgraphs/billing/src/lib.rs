//! The billing subgraph: prices (per machine-second, per GB-month of storage, a free
//! allowance per period), metered usage (a line per job attempt that ran, from the
//! `job_usage` event; a line per account and hour of storage, from a scheduled sample),
//! monthly periods closed into immutable invoices, and budgets (soft: a warning and an
//! event; hard: new deployments refused with BUDGET_EXCEEDED, which the jobs subgraph asks
//! through [`commands::budgets::admit`]).
//!
//! Layers: `graphql` and `events` sit on `commands`, which use `db` (the `billing` schema and
//! read-only views of runs, jobs, models and media) and `domain` (money, periods, pricing).

pub mod commands;
pub mod config;
pub(crate) mod db;
pub mod domain;
pub mod events;
pub mod graphql;

use chrono::Utc;
use mediamagic_kit::{
    db::DbPool,
    events::{Trigger, webhook},
    metrics::Metrics,
    server::{KitState, service_app},
    tokens::TokenVerifier,
};
use std::sync::Arc;
use tokio_cron_scheduler::{Job, JobScheduler};

pub use config::BillingConfig;
pub use graphql::{BillingSchema, build_schema};

/// Everything the billing subgraph needs at run time.
#[derive(Clone)]
pub struct BillingDeps {
    /// Postgres pool.
    pub pool: DbPool,
    /// Verifies the router's internal tokens.
    pub internal: TokenVerifier,
    /// Settings.
    pub config: Arc<BillingConfig>,
    /// The storage quota of accounts without one of their own (`media.quotas.storage_bytes`),
    /// shown with their storage usage.
    pub storage_quota_bytes: u64,
}

/// The billing service's HTTP app: GraphQL, probes, metrics and the event webhooks.
pub fn app(
    deps: BillingDeps,
    metrics: Metrics,
    triggers: Vec<Trigger>,
    webhook_secret: String,
) -> axum::Router {
    let schema = build_schema(Some(deps.clone()), Some(&metrics));
    let kit = KitState {
        pool: deps.pool.clone(),
        redis: None,
        verifier: deps.internal.clone(),
        metrics,
    };
    service_app(schema, kit, webhook::routes(triggers, webhook_secret))
}

/// Seeds the configured prices (items without any price yet).
pub async fn start(deps: &BillingDeps) -> anyhow::Result<()> {
    commands::prices::seed(deps)
        .await
        .map_err(|e| anyhow::anyhow!("seeding prices: {e:?}"))
}

/// Starts the scheduled jobs: the hourly storage sample and the closing of ended periods.
pub async fn schedule(deps: BillingDeps) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let sample = deps.clone();
    scheduler
        .add(Job::new_async(
            deps.config.sample_schedule.as_str(),
            move |_, _| {
                let deps = sample.clone();
                Box::pin(async move {
                    match commands::usage::sample_storage(&deps, Utc::now()).await {
                        Ok(lines) => tracing::info!(lines, "sampled storage"),
                        Err(e) => tracing::warn!(error = ?e, "sampling storage failed"),
                    }
                })
            },
        )?)
        .await?;
    let close = deps.clone();
    scheduler
        .add(Job::new_async(
            deps.config.close_schedule.as_str(),
            move |_, _| {
                let deps = close.clone();
                Box::pin(async move {
                    match commands::invoices::close_periods(&deps, Utc::now()).await {
                        Ok(0) => {}
                        Ok(invoices) => tracing::info!(invoices, "closed ended periods"),
                        Err(e) => tracing::warn!(error = ?e, "closing periods failed"),
                    }
                })
            },
        )?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
