//! `jobs.callback_attempts` and `jobs.webhook_secrets`.

use super::{
    rows::{CallbackAttemptRow, NewCallbackAttempt},
    schema::{callback_attempts, webhook_secrets},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records one delivery attempt.
pub async fn record(conn: &mut AsyncPgConnection, attempt: &NewCallbackAttempt) -> QueryResult<()> {
    diesel::insert_into(callback_attempts::table)
        .values(attempt)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Attempts on jobs, oldest first.
pub async fn of_jobs(
    conn: &mut AsyncPgConnection,
    jobs: &[Uuid],
) -> QueryResult<Vec<CallbackAttemptRow>> {
    callback_attempts::table
        .filter(callback_attempts::job_id.eq_any(jobs.to_vec()))
        .order(callback_attempts::id.asc())
        .select(CallbackAttemptRow::as_select())
        .load(conn)
        .await
}

/// Whether a delivery (`webhook_id`) already succeeded (a redelivered event sends nothing).
pub async fn delivered(conn: &mut AsyncPgConnection, webhook_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        callback_attempts::table
            .filter(callback_attempts::webhook_id.eq(webhook_id))
            .filter(callback_attempts::status_code.between(200, 299)),
    ))
    .get_result(conn)
    .await
}

/// The owner's stored (sealed) signing secret, if it has one.
pub async fn stored_secret(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
) -> QueryResult<Option<String>> {
    webhook_secrets::table
        .filter(webhook_secrets::owner_id.eq(owner))
        .select(webhook_secrets::secret)
        .first(conn)
        .await
        .optional()
}

/// The owner's stored (sealed) signing secret, created as `new_secret` on first use.
pub async fn secret(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    new_secret: &str,
) -> QueryResult<String> {
    diesel::insert_into(webhook_secrets::table)
        .values((
            webhook_secrets::owner_id.eq(owner),
            webhook_secrets::secret.eq(new_secret),
        ))
        .on_conflict(webhook_secrets::owner_id)
        .do_nothing()
        .execute(conn)
        .await?;
    webhook_secrets::table
        .filter(webhook_secrets::owner_id.eq(owner))
        .select(webhook_secrets::secret)
        .first(conn)
        .await
}

/// Replaces the stored secret `old` of the owner with `new` (false when it changed meanwhile).
pub async fn reseal(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    old: &str,
    new: &str,
) -> QueryResult<bool> {
    diesel::update(
        webhook_secrets::table
            .filter(webhook_secrets::owner_id.eq(owner))
            .filter(webhook_secrets::secret.eq(old)),
    )
    .set(webhook_secrets::secret.eq(new))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Replaces the owner's signing secret.
pub async fn rotate(conn: &mut AsyncPgConnection, owner: Uuid, secret: &str) -> QueryResult<()> {
    diesel::insert_into(webhook_secrets::table)
        .values((
            webhook_secrets::owner_id.eq(owner),
            webhook_secrets::secret.eq(secret),
        ))
        .on_conflict(webhook_secrets::owner_id)
        .do_update()
        .set(webhook_secrets::secret.eq(secret))
        .execute(conn)
        .await
        .map(|_| ())
}
