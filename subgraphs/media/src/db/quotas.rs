//! What an account stores and uploads, against its limits (`media.account_quotas`) and the
//! uploads streaming through the service now (`media.active_uploads`).

use super::{
    rows::QuotaRow,
    schema::{account_quotas, active_uploads},
};
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    prelude::*,
    sql_types::{BigInt, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// An account's stored and reserved bytes and its pending uploads.
#[derive(Clone, Debug, Default, PartialEq, Eq, QueryableByName)]
pub struct Usage {
    /// Bytes of live media.
    #[diesel(sql_type = BigInt)]
    pub stored_bytes: i64,
    /// Declared bytes of pending uploads (reserved).
    #[diesel(sql_type = BigInt)]
    pub reserved_bytes: i64,
    /// Pending uploads.
    #[diesel(sql_type = BigInt)]
    pub pending_uploads: i64,
}

/// Serialises the admissions of `account` until the transaction ends, so that two uploads
/// cannot both fit into the same free space.
pub async fn lock_account(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))")
        .bind::<SqlUuid, _>(account)
        .execute(conn)
        .await
        .map(|_| ())
}

/// `account`'s usage.
pub async fn usage(conn: &mut AsyncPgConnection, account: Uuid) -> QueryResult<Usage> {
    diesel::sql_query(
        "SELECT COALESCE(sum(size_bytes) FILTER (WHERE status = 'live'), 0)::bigint AS stored_bytes,
                COALESCE(sum(size_bytes) FILTER (WHERE status = 'pending'), 0)::bigint AS reserved_bytes,
                count(*) FILTER (WHERE status = 'pending' AND job_id IS NULL) AS pending_uploads
         FROM media.media WHERE owner_id = $1 AND status IN ('live', 'pending')",
    )
    .bind::<SqlUuid, _>(account)
    .get_result(conn)
    .await
}

/// `account`'s overrides, if an admin set any.
pub async fn overrides(
    conn: &mut AsyncPgConnection,
    account: Uuid,
) -> QueryResult<Option<QuotaRow>> {
    account_quotas::table
        .find(account)
        .select(QuotaRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Sets an account's overrides (all of them: `None` goes back to the configured value).
pub async fn set_overrides(conn: &mut AsyncPgConnection, row: &QuotaRow) -> QueryResult<()> {
    diesel::insert_into(account_quotas::table)
        .values(row)
        .on_conflict(account_quotas::account_id)
        .do_update()
        .set(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Uploads of `account` streaming now (unexpired leases).
pub async fn active(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    active_uploads::table
        .filter(active_uploads::owner_id.eq(account))
        .filter(active_uploads::expires_at.gt(now))
        .count()
        .get_result(conn)
        .await
}

/// Starts (or renews) the lease of streaming upload `id`.
pub async fn hold(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    account: Uuid,
    until: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(active_uploads::table)
        .values((
            active_uploads::id.eq(id),
            active_uploads::owner_id.eq(account),
            active_uploads::expires_at.eq(until),
        ))
        .on_conflict(active_uploads::id)
        .do_update()
        .set(active_uploads::expires_at.eq(until))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Ends the lease of streaming upload `id`, and any lease that ran out.
pub async fn release(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        active_uploads::table.filter(
            active_uploads::id
                .eq(id)
                .or(active_uploads::expires_at.lt(now)),
        ),
    )
    .execute(conn)
    .await
    .map(|_| ())
}
