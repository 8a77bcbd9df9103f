//! Issued session tokens and their revocation.

use super::{rows::SessionRow, schema::sessions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records an issued session token.
pub async fn insert(conn: &mut AsyncPgConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Revokes one session; returns it when it existed.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    revocation_id: &str,
    at: DateTime<Utc>,
) -> QueryResult<Option<SessionRow>> {
    diesel::update(sessions::table.find(revocation_id))
        .set(sessions::revoked_at.eq(at))
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Revokes every live session of `user` acting as `account`; returns them.
pub async fn revoke_for(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    account: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Vec<SessionRow>> {
    diesel::update(
        sessions::table.filter(
            sessions::user_id
                .eq(user)
                .and(sessions::account_id.eq(account))
                .and(sessions::revoked_at.is_null())
                .and(sessions::expires_at.gt(at)),
        ),
    )
    .set(sessions::revoked_at.eq(at))
    .returning(SessionRow::as_returning())
    .get_results(conn)
    .await
}

/// The session with `revocation_id`, if one was issued.
pub async fn by_revocation_id(
    conn: &mut AsyncPgConnection,
    revocation_id: &str,
) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(revocation_id)
        .select(SessionRow::as_select())
        .first(conn)
        .await
        .optional()
}
