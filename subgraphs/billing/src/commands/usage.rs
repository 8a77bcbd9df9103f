//! Usage: recording it (a line per job attempt that ran, a line per account and hour of
//! storage) and summing it up per period. Lines are written once: the unique keys make a
//! redelivered event or a repeated sample change nothing.

use crate::{
    BillingDeps,
    commands::{budgets, prices::points},
    db::{self, PERIOD_LOCK, rows::UsageLineRow, sources::RunSource},
    domain::{
        Period, PriceItem,
        money::round_micros,
        pricing::{machine_micros, price_at, storage_micros},
    },
};
use chrono::{DateTime, DurationRound, Utc};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{ApiError, ApiResult, db::transaction};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Run outcomes the account pays for. Runs that ended by the platform's fault (a lost
/// worker or node, a storage failure, a worker shutting down) are on us.
pub const BILLABLE_OUTCOMES: &[&str] = &["succeeded", "failed", "cancelled"];

/// How long a finished job's last run may stay open before it counts as lost.
const RUN_CLOSE_GRACE_SECONDS: i64 = 60;

/// Records a line for each run of finished job `job` that was not yet recorded; returns
/// how many lines are new. A job that is not finished (or never ran) records nothing.
pub async fn record_job(deps: &BillingDeps, job: Uuid, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut conn = deps.pool.get().await?;
    let Some(source) = db::sources::job(&mut conn, job).await? else {
        return Ok(0);
    };
    if !matches!(source.status.as_str(), "succeeded" | "failed" | "cancelled") {
        return Ok(0);
    }
    let runs = db::sources::runs(&mut conn, job).await?;
    // The worker closes its run just before it finishes the job; a run still open right
    // after the job finished is being closed, so try again (the event is redelivered).
    let recent = source
        .finished_at
        .is_some_and(|at| now - at < chrono::Duration::seconds(RUN_CLOSE_GRACE_SECONDS));
    if recent && runs.iter().any(|r| r.finished_at.is_none()) {
        return Err(ApiError::internal(anyhow::anyhow!(
            "job {job} finished but a run of it is still open"
        )));
    }
    let mut prices = HashMap::new();
    let mut lines = Vec::new();
    for run in runs.iter().filter(|r| billable(r)) {
        let Some(ended) = run.finished_at else {
            continue;
        };
        if !prices.contains_key(&run.machine_type) {
            let item = PriceItem::Machine(run.machine_type.clone());
            prices.insert(run.machine_type.clone(), points(&mut conn, &item).await?);
        }
        let machine_prices = prices
            .get(&run.machine_type)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let ms = (ended - run.started_at).num_milliseconds().max(0);
        lines.push(UsageLineRow {
            id: Uuid::now_v7(),
            account_id: source.owner_id,
            period_start: Period::containing(ended).start(),
            kind: "job".into(),
            job_id: Some(job),
            attempt: Some(run.attempt),
            deployment_id: Some(source.deployment_id),
            model_name: Some(source.model_name.clone()),
            machine_type: Some(run.machine_type.clone()),
            machine_count: Some(source.machine_count),
            outcome: run.outcome.clone(),
            sample_hour: None,
            started_at: run.started_at,
            ended_at: ended.max(run.started_at),
            quantity: ms * i64::from(source.machine_count),
            amount_micros: machine_micros(
                machine_prices,
                run.started_at,
                ended,
                source.machine_count,
            ),
        });
    }
    drop(conn);
    let written = write_lines(deps, lines, now).await?;
    if written > 0 {
        budgets::check_alert(deps, source.owner_id, now).await?;
    }
    Ok(written)
}

fn billable(run: &RunSource) -> bool {
    run.outcome
        .as_deref()
        .is_some_and(|o| BILLABLE_OUTCOMES.contains(&o))
}

/// Samples the bytes every account stores in the hour of `at` into a storage line each;
/// returns how many lines are new (a second sample of the same hour adds none).
pub async fn sample_storage(deps: &BillingDeps, at: DateTime<Utc>) -> ApiResult<usize> {
    let hour = at
        .duration_trunc(chrono::Duration::hours(1))
        .map_err(ApiError::internal)?;
    let mut conn = deps.pool.get().await?;
    let stored = db::sources::stored_bytes(&mut conn).await?;
    let price = price_at(&points(&mut conn, &PriceItem::Storage).await?, hour).unwrap_or(0);
    drop(conn);
    let lines: Vec<UsageLineRow> = stored
        .iter()
        .map(|s| UsageLineRow {
            id: Uuid::now_v7(),
            account_id: s.owner_id,
            period_start: Period::containing(hour).start(),
            kind: "storage".into(),
            job_id: None,
            attempt: None,
            deployment_id: None,
            model_name: None,
            machine_type: None,
            machine_count: None,
            outcome: None,
            sample_hour: Some(hour),
            started_at: hour,
            ended_at: hour + chrono::Duration::hours(1),
            quantity: s.bytes,
            amount_micros: storage_micros(price, s.bytes),
        })
        .collect();
    let written = write_lines(deps, lines, at).await?;
    if written > 0 {
        for account in stored.iter().map(|s| s.owner_id) {
            budgets::check_alert(deps, account, at).await?;
        }
    }
    Ok(written)
}

/// Inserts lines in one transaction; a line whose period is already invoiced goes into the
/// open period of `now` instead, so invoices never change.
async fn write_lines(
    deps: &BillingDeps,
    mut lines: Vec<UsageLineRow>,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    if lines.is_empty() {
        return Ok(0);
    }
    let open = Period::containing(now).start();
    transaction(&deps.pool, move |conn| {
        async move {
            diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1)")
                .bind::<BigInt, _>(PERIOD_LOCK)
                .execute(conn)
                .await?;
            for line in &mut lines {
                if line.period_start < open
                    && db::invoices::exists(conn, line.account_id, line.period_start).await?
                {
                    line.period_start = open;
                }
            }
            Ok(db::usage::insert(conn, &lines).await?)
        }
        .scope_boxed()
    })
    .await
}

/// An account's usage in one period, in minor units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The period.
    pub period: Period,
    /// Job usage per machine type, by name.
    pub machines: Vec<Group>,
    /// Job usage per model, by name.
    pub models: Vec<Group>,
    /// Storage: byte-hours and samples.
    pub storage: Group,
    /// Machine types plus storage.
    pub subtotal: i64,
    /// The free allowance of the period.
    pub free_allowance: i64,
    /// The part of the allowance used against the subtotal.
    pub allowance_applied: i64,
    /// What the account owes for the period.
    pub total: i64,
}

/// Usage of one machine type, model or of storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Machine type or model name (empty for storage).
    pub name: String,
    /// Machine-milliseconds, or byte-hours.
    pub quantity: i64,
    /// Job attempts, or storage samples.
    pub lines: i64,
    /// Minor units (rounded from the group's exact micro-units).
    pub amount: i64,
}

/// Sums up an account's usage in `period`.
pub async fn summarize(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    period: Period,
) -> ApiResult<Summary> {
    let groups = db::usage::groups(conn, account, period.start()).await?;
    let mut machines: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut models: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut storage = (0, 0, 0);
    for g in &groups {
        let add = |t: &mut (i64, i64, i64)| {
            t.0 += g.quantity;
            t.1 += g.lines;
            t.2 += g.micros;
        };
        if g.kind == "storage" {
            add(&mut storage);
            continue;
        }
        add(machines
            .entry(g.machine_type.clone().unwrap_or_default())
            .or_default());
        add(models
            .entry(g.model_name.clone().unwrap_or_default())
            .or_default());
    }
    let to_groups = |map: BTreeMap<String, (i64, i64, i64)>| -> Vec<Group> {
        map.into_iter()
            .map(|(name, (quantity, lines, micros))| Group {
                name,
                quantity,
                lines,
                amount: round_micros(micros),
            })
            .collect()
    };
    let machines = to_groups(machines);
    let storage = Group {
        name: String::new(),
        quantity: storage.0,
        lines: storage.1,
        amount: round_micros(storage.2),
    };
    // The invoice's lines are the machine types and storage, so the total adds up from them.
    let subtotal = machines.iter().map(|g| g.amount).sum::<i64>() + storage.amount;
    let allowance_points = points(conn, &PriceItem::FreeAllowance).await?;
    let free_allowance = price_at(&allowance_points, period.starts_at()).unwrap_or(0);
    let allowance_applied = free_allowance.min(subtotal);
    Ok(Summary {
        period,
        machines,
        models: to_groups(models),
        storage,
        subtotal,
        free_allowance,
        allowance_applied,
        total: subtotal - allowance_applied,
    })
}

/// [`summarize`] on a pooled connection.
pub async fn usage(deps: &BillingDeps, account: Uuid, period: Period) -> ApiResult<Summary> {
    let mut conn = deps.pool.get().await?;
    summarize(&mut conn, account, period).await
}
