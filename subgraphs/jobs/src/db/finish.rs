//! The batched end of runs: many attempts' terminal states in one statement, each row fenced
//! by its own lease exactly as a single finish is (this worker, this attempt, an active
//! status, a lease the database's clock has not seen expire).

use crate::domain::Lease;
use diesel::{
    prelude::*,
    sql_types::{Array, Integer, Jsonb, Nullable, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One attempt's terminal state, as the batch writes it.
#[derive(Clone, Debug)]
pub struct Ending {
    /// The attempt that ends.
    pub lease: Lease,
    /// `succeeded` or `failed`.
    pub status: &'static str,
    /// Output media of a success.
    pub outputs: Vec<Uuid>,
    /// The checked structured result of a success.
    pub result: Option<serde_json::Value>,
    /// The error object of a failure.
    pub error: Option<serde_json::Value>,
}

#[derive(QueryableByName)]
struct Ended {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Writes every ending whose attempt still holds its job, in one statement: the job's
/// terminal state (its `job_status`/`job_usage` events are captured in the same statement) and
/// its control row released. Returns the ids written; an ending missing from them lost its
/// lease and changed nothing.
pub async fn end_runs(conn: &mut AsyncPgConnection, endings: &[Ending]) -> QueryResult<Vec<Uuid>> {
    if endings.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = endings.iter().map(|e| e.lease.job).collect();
    let workers: Vec<&str> = endings.iter().map(|e| e.lease.worker.as_str()).collect();
    let attempts: Vec<i32> = endings.iter().map(|e| e.lease.attempt).collect();
    let statuses: Vec<&str> = endings.iter().map(|e| e.status).collect();
    let outputs: Vec<serde_json::Value> = endings
        .iter()
        .map(|e| serde_json::json!(e.outputs))
        .collect();
    let results: Vec<Option<serde_json::Value>> =
        endings.iter().map(|e| e.result.clone()).collect();
    let errors: Vec<Option<serde_json::Value>> = endings.iter().map(|e| e.error.clone()).collect();
    diesel::sql_query(
        "WITH ending AS ( \
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::text[], $5::jsonb[], \
                                $6::jsonb[], $7::jsonb[]) \
             AS e(id, worker, attempt, status, outputs, result, error) \
         ), ended AS ( \
           UPDATE jobs.jobs j SET status = e.status, finished_at = now(), \
             progress = CASE WHEN e.status = 'succeeded' THEN 1 ELSE j.progress END, \
             outputs = CASE WHEN e.status = 'succeeded' \
               THEN ARRAY(SELECT jsonb_array_elements_text(e.outputs)::uuid) ELSE j.outputs END, \
             result = CASE WHEN e.status = 'succeeded' THEN e.result ELSE j.result END, \
             error = coalesce(e.error, j.error) \
           FROM ending e, jobs.job_control c \
           WHERE j.id = e.id AND j.attempts = e.attempt AND j.status IN ('scheduled', 'running') \
             AND c.job_id = j.id AND c.worker_id = e.worker AND c.lease_expires_at > now() \
           RETURNING j.id \
         ), released AS ( \
           UPDATE jobs.job_control c SET worker_id = NULL, lease_expires_at = NULL, \
             updated_at = now() \
           FROM ended WHERE c.job_id = ended.id \
         ) \
         SELECT id FROM ended",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(workers)
    .bind::<Array<Integer>, _>(attempts)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Array<Jsonb>, _>(outputs)
    .bind::<Array<Nullable<Jsonb>>, _>(results)
    .bind::<Array<Nullable<Jsonb>>, _>(errors)
    .load::<Ended>(conn)
    .await
    .map(|rows| rows.into_iter().map(|row| row.id).collect())
}
