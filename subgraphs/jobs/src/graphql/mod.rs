//! The jobs GraphQL schema (a federation subgraph with subscriptions). [`build_schema`] is
//! the one schema the service runs, the SDL export prints and the tests execute.

mod loaders;
mod mutation;
mod query;
mod subscription;
pub mod subscription_guard;
mod types;

pub use mutation::JobsMutation;
pub use query::JobsQuery;
pub use subscription::JobsSubscription;
pub use types::*;

use crate::JobsDeps;
use async_graphql::Schema;
use mediamagic_kit::{
    metrics::Metrics,
    subgraph_schema::{SubgraphSchema, federated_sdl, loader},
};

/// The jobs schema type.
pub type JobsSchema = Schema<JobsQuery, JobsMutation, JobsSubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<JobsDeps>, metrics: Option<&Metrics>) -> JobsSchema {
    SubgraphSchema::new(JobsQuery, JobsMutation, JobsSubscription)
        .with_subscriptions()
        .finish(deps, metrics, |builder, deps| {
            builder
                .data(loader(loaders::DeploymentLoader(deps.clone())))
                .data(loader(loaders::JobLoader(deps.clone())))
                .data(loader(loaders::ControlLoader(deps.clone())))
                .data(loader(loaders::DeploymentJobLoader(deps.clone())))
                .data(loader(loaders::CallbackAttemptLoader(deps.clone())))
        })
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    federated_sdl(&build_schema(None, None))
}
