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
    // Through the published view: jobs pins versions with this too, as its own role.
    use super::schema::published_versions as p;
    p::table
        .filter(p::model_id.eq_any(model_ids))
        .filter(p::version.eq_any(numbers))
        .select(p::all_columns)
        .load::<VersionRow>(conn)
        .await
}

/// Versions by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<VersionRow>> {
    // Through the published view: the worker reads what a job pinned with this.
    use super::schema::published_versions as p;
    p::table
        .filter(p::id.eq_any(ids.to_vec()))
        .select(p::all_columns)
        .load::<VersionRow>(conn)
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
///
/// Through `models.count_job`, the function models publishes to jobs (which writes no
/// models table itself).
pub async fn record_job(conn: &mut AsyncPgConnection, version_id: Uuid) -> QueryResult<bool> {
    diesel::select(count_job(version_id)).get_result(conn).await
}

diesel::define_sql_function! {
    /// `models.count_job`: one more job on a version; false when there is no such version.
    #[sql_name = "models.count_job"]
    fn count_job(version: diesel::sql_types::Uuid) -> diesel::sql_types::Bool;
}

diesel::define_sql_function! {
    /// `models.record_runtime`: folds a run's seconds into the version's observed runtime.
    #[sql_name = "models.record_runtime"]
    fn record_runtime_fn(version: diesel::sql_types::Uuid, seconds: diesel::sql_types::Integer) -> diesel::sql_types::Bool;
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
    // Through `models.record_runtime`, which models publishes to jobs.
    diesel::select(record_runtime_fn(version_id, seconds))
        .get_result(conn)
        .await
}
