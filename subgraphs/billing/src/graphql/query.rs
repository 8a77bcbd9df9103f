//! Queries: usage, invoices, prices and the budget of the acting account, and the `Job` and
//! `Deployment` entities this subgraph extends.

use super::types::{Budget, Deployment, Invoice, Job, Price, Usage};
use crate::{BillingDeps, commands, domain::Period};
use async_graphql::{Context, ID, Object};
use chrono::Utc;
use mediamagic_kit::{
    ActorExt, ApiError,
    pagination::{Page, decode_cursor, encode_cursor, page_of, page_size},
};

/// Root query type.
#[derive(Default)]
pub struct BillingQuery;

// Named like every subgraph's root type, so composition merges them.
#[Object(name = "Query")]
impl BillingQuery {
    /// The acting account's usage in a monthly period (UTC): per machine type and model,
    /// storage, the free allowance, the total and the budget.
    async fn usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`YYYY-MM`; the current month when absent.")] period: Option<String>,
    ) -> async_graphql::Result<Usage> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        let period = match period {
            Some(text) => Period::parse(&text).map_err(|m| ApiError::bad_input("period", m))?,
            None => Period::containing(Utc::now()),
        };
        let summary = commands::usage::usage(deps, actor.account_id, period).await?;
        let budget = commands::budgets::get(deps, actor).await?;
        Ok(Usage {
            summary,
            budget,
            currency: deps.config.currency.clone(),
            account: actor.account_id,
        })
    }

    /// The acting account's invoices, newest first.
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<Invoice>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) = commands::invoices::list(deps, actor, after, limit + 1).await?;
        Ok(page_of(rows, limit, after.is_some(), total, |row| {
            (encode_cursor(row.closed_at, row.id), Invoice(row))
        }))
    }

    /// One of the acting account's invoices; NOT_FOUND for any other.
    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Invoice> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        let id = ApiError::parse_uuid("id", &id)?;
        Ok(Invoice(commands::invoices::get(deps, actor, id).await?))
    }

    /// Every price: past ones, the ones in force and scheduled ones, by item.
    async fn prices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Price>> {
        ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        Ok(commands::prices::list(deps)
            .await?
            .into_iter()
            .map(Price)
            .collect())
    }

    /// The acting account's monthly budget, if it set one.
    async fn budget(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Budget>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        Ok(commands::budgets::get(deps, actor).await?.map(Budget))
    }

    /// Resolves a `Job` reference (the jobs subgraph owns jobs and checks ownership).
    #[graphql(entity)]
    async fn find_job_by_id(&self, id: ID) -> Option<Job> {
        id.parse().ok().map(Job)
    }

    /// Resolves a `Deployment` reference (the jobs subgraph owns deployments).
    #[graphql(entity)]
    async fn find_deployment_by_id(&self, id: ID) -> Option<Deployment> {
        id.parse().ok().map(Deployment)
    }
}
