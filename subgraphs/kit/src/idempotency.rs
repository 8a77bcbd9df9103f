//! Idempotency keys for creates. A client that retries a create after a timeout sends the
//! same key: with the same request it gets the resource the first call made (nothing is made
//! twice), with a different request `CONFLICT`. Keys belong to the acting account and one
//! operation (`createModel`, ...), and expire after [`TTL`]; then the key may be used again.
//!
//! Each subgraph keeps its keys in `<schema>.idempotency_keys` ([`Table`]). [`claim`] runs
//! first in the create's transaction: it inserts the key, whose row lock makes concurrent
//! duplicates wait until the first commits (then they find its result) or rolls back (then
//! one of them goes on as the first); [`record`] stores what the create made before commit.

use crate::{ApiError, ApiResult};
use diesel::sql_types::{Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a key is remembered.
pub const TTL: chrono::Duration = chrono::Duration::hours(24);

/// A subgraph's key table.
#[derive(Clone, Copy, Debug)]
pub struct Table(pub &'static str);

/// A client's idempotency key: 1 to [`IdempotencyKey::MAX_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key taken, in characters (the REST surfaces check headers against it too).
    pub const MAX_CHARS: usize = 200;

    /// The key of argument `field`, if one was sent.
    pub fn parse(field: &str, raw: Option<&str>) -> ApiResult<Option<Self>> {
        match raw {
            None => Ok(None),
            Some(key) if key.is_empty() || key.chars().count() > Self::MAX_CHARS => {
                Err(ApiError::bad_input(
                    field,
                    format!("an idempotency key has 1 to {} characters", Self::MAX_CHARS),
                ))
            }
            Some(key) => Ok(Some(Self(key.to_owned()))),
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stable hash of a create's request (what a retry must repeat).
pub fn request_hash(request: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(request.to_string().as_bytes()))
}

/// What [`claim`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: go on and [`record`] what is made.
    New,
    /// The same request was made with this key: its resource.
    Done(Uuid),
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    request_hash: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    resource_id: Option<Uuid>,
}

/// Claims `key` of `owner` for `operation` with `request_hash`, inside the create's
/// transaction. CONFLICT when the key was used with another request.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    table: Table,
    owner: Uuid,
    operation: &str,
    key: &IdempotencyKey,
    request_hash: &str,
) -> ApiResult<Claim> {
    let Table(table) = table;
    // An expired key starts over.
    diesel::sql_query(format!(
        "DELETE FROM {table} WHERE owner_id = $1 AND operation = $2 AND key = $3 \
         AND expires_at <= now()"
    ))
    .bind::<SqlUuid, _>(owner)
    .bind::<Text, _>(operation)
    .bind::<Text, _>(key.as_str())
    .execute(conn)
    .await?;
    // A concurrent first call holds the row: this waits until it commits or rolls back.
    let inserted = diesel::sql_query(format!(
        "INSERT INTO {table} (owner_id, operation, key, request_hash, expires_at) \
         VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) ON CONFLICT DO NOTHING"
    ))
    .bind::<SqlUuid, _>(owner)
    .bind::<Text, _>(operation)
    .bind::<Text, _>(key.as_str())
    .bind::<Text, _>(request_hash)
    .bind::<Integer, _>(TTL.num_hours() as i32)
    .execute(conn)
    .await?;
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let found: Found = diesel::sql_query(format!(
        "SELECT request_hash, resource_id FROM {table} \
         WHERE owner_id = $1 AND operation = $2 AND key = $3"
    ))
    .bind::<SqlUuid, _>(owner)
    .bind::<Text, _>(operation)
    .bind::<Text, _>(key.as_str())
    .get_result(conn)
    .await?;
    if found.request_hash != request_hash {
        return Err(ApiError::Conflict(format!(
            "idempotency key `{}` was used for a different {operation} request; use a new key",
            key.as_str()
        )));
    }
    found.resource_id.map(Claim::Done).ok_or_else(|| {
        ApiError::Conflict("the first request with this idempotency key is still running".into())
    })
}

/// Records the resource the create made under `key` (in the same transaction as [`claim`]).
pub async fn record(
    conn: &mut AsyncPgConnection,
    table: Table,
    owner: Uuid,
    operation: &str,
    key: &IdempotencyKey,
    resource: Uuid,
) -> ApiResult<()> {
    let Table(table) = table;
    diesel::sql_query(format!(
        "UPDATE {table} SET resource_id = $4 WHERE owner_id = $1 AND operation = $2 AND key = $3"
    ))
    .bind::<SqlUuid, _>(owner)
    .bind::<Text, _>(operation)
    .bind::<Text, _>(key.as_str())
    .bind::<SqlUuid, _>(resource)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes up to `limit` expired keys of `table`; how many (the retention sweep's job).
pub async fn delete_expired(
    conn: &mut AsyncPgConnection,
    table: Table,
    limit: i64,
) -> ApiResult<usize> {
    let Table(table) = table;
    Ok(diesel::sql_query(format!(
        "DELETE FROM {table} WHERE ctid IN \
         (SELECT ctid FROM {table} WHERE expires_at <= now() LIMIT $1)"
    ))
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(conn)
    .await?)
}

/// The retention sweep of a subgraph whose only expiring data is its idempotency keys.
pub async fn sweep_keys(
    pool: &crate::db::DbPool,
    table: Table,
    config: &crate::retention::RetentionConfig,
) -> ApiResult<crate::retention::Swept> {
    let removed = crate::retention::in_batches(config, |limit| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await?;
            delete_expired(&mut conn, table, limit).await
        }
    })
    .await?;
    Ok(vec![("idempotency_keys", removed)])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_have_one_to_two_hundred_characters() {
        assert_eq!(IdempotencyKey::parse("k", None).unwrap(), None);
        assert!(IdempotencyKey::parse("k", Some("")).is_err());
        assert!(IdempotencyKey::parse("k", Some(&"x".repeat(201))).is_err());
        assert_eq!(
            IdempotencyKey::parse("k", Some("retry-1"))
                .unwrap()
                .unwrap()
                .as_str(),
            "retry-1"
        );
    }

    #[test]
    fn the_request_hash_follows_the_request() {
        let a = request_hash(&serde_json::json!({"name": "a"}));
        assert_eq!(a, request_hash(&serde_json::json!({"name": "a"})));
        assert_ne!(a, request_hash(&serde_json::json!({"name": "b"})));
    }
}
