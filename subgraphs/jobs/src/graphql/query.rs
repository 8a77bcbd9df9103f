//! Queries: deployments, jobs, the webhook signing secret, and the `Deployment` and `Job`
//! entities.

use super::{
    loaders::{DeploymentLoader, JobLoader, load_failed},
    types::{Deployment, Job, JobFilter, parse_id},
};
use crate::{JobsDeps, commands, db};
use async_graphql::{Context, ID, Object, dataloader::DataLoader};
use mediamagic_kit::{
    ActorExt,
    pagination::{Page, decode_cursor, encode_cursor, page_of, page_size},
};

/// Root query type.
#[derive(Default)]
pub struct JobsQuery;

// Named like every subgraph's root type, so composition merges them.
#[Object(name = "Query")]
impl JobsQuery {
    /// One of the acting account's deployments (NOT_FOUND otherwise).
    async fn deployment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deployment> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<JobsDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Deployment(
            commands::deployments::get_deployment(deps, actor, id).await?,
        ))
    }

    /// The acting account's deployment created with this idempotency key, or null: lets a
    /// client that retries skip work it already did.
    async fn deployment_by_key(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
    ) -> async_graphql::Result<Option<Deployment>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<JobsDeps>()?;
        Ok(
            commands::deployments::deployment_by_key(deps, actor, &idempotency_key)
                .await?
                .map(Deployment),
        )
    }

    /// The acting account's deployments, newest first.
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<Deployment>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<JobsDeps>()?;
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) =
            commands::deployments::list_deployments(deps, actor, after, limit + 1).await?;
        Ok(page_of(rows, limit, after.is_some(), total, |row| {
            (encode_cursor(row.created_at, row.id), Deployment(row))
        }))
    }

    /// One of the acting account's jobs (NOT_FOUND otherwise).
    async fn job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Job> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<JobsDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Job(commands::jobs::get_job(deps, actor, id).await?))
    }

    /// The acting account's jobs, newest first.
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters; all given ones apply.")] filter: Option<JobFilter>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<Job>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<JobsDeps>()?;
        let filter = filter.unwrap_or_default();
        let filter = db::jobs::JobFilter {
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            model_id: filter
                .model
                .as_ref()
                .map(|id| parse_id("model", id))
                .transpose()?,
            deployment_id: filter
                .deployment
                .as_ref()
                .map(|id| parse_id("deployment", id))
                .transpose()?,
            created_after: filter.created_after,
            created_before: filter.created_before,
        };
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) =
            commands::jobs::list_jobs(deps, actor, filter, after, limit + 1).await?;
        Ok(page_of(rows, limit, after.is_some(), total, |row| {
            (encode_cursor(row.created_at, row.id), Job(row))
        }))
    }

    /// The acting account's Standard Webhooks signing secret (`whsec_...`): check the
    /// `webhook-signature` of callbacks with it. Created on first use. Needs the `write`
    /// scope: whoever holds it can forge callbacks, so a read-only credential cannot read it.
    async fn webhook_secret(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<JobsDeps>()?;
        Ok(commands::jobs::webhook_secret(deps, actor).await?)
    }

    /// Federation: a `Deployment` by id, for its owner.
    #[graphql(entity)]
    async fn find_deployment_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Deployment>> {
        let loader = ctx.data::<DataLoader<DeploymentLoader>>()?;
        let (Ok(actor), Ok(id)) = (ctx.actor(), parse_id("id", &id)) else {
            return Ok(None);
        };
        Ok(loader
            .load_one(id)
            .await
            .map_err(load_failed)?
            .filter(|row| row.owner_id == actor.account_id)
            .map(Deployment))
    }

    /// Federation: a `Job` by id, for its owner.
    #[graphql(entity)]
    async fn find_job_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Job>> {
        let loader = ctx.data::<DataLoader<JobLoader>>()?;
        let (Ok(actor), Ok(id)) = (ctx.actor(), parse_id("id", &id)) else {
            return Ok(None);
        };
        Ok(loader
            .load_one(id)
            .await
            .map_err(load_failed)?
            .filter(|row| row.owner_id == actor.account_id)
            .map(Job))
    }
}
