//! API keys.

use super::{rows::ApiKeyRow, schema::api_keys};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts a key.
pub async fn insert(conn: &mut AsyncPgConnection, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The key with this hash.
pub async fn by_hash(
    conn: &mut AsyncPgConnection,
    key_hash: &str,
) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The key `id` if it belongs to `owner`.
pub async fn owned(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: Uuid,
) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::id.eq(id).and(api_keys::owner_id.eq(owner)))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A page of `owner`'s keys, newest first, strictly after the `(created_at, id)` cursor.
pub async fn page(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ApiKeyRow>> {
    let mut query = api_keys::table
        .filter(api_keys::owner_id.eq(owner))
        .select(ApiKeyRow::as_select())
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            api_keys::created_at
                .lt(at)
                .or(api_keys::created_at.eq(at).and(api_keys::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// How many keys `owner` has.
pub async fn count(conn: &mut AsyncPgConnection, owner: Uuid) -> QueryResult<i64> {
    api_keys::table
        .filter(api_keys::owner_id.eq(owner))
        .count()
        .get_result(conn)
        .await
}

/// Marks a key revoked; a second call keeps the first revocation time.
pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(at))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Records when keys were last used.
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        api_keys::table.find(id).filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.lt(at)),
        ),
    )
    .set(api_keys::last_used_at.eq(at))
    .execute(conn)
    .await
    .map(|_| ())
}
