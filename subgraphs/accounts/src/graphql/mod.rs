//! The accounts GraphQL schema (a federation subgraph). [`build_schema`] is the one schema
//! the service runs, the SDL export prints and the tests execute.

mod loaders;
mod mutation;
mod query;
pub mod retention;
mod types;

pub use mutation::AccountsMutation;
pub use query::AccountsQuery;
pub use types::*;

use crate::AccountsDeps;
use async_graphql::{EmptySubscription, MergedObject, Schema, dataloader::DataLoader};
use mediamagic_kit::{
    events::admin::{EventsAdmin, EventsAdminMutation, EventsAdminQuery},
    metrics::Metrics,
};

/// Root query: the accounts queries, retention policies and the kit's admin fields for
/// events.
#[derive(MergedObject, Default)]
pub struct Query(AccountsQuery, retention::RetentionQuery, EventsAdminQuery);

/// Root mutation: the accounts mutations, retention policies and the kit's admin fields for
/// events.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountsMutation,
    retention::RetentionMutation,
    EventsAdminMutation,
);

/// The accounts schema type.
pub type AccountsSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL (for `mediamagic sdl`), but
/// resolvers answer INTERNAL.
pub fn build_schema(deps: Option<AccountsDeps>, metrics: Option<&Metrics>) -> AccountsSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .enable_federation()
        .limit_depth(16)
        .limit_complexity(2_000);
    if let Some(deps) = deps {
        builder = builder
            .data(DataLoader::new(
                loaders::UserLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::TeamLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::MembersLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::UserTeamsLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::InvitesLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(EventsAdmin {
                pool: deps.pool.clone(),
            })
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
