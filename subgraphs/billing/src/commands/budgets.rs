//! Budgets: a monthly limit per account. Reaching it records an alert (the
//! `budget_exceeded` event, once per period); a hard budget also refuses new deployments
//! whose estimate, with the estimates of the account's queued and running jobs, would pass
//! it. Estimates come from the version's observed runtime, else the model's expected one.

use crate::{
    BillingDeps,
    commands::{prices::points, usage::summarize},
    db::{
        self,
        rows::{BudgetAlertRow, BudgetRow},
    },
    domain::{Money, Period, PriceItem, money::round_micros, pricing::machine_micros},
};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncPgConnection, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{
    AccountKind, Actor, ApiError, ApiResult, Scope,
    db::transaction,
    idempotency::{self, Claim, IdempotencyKey, Table, request_hash},
};
use uuid::Uuid;

/// The acting account's budget.
pub async fn get(deps: &BillingDeps, actor: &Actor) -> ApiResult<Option<BudgetRow>> {
    let mut conn = deps.pool.get().await?;
    Ok(db::budgets::get(&mut conn, actor.account_id).await?)
}

/// Where billing keeps its idempotency keys.
pub const KEYS: Table = Table("billing.idempotency_keys");

/// Sets the acting account's monthly budget (minor units). With an idempotency key used
/// before for the same budget, changes nothing (a late retry does not undo a newer change)
/// and returns the budget as it is.
pub async fn set(
    deps: &BillingDeps,
    actor: &Actor,
    monthly_limit: i64,
    hard: bool,
    now: DateTime<Utc>,
    key: Option<IdempotencyKey>,
) -> ApiResult<BudgetRow> {
    actor.require_scope(Scope::Write)?;
    if monthly_limit < 0 {
        return Err(ApiError::bad_input(
            "monthlyLimit",
            "a budget is zero or more minor units",
        ));
    }
    let row = BudgetRow {
        account_id: actor.account_id,
        monthly_limit,
        hard,
        updated_at: now,
    };
    let mut conn = deps.pool.get().await?;
    require_budget_manager(&mut conn, actor).await?;
    drop(conn);
    let hash = request_hash(&serde_json::json!({"limit": monthly_limit, "hard": hard}));
    let (account, stored) = (actor.account_id, row.clone());
    let repeated = transaction(&deps.pool, move |conn| {
        async move {
            if let Some(key) = &key
                && let Claim::Done(_) =
                    idempotency::claim(conn, KEYS, account, "setBudget", key, &hash).await?
            {
                return Ok(true);
            }
            db::budgets::upsert(conn, &stored).await?;
            if let Some(key) = &key {
                idempotency::record(conn, KEYS, account, "setBudget", key, account).await?;
            }
            Ok(false)
        }
        .scope_boxed()
    })
    .await?;
    if repeated {
        let mut conn = deps.pool.get().await?;
        return db::budgets::get(&mut conn, actor.account_id)
            .await?
            .ok_or_else(|| ApiError::not_found("budget"));
    }
    check_alert(deps, actor.account_id, now).await?;
    Ok(row)
}

/// Removes the acting account's budget; false when it had none.
pub async fn remove(deps: &BillingDeps, actor: &Actor) -> ApiResult<bool> {
    actor.require_scope(Scope::Write)?;
    let mut conn = deps.pool.get().await?;
    require_budget_manager(&mut conn, actor).await?;
    Ok(db::budgets::delete(&mut conn, actor.account_id).await?)
}

/// A user manages their own budget; a team's is managed by its owners and admins, acting
/// with a team session token (team API keys carry no person whose role could be checked).
async fn require_budget_manager(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<()> {
    if actor.account_kind == AccountKind::User {
        return Ok(());
    }
    let refused = || {
        ApiError::Forbidden(
            "only the team's owners and admins change its budget, with a team session token"
                .to_owned(),
        )
    };
    let user = actor.user_id.ok_or_else(refused)?;
    match db::team_roles::role(conn, actor.account_id, user)
        .await?
        .as_deref()
    {
        Some("owner" | "admin") => Ok(()),
        _ => Err(refused()),
    }
}

/// Records an alert when the account's usage in the period of `now` reached its budget
/// (once per period; the insert raises the `budget_exceeded` event).
pub async fn check_alert(deps: &BillingDeps, account: Uuid, now: DateTime<Utc>) -> ApiResult<()> {
    let mut conn = deps.pool.get().await?;
    let Some(budget) = db::budgets::get(&mut conn, account).await? else {
        return Ok(());
    };
    let period = Period::containing(now);
    let spent = summarize(&mut conn, account, period).await?.total;
    if spent >= budget.monthly_limit {
        let new = db::budgets::alert(
            &mut conn,
            &BudgetAlertRow {
                account_id: account,
                period_start: period.start(),
                monthly_limit: budget.monthly_limit,
                spent,
                hard: budget.hard,
                created_at: now,
            },
        )
        .await?;
        if new {
            tracing::info!(%account, %period, spent, limit = budget.monthly_limit, "budget reached");
        }
    }
    Ok(())
}

/// What a deployment is expected to cost, in micro-units, when its runtime is known.
pub async fn estimate_micros(
    conn: &mut AsyncPgConnection,
    machine_type: &str,
    machine_count: i32,
    expected_seconds: Option<i32>,
    now: DateTime<Utc>,
) -> ApiResult<Option<i64>> {
    let Some(seconds) = expected_seconds else {
        return Ok(None);
    };
    let prices = points(conn, &PriceItem::Machine(machine_type.to_owned())).await?;
    let end = now + chrono::Duration::seconds(i64::from(seconds.max(0)));
    Ok(Some(machine_micros(&prices, now, end, machine_count)))
}

/// Refuses running model version `version` for `account` with BUDGET_EXCEEDED when the
/// account has a hard budget that this period's usage has reached, or that usage plus the
/// estimate of its queued, scheduled and running jobs plus this run's estimate would pass.
///
/// Runs inside the caller's transaction, which must then queue the job: admissions of one
/// account wait for each other (a transaction-scoped advisory lock), so parallel deployments
/// and retries cannot all fit under the same room. Used by the jobs subgraph (same database)
/// for `createDeployment` and `retryJob`.
pub async fn admit_in(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    version: Uuid,
    currency: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(budget) = db::budgets::get(conn, account).await? else {
        return Ok(());
    };
    if !budget.hard {
        return Ok(());
    }
    db::budgets::lock_admissions(conn, account).await?;
    let spent = summarize(conn, account, Period::containing(now))
        .await?
        .total;
    let limit = budget.monthly_limit;
    let money = |minor: i64| Money::new(minor, currency).formatted();
    if spent >= limit {
        return Err(ApiError::BudgetExceeded(format!(
            "this month's usage ({}) has reached the hard budget of {}; raise or remove the budget to deploy",
            money(spent),
            money(limit)
        )));
    }
    let mut outstanding = 0i64;
    for run in db::budgets::active_runs(conn, account).await? {
        let estimate =
            estimate_micros(conn, &run.machine_type, run.machine_count, run.seconds, now)
                .await?
                .unwrap_or(0);
        outstanding = outstanding.saturating_add(estimate);
    }
    let outstanding = round_micros(outstanding);
    let this = db::budgets::version_run(conn, version)
        .await?
        .ok_or_else(|| ApiError::not_found("model version"))?;
    let estimate = estimate_micros(
        conn,
        &this.machine_type,
        this.machine_count,
        this.seconds,
        now,
    )
    .await?
    .map(round_micros)
    .unwrap_or(0);
    if spent + outstanding + estimate > limit {
        return Err(ApiError::BudgetExceeded(format!(
            "this run is estimated at {}; with this month's usage ({}) and the jobs already \
             queued or running ({}) it would pass the hard budget of {}",
            money(estimate),
            money(spent),
            money(outstanding),
            money(limit)
        )));
    }
    Ok(())
}
