//! What the media service reads of the jobs schema to serve the worker: whether a worker
//! holds a job attempt's lease right now, and the values of the job's arguments (its inputs).

use diesel::{
    QueryableByName,
    sql_types::{Integer, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The owner of a job whose lease a worker holds.
#[derive(Clone, Debug, QueryableByName)]
pub struct LeasedJob {
    /// The job's owner.
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// `user` or `team`.
    #[diesel(sql_type = Text)]
    pub owner_kind: String,
}

/// The job, when `worker` holds the lease of its attempt `attempt` and it has not ended.
pub async fn held(
    conn: &mut AsyncPgConnection,
    job: Uuid,
    worker: &str,
    attempt: i32,
) -> diesel::QueryResult<Option<LeasedJob>> {
    use diesel::OptionalExtension;
    diesel::sql_query(
        "SELECT j.owner_id, j.owner_kind FROM jobs.jobs j
         JOIN jobs.job_control c ON c.job_id = j.id
         WHERE j.id = $1 AND c.worker_id = $2 AND j.attempts = $3
           AND j.status IN ('scheduled', 'running') AND c.lease_expires_at > now()",
    )
    .bind::<SqlUuid, _>(job)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(attempt)
    .get_result(conn)
    .await
    .optional()
}

#[derive(QueryableByName)]
struct ArgValue {
    #[diesel(sql_type = Text)]
    value: String,
}

/// Every string value among the top-level arguments of the job's deployment (file
/// arguments are media ids).
pub async fn argument_values(
    conn: &mut AsyncPgConnection,
    job: Uuid,
) -> diesel::QueryResult<Vec<String>> {
    let rows: Vec<ArgValue> = diesel::sql_query(
        "SELECT a.value #>> '{}' AS value FROM jobs.jobs j
         JOIN jobs.deployments d ON d.id = j.deployment_id,
         LATERAL jsonb_each(CASE WHEN jsonb_typeof(d.args) = 'object' THEN d.args ELSE '{}' END) a
         WHERE j.id = $1 AND jsonb_typeof(a.value) = 'string'",
    )
    .bind::<SqlUuid, _>(job)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.value).collect())
}
