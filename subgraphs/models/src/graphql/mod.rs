//! The models GraphQL schema (a federation subgraph). [`build_schema`] is the one schema the
//! service runs, the SDL export prints and the tests execute.

mod loaders;
mod mutation;
mod query;
mod types;

pub use mutation::ModelsMutation;
pub use query::ModelsQuery;
pub use types::*;

use crate::ModelsDeps;
use async_graphql::{EmptySubscription, Schema, dataloader::DataLoader};
use mediamagic_kit::metrics::Metrics;

/// The models schema type.
pub type ModelsSchema = Schema<ModelsQuery, ModelsMutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL (for `mediamagic sdl`), but
/// resolvers answer INTERNAL.
pub fn build_schema(deps: Option<ModelsDeps>, metrics: Option<&Metrics>) -> ModelsSchema {
    let mut builder = Schema::build(ModelsQuery, ModelsMutation, EmptySubscription)
        .enable_federation()
        .limit_depth(16)
        .limit_complexity(2_000);
    if let Some(deps) = deps {
        builder = builder
            .data(DataLoader::new(
                loaders::ModelLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::ModelByIdLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::VersionByNumberLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::VersionLoader(deps.clone()),
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
