//! `billing.invoices` and their lines: inserted once per account and period (a trigger
//! refuses any change afterwards).

use super::{
    rows::{InvoiceLineRow, InvoiceRow},
    schema::{invoice_lines, invoices},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts an invoice with its lines; false (and nothing written) when the account's period
/// already has one.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    invoice: &InvoiceRow,
    lines: &[InvoiceLineRow],
) -> QueryResult<bool> {
    let n = diesel::insert_into(invoices::table)
        .values(invoice)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if n == 0 {
        return Ok(false);
    }
    diesel::insert_into(invoice_lines::table)
        .values(lines)
        .execute(conn)
        .await?;
    Ok(true)
}

/// Whether the account's period starting `period_start` has an invoice.
pub async fn exists(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    period_start: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        invoices::table
            .filter(invoices::account_id.eq(account))
            .filter(invoices::period_start.eq(period_start)),
    ))
    .get_result(conn)
    .await
}

/// An account's invoice by id.
pub async fn get(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    id: Uuid,
) -> QueryResult<Option<InvoiceRow>> {
    invoices::table
        .filter(invoices::id.eq(id))
        .filter(invoices::account_id.eq(account))
        .select(InvoiceRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A page of an account's invoices, newest period first, after `(closed_at, id)`.
pub async fn page(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<InvoiceRow>> {
    let mut query = invoices::table
        .filter(invoices::account_id.eq(account))
        .select(InvoiceRow::as_select())
        .order((invoices::closed_at.desc(), invoices::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            invoices::closed_at
                .lt(at)
                .or(invoices::closed_at.eq(at).and(invoices::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// How many invoices an account has.
pub async fn count(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<i64> {
    invoices::table
        .filter(invoices::account_id.eq(account))
        .count()
        .get_result(conn)
        .await
}

/// The lines of invoices, in order.
pub async fn lines_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<InvoiceLineRow>> {
    invoice_lines::table
        .filter(invoice_lines::invoice_id.eq_any(ids))
        .order((invoice_lines::invoice_id, invoice_lines::position))
        .select(InvoiceLineRow::as_select())
        .load(conn)
        .await
}
