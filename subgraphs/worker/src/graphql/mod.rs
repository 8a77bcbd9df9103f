//! The worker GraphQL schema (a federation subgraph): `cluster`, and `attempt`, `driver`,
//! `node`, `runs` and `logs` on the jobs subgraph's `Job`. [`build_schema`] is the one
//! schema the service runs, the SDL export prints and the tests execute.

mod loaders;
mod query;
mod types;

pub use query::WorkerQuery;
pub use types::*;

use crate::WorkerDeps;
use async_graphql::{EmptyMutation, EmptySubscription, Schema, dataloader::DataLoader};
use mediamagic_kit::metrics::Metrics;

/// The worker schema type.
pub type WorkerSchema = Schema<WorkerQuery, EmptyMutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<WorkerDeps>, metrics: Option<&Metrics>) -> WorkerSchema {
    let mut builder = Schema::build(WorkerQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .limit_depth(16)
        .limit_complexity(2_000);
    if let Some(deps) = deps {
        builder = builder
            .data(DataLoader::new(
                loaders::OwnedJobLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::RunLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(deps);
    }
    if let Some(metrics) = metrics {
        builder = builder.extension(metrics.graphql_extension());
    }
    builder.finish()
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    build_schema(None, None).sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}
