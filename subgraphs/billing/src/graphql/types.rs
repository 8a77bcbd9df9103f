//! GraphQL output types: money, usage, invoices, prices, budgets, and the `Job` and
//! `Deployment` entities this subgraph adds `cost` to.

use super::loaders::{Charged, CostLoader, EstimateLoader, InvoiceLinesLoader, load_failed};
use crate::{
    BillingDeps,
    commands::usage::{Group, Summary},
    db::rows::{BudgetRow, InvoiceRow, PriceRow},
    domain::{self, PriceItem, money::round_micros},
};
use async_graphql::{Context, Enum, ID, Object, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use mediamagic_kit::{ActorExt, ApiError};
use uuid::Uuid;

fn currency(ctx: &Context<'_>) -> async_graphql::Result<String> {
    Ok(ctx.data::<BillingDeps>()?.config.currency.clone())
}

/// An amount of money.
pub struct Money(pub domain::Money);

#[Object]
impl Money {
    /// Minor units (cents): money is never a float.
    async fn amount(&self) -> i64 {
        self.0.minor
    }
    /// ISO 4217 currency code.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// For people: `12.34 USD`.
    async fn formatted(&self) -> String {
        self.0.formatted()
    }
}

fn money(minor: i64, currency: &str) -> Money {
    Money(domain::Money::new(minor, currency))
}

/// An account's usage in one monthly period (UTC).
pub struct Usage {
    /// The figures.
    pub summary: Summary,
    /// The account's budget, if it has one.
    pub budget: Option<BudgetRow>,
    /// The platform's currency.
    pub currency: String,
    /// Whose usage it is.
    pub account: uuid::Uuid,
}

#[Object]
impl Usage {
    /// The period, `YYYY-MM`.
    async fn period(&self) -> String {
        self.summary.period.to_string()
    }
    /// Its first instant.
    async fn period_start(&self) -> DateTime<Utc> {
        self.summary.period.starts_at()
    }
    /// The first instant after it.
    async fn period_end(&self) -> DateTime<Utc> {
        self.summary.period.ends_at()
    }
    /// ISO 4217 code of every amount.
    async fn currency(&self) -> &str {
        &self.currency
    }
    /// Job usage per machine type.
    async fn by_machine_type(&self) -> Vec<JobUsage> {
        self.groups(&self.summary.machines)
    }
    /// Job usage per model (the same runs as `byMachineType`, grouped otherwise).
    async fn by_model(&self) -> Vec<JobUsage> {
        self.groups(&self.summary.models)
    }
    /// Storage, sampled hourly, with what the account stores now against its quota.
    async fn storage(&self) -> StorageUsage {
        StorageUsage(
            self.summary.storage.clone(),
            self.currency.clone(),
            self.account,
        )
    }
    /// Machine types plus storage.
    async fn subtotal(&self) -> Money {
        money(self.summary.subtotal, &self.currency)
    }
    /// The free allowance of the period.
    async fn free_allowance(&self) -> Money {
        money(self.summary.free_allowance, &self.currency)
    }
    /// The part of the free allowance used.
    async fn allowance_applied(&self) -> Money {
        money(self.summary.allowance_applied, &self.currency)
    }
    /// What the period costs: subtotal minus the allowance applied.
    async fn total(&self) -> Money {
        money(self.summary.total, &self.currency)
    }
    /// The account's budget against this period's total (null without a budget).
    async fn budget(&self) -> Option<BudgetStatus> {
        self.budget.clone().map(|b| BudgetStatus {
            budget: b,
            spent: self.summary.total,
            currency: self.currency.clone(),
        })
    }
    /// Warnings for people, such as a budget reached.
    async fn warnings(&self) -> Vec<String> {
        let Some(budget) = &self.budget else {
            return Vec::new();
        };
        if self.summary.total < budget.monthly_limit {
            return Vec::new();
        }
        let spent = domain::Money::new(self.summary.total, &self.currency).formatted();
        let limit = domain::Money::new(budget.monthly_limit, &self.currency).formatted();
        let consequence = if budget.hard {
            "new deployments are refused until the budget is raised or removed"
        } else {
            "this is a soft budget: deployments still run"
        };
        vec![format!(
            "usage of {spent} has reached the monthly budget of {limit}; {consequence}"
        )]
    }
}

impl Usage {
    fn groups(&self, groups: &[Group]) -> Vec<JobUsage> {
        groups
            .iter()
            .map(|g| JobUsage(g.clone(), self.currency.clone()))
            .collect()
    }
}

/// Job usage of one machine type or model.
pub struct JobUsage(Group, String);

#[Object]
impl JobUsage {
    /// The machine type or model name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Machine-seconds (run time × machines), to the millisecond.
    async fn machine_seconds(&self) -> f64 {
        self.0.quantity as f64 / 1000.0
    }
    /// Job attempts that ran.
    async fn attempts(&self) -> i64 {
        self.0.lines
    }
    /// What they cost.
    async fn amount(&self) -> Money {
        money(self.0.amount, &self.1)
    }
}

/// Storage usage in a period.
pub struct StorageUsage(Group, String, uuid::Uuid);

#[Object]
impl StorageUsage {
    /// Bytes of live media the account stores now.
    async fn stored_bytes(&self, ctx: &Context<'_>) -> async_graphql::Result<f64> {
        let deps = ctx.data::<BillingDeps>()?;
        let mut conn = deps.pool.get().await.map_err(ApiError::from)?;
        let (bytes, _) = crate::db::sources::storage_of(&mut conn, self.2)
            .await
            .map_err(ApiError::from)?;
        Ok(bytes as f64)
    }
    /// The account's storage quota now (`uploadQuota` has the details): uploads that would
    /// pass it are refused with QUOTA_EXCEEDED.
    async fn quota_bytes(&self, ctx: &Context<'_>) -> async_graphql::Result<f64> {
        let deps = ctx.data::<BillingDeps>()?;
        let mut conn = deps.pool.get().await.map_err(ApiError::from)?;
        let (_, quota) = crate::db::sources::storage_of(&mut conn, self.2)
            .await
            .map_err(ApiError::from)?;
        Ok(quota.map_or(deps.storage_quota_bytes as f64, |q| q as f64))
    }
    /// GB-hours (10^9 bytes for one hour), summed over the hourly samples.
    async fn gb_hours(&self) -> f64 {
        self.0.quantity as f64 / 1e9
    }
    /// Hourly samples taken.
    async fn samples(&self) -> i64 {
        self.0.lines
    }
    /// What it cost.
    async fn amount(&self) -> Money {
        money(self.0.amount, &self.1)
    }
}

/// A budget against a period's usage.
pub struct BudgetStatus {
    budget: BudgetRow,
    spent: i64,
    currency: String,
}

#[Object]
impl BudgetStatus {
    /// The monthly limit.
    async fn monthly_limit(&self) -> Money {
        money(self.budget.monthly_limit, &self.currency)
    }
    /// Whether reaching it refuses new deployments.
    async fn hard(&self) -> bool {
        self.budget.hard
    }
    /// The period's total so far.
    async fn spent(&self) -> Money {
        money(self.spent, &self.currency)
    }
    /// What is left (zero when reached).
    async fn remaining(&self) -> Money {
        money(
            (self.budget.monthly_limit - self.spent).max(0),
            &self.currency,
        )
    }
    /// Whether the total has reached the limit.
    async fn exceeded(&self) -> bool {
        self.spent >= self.budget.monthly_limit
    }
}

/// An account's monthly budget.
pub struct Budget(pub BudgetRow);

#[Object]
impl Budget {
    /// The monthly limit.
    async fn monthly_limit(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.0.monthly_limit, &currency(ctx)?))
    }
    /// Hard: new deployments are refused once usage (plus their estimate) would pass the
    /// limit. Soft: a warning and a `budget_exceeded` event only.
    async fn hard(&self) -> bool {
        self.0.hard
    }
    /// When it was last set.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

fn midnight(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// A closed period: immutable.
pub struct Invoice(pub InvoiceRow);

#[Object]
impl Invoice {
    /// Its id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The period, `YYYY-MM`.
    async fn period(&self) -> String {
        self.0.period_start.format("%Y-%m").to_string()
    }
    /// The period's first instant.
    async fn period_start(&self) -> DateTime<Utc> {
        midnight(self.0.period_start)
    }
    /// The first instant after the period.
    async fn period_end(&self) -> DateTime<Utc> {
        midnight(self.0.period_end)
    }
    /// Machine types plus storage.
    async fn subtotal(&self) -> Money {
        money(self.0.subtotal, &self.0.currency)
    }
    /// The free allowance applied.
    async fn allowance(&self) -> Money {
        money(self.0.allowance, &self.0.currency)
    }
    /// What is owed.
    async fn total(&self) -> Money {
        money(self.0.total, &self.0.currency)
    }
    /// When the period was closed.
    async fn closed_at(&self) -> DateTime<Utc> {
        self.0.closed_at
    }
    /// Line items: one per machine type, and storage.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InvoiceLine>> {
        let loader = ctx.data::<DataLoader<InvoiceLinesLoader>>()?;
        let lines = loader
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default();
        Ok(lines
            .into_iter()
            .map(|l| InvoiceLine {
                position: l.position,
                kind: l.kind,
                description: l.description,
                machine_type: l.machine_type,
                amount: money(l.amount, &self.0.currency),
            })
            .collect())
    }
}

/// One line of an invoice.
#[derive(async_graphql::SimpleObject)]
pub struct InvoiceLine {
    /// 1, 2, … in order.
    pub position: i32,
    /// `machine` or `storage`.
    pub kind: String,
    /// For people: what and how much.
    pub description: String,
    /// The machine type (machine lines).
    pub machine_type: Option<String>,
    /// What it cost.
    pub amount: Money,
}

/// What a price is for.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceKind {
    /// A machine type: micro-units (millionths of a minor unit) per machine-second.
    Machine,
    /// Storage: micro-units per GB-month (10^9 bytes for 730 hours).
    Storage,
    /// Free usage per monthly period, in minor units.
    FreeAllowance,
}

/// A price of an item from a point in time.
pub struct Price(pub PriceRow);

#[Object]
impl Price {
    /// What it is for.
    async fn kind(&self) -> Option<PriceKind> {
        PriceItem::parse(&self.0.item).map(|item| match item {
            PriceItem::Machine(_) => PriceKind::Machine,
            PriceItem::Storage => PriceKind::Storage,
            PriceItem::FreeAllowance => PriceKind::FreeAllowance,
        })
    }
    /// The machine type (machine prices).
    async fn machine_type(&self) -> Option<String> {
        match PriceItem::parse(&self.0.item) {
            Some(PriceItem::Machine(name)) => Some(name),
            _ => None,
        }
    }
    /// The amount, in the unit of its kind (see `unit`).
    async fn amount(&self) -> i64 {
        self.0.amount
    }
    /// The unit of `amount`.
    async fn unit(&self) -> &'static str {
        match PriceItem::parse(&self.0.item) {
            Some(PriceItem::Machine(_)) => "micro-units per machine-second",
            Some(PriceItem::Storage) => "micro-units per GB-month",
            _ => "minor units per period",
        }
    }
    /// When it starts to apply (until the item's next price).
    async fn effective_from(&self) -> DateTime<Utc> {
        self.0.effective_from
    }
}

/// A job (owned by the jobs subgraph), with what it cost.
pub struct Job(pub Uuid);

#[Object(name = "Job")]
impl Job {
    /// The job's id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }
    /// What its runs cost so far (recorded when the job finishes; attempts that failed by
    /// the platform's fault are free).
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let account = ctx.actor()?.account_id;
        let loader = ctx.data::<DataLoader<CostLoader>>()?;
        let micros = loader
            .load_one(Charged::Job(account, self.0))
            .await
            .map_err(load_failed)?
            .unwrap_or(0);
        Ok(money(round_micros(micros), &currency(ctx)?))
    }
}

/// A deployment (owned by the jobs subgraph), with what it cost and is expected to cost.
pub struct Deployment(pub Uuid);

#[Object(name = "Deployment")]
impl Deployment {
    /// The deployment's id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }
    /// What its jobs cost so far.
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let account = ctx.actor()?.account_id;
        let loader = ctx.data::<DataLoader<CostLoader>>()?;
        let micros = loader
            .load_one(Charged::Deployment(account, self.0))
            .await
            .map_err(load_failed)?
            .unwrap_or(0);
        Ok(money(round_micros(micros), &currency(ctx)?))
    }
    /// What one run is expected to cost at today's price, from the model's observed median
    /// runtime (else its declared expected runtime); null when neither is known.
    async fn estimated_cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        let account = ctx.actor()?.account_id;
        let loader = ctx.data::<DataLoader<EstimateLoader>>()?;
        let micros = loader
            .load_one((account, self.0))
            .await
            .map_err(load_failed)?;
        let currency = currency(ctx)?;
        Ok(micros.map(|m| money(round_micros(m), &currency)))
    }
}
