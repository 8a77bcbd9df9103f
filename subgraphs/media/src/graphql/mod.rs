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
use async_graphql::{EmptySubscription, MergedObject, Schema, dataloader::DataLoader};
use mediamagic_kit::metrics::Metrics;

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
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .enable_federation()
        .limit_depth(16)
        .limit_complexity(2_000);
    if let Some(deps) = deps {
        builder = builder
            .data(DataLoader::new(
                loaders::MediaLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::LineageLoader(deps.clone()),
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
