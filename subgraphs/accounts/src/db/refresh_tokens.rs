//! Refresh tokens (hashed) and their families.

use super::{rows::RefreshTokenRow, schema::refresh_tokens};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records an issued refresh token.
pub async fn insert(conn: &mut AsyncPgConnection, row: &RefreshTokenRow) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The refresh token with `token_hash`.
pub async fn by_hash(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The refresh token with `token_hash`, locked for this transaction.
pub async fn by_hash_for_update(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks one token used.
pub async fn mark_used(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::used_at.eq(at))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Revokes every token of `family`; returns the session revocation ids they issued.
pub async fn revoke_family(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::family_id
                .eq(family)
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
    .await?;
    refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family))
        .select(refresh_tokens::session_revocation_id)
        .load(conn)
        .await
}

/// The family of the refresh token issued with session `revocation_id`, if any.
pub async fn family_of_session(
    conn: &mut AsyncPgConnection,
    revocation_id: &str,
) -> QueryResult<Option<Uuid>> {
    refresh_tokens::table
        .filter(refresh_tokens::session_revocation_id.eq(revocation_id))
        .select(refresh_tokens::family_id)
        .first(conn)
        .await
        .optional()
}
