//! The models subgraph: a versioned registry of runnable models with typed argument schemas
//! (seed 000's `args`), and the built-in catalogue of ffmpeg models.
//!
//! Layers: `graphql` (schema, resolvers, loaders) sits on `commands` (the operations and
//! their rules), which use `db` (diesel queries on the `models` Postgres schema) and
//! `domain` (definitions, argument schemas, validation and command rendering — the library
//! the jobs subgraph and the worker use).

pub mod commands;
pub mod config;
pub(crate) mod db;
pub mod domain;
pub mod graphql;

use mediamagic_kit::{
    db::DbPool,
    metrics::Metrics,
    server::{KitState, service_app},
    tokens::TokenVerifier,
};
use std::sync::Arc;

pub use config::ModelsConfig;
pub use graphql::{ModelsSchema, build_schema};

/// Everything the models subgraph needs at run time.
#[derive(Clone)]
pub struct ModelsDeps {
    /// Postgres pool.
    pub pool: DbPool,
    /// Verifies the router's internal tokens.
    pub internal: TokenVerifier,
    /// Settings.
    pub config: Arc<ModelsConfig>,
}

/// Loads the built-in catalogue into the registry (when configured).
pub async fn start(deps: &ModelsDeps) -> anyhow::Result<()> {
    if !deps.config.load_catalogue {
        return Ok(());
    }
    let catalogue = domain::catalogue::builtin()?;
    let report = commands::catalogue::sync_catalogue(&deps.pool, catalogue)
        .await
        .map_err(|e| anyhow::anyhow!("loading the catalogue: {e:?}"))?;
    tracing::info!(
        added = ?report.added,
        updated = ?report.updated,
        retired = ?report.retired,
        "model catalogue loaded"
    );
    Ok(())
}

/// The models service's HTTP app: GraphQL, probes and metrics.
pub fn app(deps: ModelsDeps, metrics: Metrics) -> axum::Router {
    let schema = build_schema(Some(deps.clone()), Some(&metrics));
    let kit = KitState {
        pool: deps.pool.clone(),
        redis: None,
        verifier: deps.internal.clone(),
        metrics,
    };
    service_app(schema, kit, axum::Router::new())
}
