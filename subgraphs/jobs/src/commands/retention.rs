//! The jobs part of the retention sweep: log lines and callback attempts of finished jobs,
//! older than the owning account's policy (`accounts.retention_settings`, else the platform
//! default). Jobs themselves stay: they are the account's history and its bill.

use crate::JobsDeps;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;
use mediamagic_kit::{
    ApiResult,
    retention::{RetentionConfig, Swept, in_batches},
};

/// Deletes up to `limit` rows of `table` (keyed by `key`, with `created_at` and `job_id`)
/// of finished jobs, older than the owner's `column` days.
async fn expired(
    deps: JobsDeps,
    table: &'static str,
    key: &'static str,
    column: &'static str,
    default_days: i32,
    limit: i64,
) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    Ok(diesel::sql_query(format!(
        "DELETE FROM {table} WHERE {key} IN (
             SELECT t.{key} FROM {table} t
             JOIN jobs.jobs j ON j.id = t.job_id
             LEFT JOIN accounts.retention_settings p ON p.account_id = j.owner_id
             WHERE t.created_at < now() - make_interval(days => COALESCE(p.{column}, $1))
               AND j.status NOT IN ('queued', 'scheduled', 'running')
             LIMIT $2)"
    ))
    .bind::<Integer, _>(default_days)
    .bind::<BigInt, _>(limit)
    .execute(&mut conn)
    .await?)
}

/// Removes what the policies say is due; how many of each kind.
pub async fn sweep(deps: &JobsDeps, config: &RetentionConfig) -> ApiResult<Swept> {
    let defaults = &config.defaults;
    let logs = in_batches(config, |n| {
        expired(
            deps.clone(),
            "jobs.job_logs",
            "seq",
            "job_logs_days",
            defaults.job_logs_days,
            n,
        )
    })
    .await?;
    let attempts = in_batches(config, |n| {
        expired(
            deps.clone(),
            "jobs.callback_attempts",
            "id",
            "callback_attempts_days",
            defaults.callback_attempts_days,
            n,
        )
    })
    .await?;
    Ok(vec![("job_logs", logs), ("callback_attempts", attempts)])
}
