//! `billing.prices`: append-only; the price of an item at a time is its latest row from
//! before that time.

use super::{rows::PriceRow, schema::prices};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Adds a price; false when the item already has one from that instant.
pub async fn insert(conn: &mut AsyncPgConnection, row: &PriceRow) -> QueryResult<bool> {
    let n = diesel::insert_into(prices::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Whether `item` has any price.
pub async fn has_item(conn: &mut AsyncPgConnection, item: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        prices::table.filter(prices::item.eq(item)),
    ))
    .get_result(conn)
    .await
}

/// Every price of `item`, oldest first.
///
/// Through `billing.price_points`: budget admission reads it in the jobs service's
/// deploying transaction.
pub async fn of_item(conn: &mut AsyncPgConnection, item: &str) -> QueryResult<Vec<PriceRow>> {
    use super::schema::price_points as p;
    p::table
        .filter(p::item.eq(item))
        .order(p::effective_from.asc())
        .select(p::all_columns)
        .load::<PriceRow>(conn)
        .await
}

/// Every price of every item, by item and then oldest first.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PriceRow>> {
    prices::table
        .order((prices::item.asc(), prices::effective_from.asc()))
        .select(PriceRow::as_select())
        .load(conn)
        .await
}
