//! `billing.budgets` (one per account) and `billing.budget_alerts` (one per account and
//! period; inserting one raises the `budget_exceeded` event).

use super::{
    rows::{BudgetAlertRow, BudgetRow},
    schema::{budget_alerts, budgets},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The account's budget (through `billing.budget_limits`: budget admission reads it in the
/// jobs service's deploying transaction).
pub async fn get(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<Option<BudgetRow>> {
    use super::schema::budget_limits as b;
    b::table
        .find(account)
        .select(b::all_columns)
        .first::<BudgetRow>(conn)
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

/// Waits for any other admission of `account` in flight (until this transaction ends).
pub async fn lock_admissions(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('mm-budget:' || $1::text, 0))")
        .bind::<diesel::sql_types::Uuid, _>(account)
        .execute(conn)
        .await
        .map(|_| ())
}

/// What one run of a model version takes: its machines and expected seconds.
#[derive(Clone, Debug, QueryableByName)]
pub struct RunShape {
    /// Machine type.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub machine_type: String,
    /// Machines per run.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub machine_count: i32,
    /// The version's observed runtime, else the model's expected one.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    pub seconds: Option<i32>,
}

/// Through `models.run_shapes`, which models publishes.
const RUN_SHAPE: &str = "SELECT r.machine_type, r.machine_count, r.expected_seconds AS seconds \
     FROM models.run_shapes r";

/// The run shape of every queued, scheduled or running job of `account`.
pub async fn active_runs(
    conn: &mut AsyncPgConnection,
    account: Uuid,
) -> QueryResult<Vec<RunShape>> {
    diesel::sql_query(format!(
        "{RUN_SHAPE} JOIN jobs.active_jobs j ON j.model_version_id = r.version_id \
         WHERE j.owner_id = $1"
    ))
    .bind::<diesel::sql_types::Uuid, _>(account)
    .load(conn)
    .await
}

/// The run shape of model version `version`.
pub async fn version_run(
    conn: &mut AsyncPgConnection,
    version: Uuid,
) -> QueryResult<Option<RunShape>> {
    diesel::sql_query(format!("{RUN_SHAPE} WHERE r.version_id = $1"))
        .bind::<diesel::sql_types::Uuid, _>(version)
        .get_result(conn)
        .await
        .optional()
}
