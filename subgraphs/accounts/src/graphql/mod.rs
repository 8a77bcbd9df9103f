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
use async_graphql::{EmptySubscription, MergedObject, Schema};
use mediamagic_kit::{
    events::admin::{EventsAdmin, EventsAdminMutation, EventsAdminQuery},
    metrics::Metrics,
    subgraph_schema::{SubgraphSchema, federated_sdl, loader},
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
    SubgraphSchema::new(Query::default(), Mutation::default(), EmptySubscription).finish(
        deps,
        metrics,
        |builder, deps| {
            builder
                .data(loader(loaders::UserLoader(deps.clone())))
                .data(loader(loaders::TeamLoader(deps.clone())))
                .data(loader(loaders::MembersLoader(deps.clone())))
                .data(loader(loaders::UserTeamsLoader(deps.clone())))
                .data(loader(loaders::InvitesLoader(deps.clone())))
                .data(EventsAdmin {
                    pool: deps.pool.clone(),
                })
        },
    )
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    federated_sdl(&build_schema(None, None))
}
