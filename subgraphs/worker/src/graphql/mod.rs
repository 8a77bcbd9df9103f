//! The worker GraphQL schema (a federation subgraph): `cluster`, and `attempt`, `driver`,
//! `node`, `runs` and `logs` on the jobs subgraph's `Job`. [`build_schema`] is the one
//! schema the service runs, the SDL export prints and the tests execute.

mod loaders;
mod query;
mod types;

pub use query::WorkerQuery;
pub use types::*;

use crate::WorkerDeps;
use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use mediamagic_kit::{
    metrics::Metrics,
    subgraph_schema::{SubgraphSchema, federated_sdl, loader},
};

/// The worker schema type.
pub type WorkerSchema = Schema<WorkerQuery, EmptyMutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<WorkerDeps>, metrics: Option<&Metrics>) -> WorkerSchema {
    SubgraphSchema::new(WorkerQuery, EmptyMutation, EmptySubscription).finish(
        deps,
        metrics,
        |builder, deps| {
            builder
                .data(loader(loaders::OwnedJobLoader(deps.clone())))
                .data(loader(loaders::RunLoader(deps.clone())))
        },
    )
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    federated_sdl(&build_schema(None, None))
}
