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
use async_graphql::{Schema, dataloader::DataLoader};
use mediamagic_kit::metrics::Metrics;

/// The jobs schema type.
pub type JobsSchema = Schema<JobsQuery, JobsMutation, JobsSubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<JobsDeps>, metrics: Option<&Metrics>) -> JobsSchema {
    let mut builder = Schema::build(JobsQuery, JobsMutation, JobsSubscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .limit_depth(16)
        .limit_complexity(2_000);
    if let Some(deps) = deps {
        builder = builder
            .data(DataLoader::new(
                loaders::DeploymentLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::JobLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::ControlLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::DeploymentJobLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::CallbackAttemptLoader(deps.clone()),
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
