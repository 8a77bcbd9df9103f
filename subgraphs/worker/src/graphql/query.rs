//! Queries: `cluster`, and the `Job` entity this subgraph extends.

use super::{
    loaders::{OwnedJob, OwnedJobLoader, load_failed},
    types::{Cluster, Job},
};
use crate::WorkerDeps;
use async_graphql::{Context, ID, Object, dataloader::DataLoader};
use mediamagic_kit::{ActorExt, Scope};

/// Root query type.
#[derive(Default)]
pub struct WorkerQuery;

// Named like every subgraph's root type, so composition merges them.
#[Object(name = "Query")]
impl WorkerQuery {
    /// The cluster: drivers, machine types with capacity and load, and (admin scope) the
    /// workers with their last heartbeat.
    async fn cluster(&self, ctx: &Context<'_>) -> async_graphql::Result<Cluster> {
        let admin = ctx.actor()?.has_scope(Scope::Admin);
        let deps = ctx.data::<WorkerDeps>()?;
        Ok(crate::commands::cluster(deps, admin).await?)
    }

    /// Resolves a `Job` reference (the jobs subgraph owns jobs); another account's job is
    /// null.
    #[graphql(entity)]
    async fn find_job_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Job>> {
        let (Ok(actor), Ok(id)) = (ctx.actor(), id.parse()) else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<OwnedJobLoader>>()?;
        Ok(loader
            .load_one(OwnedJob(actor.account_id, id))
            .await
            .map_err(load_failed)?
            .map(Job))
    }
}
