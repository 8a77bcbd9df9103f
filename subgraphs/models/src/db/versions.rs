//! The `models.model_versions` table: immutable versions of what runs.

use super::{rows::VersionRow, schema::model_versions};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts a version.
pub async fn insert(conn: &mut AsyncPgConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(model_versions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Versions by `(model_id, version)`.
pub async fn by_numbers(
    conn: &mut AsyncPgConnection,
    keys: &[(Uuid, i32)],
) -> QueryResult<Vec<VersionRow>> {
    let model_ids: Vec<Uuid> = keys.iter().map(|(m, _)| *m).collect();
    let numbers: Vec<i32> = keys.iter().map(|(_, v)| *v).collect();
    // One query for the batch; the exact pairs are picked out by the caller's map lookup.
    model_versions::table
        .filter(model_versions::model_id.eq_any(model_ids))
        .filter(model_versions::version.eq_any(numbers))
        .select(VersionRow::as_select())
        .load(conn)
        .await
}

/// Versions by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<VersionRow>> {
    model_versions::table
        .filter(model_versions::id.eq_any(ids.to_vec()))
        .select(VersionRow::as_select())
        .load(conn)
        .await
}

/// A model's versions, newest first, below version `before` when given.
pub async fn page(
    conn: &mut AsyncPgConnection,
    model_id: Uuid,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<VersionRow>> {
    let mut query = model_versions::table
        .filter(model_versions::model_id.eq(model_id))
        .select(VersionRow::as_select())
        .order(model_versions::version.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(model_versions::version.lt(before));
    }
    query.load(conn).await
}

/// Whether any version of the model has been run by a job.
pub async fn has_jobs(conn: &mut AsyncPgConnection, model_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        model_versions::table
            .filter(model_versions::model_id.eq(model_id))
            .filter(model_versions::jobs_count.gt(0)),
    ))
    .get_result(conn)
    .await
}

/// Counts one more job on a version; false when there is no such version.
pub async fn record_job(conn: &mut AsyncPgConnection, version_id: Uuid) -> QueryResult<bool> {
    diesel::update(model_versions::table.filter(model_versions::id.eq(version_id)))
        .set(model_versions::jobs_count.eq(model_versions::jobs_count + 1))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Folds a successful run's duration into the version's observed runtime (an exponential
/// moving average, weight 1/5 for the new run; the first run sets it). True when the figure
/// changed: a run that leaves the average where it was writes nothing, so that the workers
/// finishing many short runs of one version do not queue up on its row.
pub async fn record_runtime(
    conn: &mut AsyncPgConnection,
    version_id: Uuid,
    seconds: i32,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE models.model_versions SET observed_runtime_seconds = \
         CASE WHEN observed_runtime_seconds IS NULL THEN $2 \
         ELSE round((observed_runtime_seconds * 4 + $2) / 5.0)::int END \
         WHERE id = $1 AND observed_runtime_seconds IS DISTINCT FROM \
         CASE WHEN observed_runtime_seconds IS NULL THEN $2 \
         ELSE round((observed_runtime_seconds * 4 + $2) / 5.0)::int END",
    )
    .bind::<diesel::sql_types::Uuid, _>(version_id)
    .bind::<diesel::sql_types::Integer, _>(seconds)
    .execute(conn)
    .await
    .map(|n| n == 1)
}
