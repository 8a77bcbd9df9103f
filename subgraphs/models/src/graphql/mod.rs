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
use async_graphql::{EmptySubscription, Schema};
use mediamagic_kit::{
    metrics::Metrics,
    subgraph_schema::{SubgraphSchema, federated_sdl, loader},
};

/// The models schema type.
pub type ModelsSchema = Schema<ModelsQuery, ModelsMutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL (for `mediamagic sdl`), but
/// resolvers answer INTERNAL.
pub fn build_schema(deps: Option<ModelsDeps>, metrics: Option<&Metrics>) -> ModelsSchema {
    SubgraphSchema::new(ModelsQuery, ModelsMutation, EmptySubscription).finish(
        deps,
        metrics,
        |builder, deps| {
            builder
                .data(loader(loaders::ModelLoader(deps.clone())))
                .data(loader(loaders::ModelByIdLoader(deps.clone())))
                .data(loader(loaders::VersionByNumberLoader(deps.clone())))
                .data(loader(loaders::VersionLoader(deps.clone())))
        },
    )
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    federated_sdl(&build_schema(None, None))
}
