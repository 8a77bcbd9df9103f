//! Sign-ins through the identity provider waiting for their callback (single use).

use super::{rows::OidcLoginRow, schema::oidc_logins};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Records a sign-in that was sent to the provider.
pub async fn insert(conn: &mut AsyncPgConnection, row: &OidcLoginRow) -> QueryResult<()> {
    diesel::insert_into(oidc_logins::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Takes the unused, unexpired sign-in with `state_hash` (marking it used), if there is one.
pub async fn take(
    conn: &mut AsyncPgConnection,
    state_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<OidcLoginRow>> {
    diesel::update(
        oidc_logins::table.filter(
            oidc_logins::state_hash
                .eq(state_hash)
                .and(oidc_logins::used_at.is_null())
                .and(oidc_logins::expires_at.gt(now)),
        ),
    )
    .set(oidc_logins::used_at.eq(now))
    .returning(OidcLoginRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Deletes sign-ins that expired before `before`.
pub async fn delete_expired(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(oidc_logins::table.filter(oidc_logins::expires_at.lt(before)))
        .execute(conn)
        .await
}
