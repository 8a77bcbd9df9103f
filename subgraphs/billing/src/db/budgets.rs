//! `billing.budgets` (one per account) and `billing.budget_alerts` (one per account and
//! period; inserting one raises the `budget_exceeded` event).

use super::{
    rows::{BudgetAlertRow, BudgetRow},
    schema::{budget_alerts, budgets},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The account's budget.
pub async fn get(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<Option<BudgetRow>> {
    budgets::table
        .find(account)
        .select(BudgetRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Sets the account's budget.
pub async fn upsert(conn: &mut AsyncPgConnection, row: &BudgetRow) -> QueryResult<()> {
    diesel::insert_into(budgets::table)
        .values(row)
        .on_conflict(budgets::account_id)
        .do_update()
        .set(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the account's budget; false when it had none.
pub async fn delete(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<bool> {
    let n = diesel::delete(budgets::table.find(account))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Records that the budget was reached in a period; false when already recorded.
pub async fn alert(conn: &mut AsyncPgConnection, row: &BudgetAlertRow) -> QueryResult<bool> {
    let n = diesel::insert_into(budget_alerts::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}
