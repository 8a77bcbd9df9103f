//! The media GraphQL schema (a federation subgraph). [`build_schema`] is the one schema the
//! service runs, the SDL export prints and the tests execute.

mod loaders;
mod mutation;
mod query;
mod types;
pub mod upload;
pub mod uploads;

pub use mutation::MediaMutation;
pub use query::MediaQuery;
pub use types::*;

use crate::MediaDeps;
use async_graphql::{EmptySubscription, MergedObject, Schema};
use mediamagic_kit::{
    metrics::Metrics,
    subgraph_schema::{SubgraphSchema, federated_sdl, loader},
};

/// Root query: media and tags, plus uploads in progress and upload limits.
#[derive(MergedObject, Default)]
pub struct Query(MediaQuery, uploads::UploadsQuery);

/// Root mutation: media and tags, plus multipart uploads and upload limits.
#[derive(MergedObject, Default)]
pub struct Mutation(MediaMutation, uploads::UploadsMutation);

/// The media schema type.
pub type MediaSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<MediaDeps>, metrics: Option<&Metrics>) -> MediaSchema {
    SubgraphSchema::new(Query::default(), Mutation::default(), EmptySubscription).finish(
        deps,
        metrics,
        |builder, deps| {
            builder
                .data(loader(loaders::MediaLoader(deps.clone())))
                .data(loader(loaders::LineageLoader(deps.clone())))
        },
    )
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    federated_sdl(&build_schema(None, None))
}
