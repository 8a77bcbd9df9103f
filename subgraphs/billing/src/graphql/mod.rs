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
use async_graphql::{EmptySubscription, Schema, dataloader::DataLoader};
use mediamagic_kit::metrics::Metrics;

/// The billing schema type.
pub type BillingSchema = Schema<BillingQuery, BillingMutation, EmptySubscription>;

/// Builds the schema. Without `deps` it still prints its SDL.
pub fn build_schema(deps: Option<BillingDeps>, metrics: Option<&Metrics>) -> BillingSchema {
    let mut builder = Schema::build(BillingQuery, BillingMutation, EmptySubscription)
        .enable_federation()
        .limit_depth(16)
        .limit_complexity(2_000);
    if let Some(deps) = deps {
        builder = builder
            .data(DataLoader::new(
                loaders::CostLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::EstimateLoader(deps.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::InvoiceLinesLoader(deps.clone()),
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
