//! `jobs.deployments`.

use super::{rows::DeploymentRow, schema::deployments};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts a deployment unless the owner already used its idempotency key; true when it
/// was inserted.
pub async fn insert(conn: &mut AsyncPgConnection, row: &DeploymentRow) -> QueryResult<bool> {
    diesel::insert_into(deployments::table)
        .values(row)
        .on_conflict((deployments::owner_id, deployments::idempotency_key))
        .do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// The owner's deployment made with `key`.
pub async fn by_key(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    key: &str,
) -> QueryResult<Option<DeploymentRow>> {
    deployments::table
        .filter(deployments::owner_id.eq(owner))
        .filter(deployments::idempotency_key.eq(key))
        .select(DeploymentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Deployments by id, any owner (loaders check ownership).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<DeploymentRow>> {
    deployments::table
        .filter(deployments::id.eq_any(ids.to_vec()))
        .select(DeploymentRow::as_select())
        .load(conn)
        .await
}

/// One page of the owner's deployments, newest first, after the cursor.
pub async fn page(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DeploymentRow>> {
    let mut query = deployments::table
        .filter(deployments::owner_id.eq(owner))
        .select(DeploymentRow::as_select())
        .order((deployments::created_at.desc(), deployments::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            deployments::created_at
                .lt(at)
                .or(deployments::created_at.eq(at).and(deployments::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// How many deployments the owner has.
pub async fn count(conn: &mut AsyncPgConnection, owner: Uuid) -> QueryResult<i64> {
    deployments::table
        .filter(deployments::owner_id.eq(owner))
        .count()
        .get_result(conn)
        .await
}
