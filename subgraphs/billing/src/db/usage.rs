//! `billing.usage_lines`: written once (unique per job attempt and per storage sample),
//! read in aggregates per period, job and deployment.

use super::{rows::UsageLineRow, schema::usage_lines};
use chrono::NaiveDate;
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Date, Nullable, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts lines, skipping any already recorded; returns how many were new.
pub async fn insert(conn: &mut AsyncPgConnection, rows: &[UsageLineRow]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(usage_lines::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
}

/// Usage of one kind, machine type and model in a period.
#[derive(Clone, Debug, QueryableByName)]
pub struct UsageGroup {
    /// `job` or `storage`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The machine type (jobs).
    #[diesel(sql_type = Nullable<Text>)]
    pub machine_type: Option<String>,
    /// The model's name (jobs).
    #[diesel(sql_type = Nullable<Text>)]
    pub model_name: Option<String>,
    /// Machine-milliseconds or byte-hours.
    #[diesel(sql_type = BigInt)]
    pub quantity: i64,
    /// Micro-units.
    #[diesel(sql_type = BigInt)]
    pub micros: i64,
    /// Lines (job attempts or samples).
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
}

/// An account's usage in the period starting `period_start`, grouped.
pub async fn groups(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    period_start: NaiveDate,
) -> QueryResult<Vec<UsageGroup>> {
    diesel::sql_query(
        "SELECT kind, machine_type, model_name, sum(quantity)::bigint AS quantity,
                sum(amount_micros)::bigint AS micros, count(*) AS lines
         FROM billing.period_usage WHERE account_id = $1 AND period_start = $2
         GROUP BY kind, machine_type, model_name ORDER BY kind, machine_type, model_name",
    )
    .bind::<SqlUuid, _>(account)
    .bind::<Date, _>(period_start)
    .load(conn)
    .await
}

/// Micro-units charged per key (a job or a deployment id).
#[derive(Clone, Debug, QueryableByName)]
pub struct KeyedMicros {
    /// The job or deployment.
    #[diesel(sql_type = SqlUuid)]
    pub key: Uuid,
    /// Micro-units.
    #[diesel(sql_type = BigInt)]
    pub micros: i64,
}

/// Micro-units charged to `account` for each of `jobs`.
pub async fn by_jobs(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    jobs: &[Uuid],
) -> QueryResult<Vec<KeyedMicros>> {
    diesel::sql_query(
        "SELECT job_id AS key, sum(amount_micros)::bigint AS micros FROM billing.usage_lines
         WHERE account_id = $1 AND job_id = ANY($2) GROUP BY job_id",
    )
    .bind::<SqlUuid, _>(account)
    .bind::<Array<SqlUuid>, _>(jobs)
    .load(conn)
    .await
}

/// Micro-units charged to `account` for each of `deployments`.
pub async fn by_deployments(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    deployments: &[Uuid],
) -> QueryResult<Vec<KeyedMicros>> {
    diesel::sql_query(
        "SELECT deployment_id AS key, sum(amount_micros)::bigint AS micros
         FROM billing.usage_lines WHERE account_id = $1 AND deployment_id = ANY($2)
         GROUP BY deployment_id",
    )
    .bind::<SqlUuid, _>(account)
    .bind::<Array<SqlUuid>, _>(deployments)
    .load(conn)
    .await
}

/// An account and a period it has usage in.
#[derive(Clone, Debug, QueryableByName)]
pub struct AccountPeriod {
    /// The account.
    #[diesel(sql_type = SqlUuid)]
    pub account_id: Uuid,
    /// The period's first day.
    #[diesel(sql_type = Date)]
    pub period_start: NaiveDate,
}

/// Accounts with usage in periods that began before `before` and have no invoice yet.
pub async fn uninvoiced_before(
    conn: &mut AsyncPgConnection,
    before: NaiveDate,
) -> QueryResult<Vec<AccountPeriod>> {
    diesel::sql_query(
        "SELECT DISTINCT u.account_id, u.period_start FROM billing.usage_lines u
         WHERE u.period_start < $1 AND NOT EXISTS (
             SELECT 1 FROM billing.invoices i
             WHERE i.account_id = u.account_id AND i.period_start = u.period_start)
         ORDER BY u.period_start, u.account_id",
    )
    .bind::<Date, _>(before)
    .load(conn)
    .await
}
