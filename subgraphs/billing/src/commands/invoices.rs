//! Invoices: every ended period with usage is closed into an immutable invoice (machine
//! types and storage as lines, the free allowance applied). Closing twice is harmless: an
//! account's period has at most one invoice.

use crate::{
    BillingDeps,
    commands::usage::summarize,
    db::{
        self, PERIOD_LOCK,
        rows::{InvoiceLineRow, InvoiceRow},
    },
    domain::Period,
};
use chrono::{DateTime, Utc};
use diesel::sql_types::BigInt;
use diesel_async::{RunQueryDsl, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{Actor, ApiError, ApiResult, db::transaction};
use uuid::Uuid;

/// Closes every period that ended before `now` and has usage but no invoice; returns how
/// many invoices were written.
pub async fn close_periods(deps: &BillingDeps, now: DateTime<Utc>) -> ApiResult<usize> {
    let open = Period::containing(now).start();
    let mut conn = deps.pool.get().await?;
    let pending = db::usage::uninvoiced_before(&mut conn, open).await?;
    drop(conn);
    let mut written = 0;
    for item in pending {
        let Some(period) = Period::from_start(item.period_start) else {
            continue;
        };
        if close(deps, item.account_id, period, now).await? {
            written += 1;
        }
    }
    Ok(written)
}

/// Writes one account's invoice for `period`; false when it exists already.
async fn close(
    deps: &BillingDeps,
    account: Uuid,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let currency = deps.config.currency.clone();
    transaction(&deps.pool, move |conn| {
        async move {
            // No usage line may land in the period while it is summed up.
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(PERIOD_LOCK)
                .execute(conn)
                .await?;
            if db::invoices::exists(conn, account, period.start()).await? {
                return Ok(false);
            }
            let summary = summarize(conn, account, period).await?;
            let invoice = InvoiceRow {
                id: Uuid::now_v7(),
                account_id: account,
                period_start: period.start(),
                period_end: period.end(),
                currency,
                subtotal: summary.subtotal,
                allowance: summary.allowance_applied,
                total: summary.total,
                closed_at: now,
            };
            let mut lines: Vec<InvoiceLineRow> = summary
                .machines
                .iter()
                .map(|g| InvoiceLineRow {
                    invoice_id: invoice.id,
                    position: 0,
                    kind: "machine".into(),
                    description: format!(
                        "{}: {} machine-seconds over {} job attempts",
                        g.name,
                        g.quantity as f64 / 1000.0,
                        g.lines
                    ),
                    machine_type: Some(g.name.clone()),
                    quantity: g.quantity,
                    amount: g.amount,
                })
                .collect();
            if summary.storage.lines > 0 {
                lines.push(InvoiceLineRow {
                    invoice_id: invoice.id,
                    position: 0,
                    kind: "storage".into(),
                    description: format!(
                        "storage: {:.3} GB-hours",
                        summary.storage.quantity as f64 / 1e9
                    ),
                    machine_type: None,
                    quantity: summary.storage.quantity,
                    amount: summary.storage.amount,
                });
            }
            for (i, line) in lines.iter_mut().enumerate() {
                line.position = i as i32 + 1;
            }
            Ok(db::invoices::insert(conn, &invoice, &lines).await?)
        }
        .scope_boxed()
    })
    .await
}

/// The acting account's invoice `id`, or NOT_FOUND.
pub async fn get(deps: &BillingDeps, actor: &Actor, id: Uuid) -> ApiResult<InvoiceRow> {
    let mut conn = deps.pool.get().await?;
    db::invoices::get(&mut conn, actor.account_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice"))
}

/// The acting account's invoices after `(closed_at, id)` (newest first), and how many it has.
pub async fn list(
    deps: &BillingDeps,
    actor: &Actor,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<(Vec<InvoiceRow>, i64)> {
    let mut conn = deps.pool.get().await?;
    let rows = db::invoices::page(&mut conn, actor.account_id, after, limit).await?;
    let total = db::invoices::count(&mut conn, actor.account_id).await?;
    Ok((rows, total))
}
