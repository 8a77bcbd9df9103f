//! What every subgraph's `build_schema` shares: federation, the depth and complexity limits,
//! its DataLoaders and dependencies as schema data, and the metrics extension; and the SDL
//! composition reads.

use crate::metrics::Metrics;
use async_graphql::{
    ObjectType, SDLExportOptions, Schema, SchemaBuilder, SubscriptionType, dataloader::DataLoader,
};

/// Deepest selection a subgraph accepts.
pub const MAX_DEPTH: usize = 16;
/// Most complex operation a subgraph accepts.
pub const MAX_COMPLEXITY: usize = 2_000;

/// A subgraph's schema being built, with federation and the limits on.
pub struct SubgraphSchema<Q, M, S>(SchemaBuilder<Q, M, S>);

impl<Q, M, S> SubgraphSchema<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    /// Starts a federated schema from its root types.
    pub fn new(query: Q, mutation: M, subscription: S) -> Self {
        Self(
            Schema::build(query, mutation, subscription)
                .enable_federation()
                .limit_depth(MAX_DEPTH)
                .limit_complexity(MAX_COMPLEXITY),
        )
    }

    /// Lets the router federate this subgraph's subscriptions.
    pub fn with_subscriptions(self) -> Self {
        Self(self.0.enable_subscription_in_federation())
    }

    /// The finished schema. With `deps` (a running service; `None` prints the SDL only),
    /// `data` adds what resolvers read besides `deps` itself (its DataLoaders, see
    /// [`loader`]); with `metrics`, operations are counted.
    pub fn finish<D>(
        self,
        deps: Option<D>,
        metrics: Option<&Metrics>,
        data: impl FnOnce(SchemaBuilder<Q, M, S>, &D) -> SchemaBuilder<Q, M, S>,
    ) -> Schema<Q, M, S>
    where
        D: Send + Sync + 'static,
    {
        let mut builder = self.0;
        if let Some(deps) = deps {
            builder = data(builder, &deps).data(deps);
        }
        if let Some(metrics) = metrics {
            builder = builder.extension(metrics.graphql_extension());
        }
        builder.finish()
    }
}

/// A DataLoader whose batches run as tokio tasks.
pub fn loader<T: Send + Sync + 'static>(loader: T) -> DataLoader<T> {
    DataLoader::new(loader, tokio::spawn)
}

/// The SDL of `schema` as federation composition expects it.
pub fn federated_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.sdl_with_options(SDLExportOptions::new().federation())
}
