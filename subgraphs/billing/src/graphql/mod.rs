//! The billing GraphQL schema (a federation subgraph): `usage`, `invoices`, `invoice`,
//! `prices`, `budget`; `setPrice` (admin), `setBudget`, `removeBudget`; and `cost` on the
//! jobs subgraph's `Job` and `Deployment` (with `estimatedCost`). [`build_schema`] is the
//! one schema the service runs, the SDL export prints and the tests execute.

mod loaders;
mod mutation;
mod query;
mod types;

pub use mutation::BillingMutation;
pub use query::BillingQuery;
pub use types::*;

use crate::BillingDeps;
use async_graphql::{EmptySubscription, Schema};
use mediamagic_kit::{
    metrics::Metrics,
    subgraph_schema::{SubgraphSchema, federated_sdl, loader},
};

/// The billing schema type.
pub type BillingSchema = Schema<BillingQuery, BillingMutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<BillingDeps>, metrics: Option<&Metrics>) -> BillingSchema {
    SubgraphSchema::new(BillingQuery, BillingMutation, EmptySubscription).finish(
        deps,
        metrics,
        |builder, deps| {
            builder
                .data(loader(loaders::CostLoader(deps.clone())))
                .data(loader(loaders::EstimateLoader(deps.clone())))
                .data(loader(loaders::InvoiceLinesLoader(deps.clone())))
        },
    )
}

/// The SDL of this subgraph, as composition expects it.
pub fn sdl() -> String {
    federated_sdl(&build_schema(None, None))
}
