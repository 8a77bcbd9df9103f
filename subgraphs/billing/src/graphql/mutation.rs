//! Mutations: prices (admin scope) and the acting account's budget.

use super::types::{Budget, Price, PriceKind};
use crate::{BillingDeps, commands, domain::PriceItem, domain::pricing::valid_machine_type};
use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, Utc};
use mediamagic_kit::{ActorExt, ApiError, idempotency::IdempotencyKey};

/// Root mutation type.
#[derive(Default)]
pub struct BillingMutation;

/// A new price of an item.
#[derive(InputObject)]
pub struct SetPriceInput {
    /// What it is for.
    pub kind: PriceKind,
    /// The machine type (for `MACHINE`).
    pub machine_type: Option<String>,
    /// Micro-units per machine-second (`MACHINE`), micro-units per GB-month (`STORAGE`) or
    /// minor units per period (`FREE_ALLOWANCE`).
    pub amount: i64,
    /// From when (now when absent; never in the past, so recorded usage keeps its price).
    pub effective_from: Option<DateTime<Utc>>,
}

/// A monthly budget.
#[derive(InputObject)]
pub struct SetBudgetInput {
    /// The limit per monthly period, in minor units.
    pub monthly_limit: i64,
    /// Refuse new deployments once reached (true), or only warn (false).
    pub hard: bool,
}

// Named like every subgraph's root type, so composition merges them.
#[Object(name = "Mutation")]
impl BillingMutation {
    /// Adds a price from a time on (admin scope). Usage already recorded keeps its price.
    async fn set_price(
        &self,
        ctx: &Context<'_>,
        input: SetPriceInput,
    ) -> async_graphql::Result<Price> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        let item = match (input.kind, input.machine_type) {
            (PriceKind::Machine, Some(name)) if valid_machine_type(name.trim()) => {
                PriceItem::Machine(name.trim().to_owned())
            }
            (PriceKind::Machine, _) => {
                return Err(ApiError::bad_input(
                    "machineType",
                    "a machine price needs a machine type of 1 to 50 letters, digits, `_`, `.` or `-`",
                )
                .into());
            }
            (_, Some(_)) => {
                return Err(ApiError::bad_input(
                    "machineType",
                    "only machine prices have a machine type",
                )
                .into());
            }
            (PriceKind::Storage, None) => PriceItem::Storage,
            (PriceKind::FreeAllowance, None) => PriceItem::FreeAllowance,
        };
        let row = commands::prices::set_price(
            deps,
            actor,
            item,
            input.amount,
            input.effective_from,
            Utc::now(),
        )
        .await?;
        Ok(Price(row))
    }

    /// Sets the acting account's monthly budget. A team's budget is set by its owners and
    /// admins with a team session token; anyone else gets FORBIDDEN.
    async fn set_budget(
        &self,
        ctx: &Context<'_>,
        input: SetBudgetInput,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same input changes nothing \
                          again and returns the budget as it is (CONFLICT with another input); \
                          remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Budget> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        let key = IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?;
        let row = commands::budgets::set(
            deps,
            actor,
            input.monthly_limit,
            input.hard,
            Utc::now(),
            key,
        )
        .await?;
        Ok(Budget(row))
    }

    /// Removes the acting account's budget; false when it had none. Same rights as
    /// `setBudget`.
    async fn remove_budget(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<BillingDeps>()?;
        Ok(commands::budgets::remove(deps, actor).await?)
    }
}
