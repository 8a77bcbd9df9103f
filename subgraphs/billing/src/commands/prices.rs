//! Prices: seeded from config at start, changed by admins from a time on (never before now,
//! so recorded usage is never re-priced), listed for everyone.

use crate::{
    BillingDeps,
    db::{self, rows::PriceRow},
    domain::{PriceItem, PricePoint},
};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope};
use uuid::Uuid;

/// Writes the configured prices of items that have none yet, effective from the epoch.
pub async fn seed(deps: &BillingDeps) -> ApiResult<()> {
    let mut conn = deps.pool.get().await?;
    let seeds = &deps.config.prices;
    let mut items: Vec<(PriceItem, i64)> = seeds
        .machine
        .iter()
        .map(|(name, amount)| (PriceItem::Machine(name.clone()), *amount))
        .collect();
    items.push((PriceItem::Storage, seeds.storage));
    items.push((PriceItem::FreeAllowance, seeds.free_allowance));
    for (item, amount) in items {
        let item = item.to_string();
        if PriceItem::parse(&item).is_none() || amount < 0 {
            return Err(ApiError::internal(anyhow::anyhow!(
                "billing.prices: `{item}` = {amount} is not a valid price"
            )));
        }
        if !db::prices::has_item(&mut conn, &item).await? {
            db::prices::insert(
                &mut conn,
                &PriceRow {
                    id: Uuid::now_v7(),
                    item,
                    amount,
                    effective_from: DateTime::UNIX_EPOCH,
                    created_at: Utc::now(),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Adds a price of `item` from `effective_from` (now when absent); admin scope only.
pub async fn set_price(
    deps: &BillingDeps,
    actor: &Actor,
    item: PriceItem,
    amount: i64,
    effective_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<PriceRow> {
    actor.require_scope(Scope::Admin)?;
    if amount < 0 {
        return Err(ApiError::bad_input("amount", "a price cannot be negative"));
    }
    let effective_from = effective_from.unwrap_or(now);
    // A price from the past would re-price usage that may already be recorded or invoiced.
    if effective_from < now - chrono::Duration::seconds(1) {
        return Err(ApiError::bad_input(
            "effectiveFrom",
            "a price applies from now or a later time, never from the past",
        ));
    }
    let row = PriceRow {
        id: Uuid::now_v7(),
        item: item.to_string(),
        amount,
        effective_from,
        created_at: now,
    };
    let mut conn = deps.pool.get().await?;
    if !db::prices::insert(&mut conn, &row).await? {
        return Err(ApiError::Conflict(format!(
            "{} already has a price from {}",
            row.item,
            effective_from.to_rfc3339()
        )));
    }
    Ok(row)
}

/// Every price row (past, current and scheduled), by item.
pub async fn list(deps: &BillingDeps) -> ApiResult<Vec<PriceRow>> {
    let mut conn = deps.pool.get().await?;
    Ok(db::prices::all(&mut conn).await?)
}

/// The price points of `item`, oldest first.
pub async fn points(conn: &mut AsyncPgConnection, item: &PriceItem) -> ApiResult<Vec<PricePoint>> {
    Ok(db::prices::of_item(conn, &item.to_string())
        .await?
        .into_iter()
        .map(|p| PricePoint {
            from: p.effective_from,
            amount: p.amount,
        })
        .collect())
}
