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
        "SELECT owner_id, owner_kind FROM jobs.worker_leases
         WHERE job_id = $1 AND worker_id = $2 AND attempt = $3 AND lease_expires_at > now()",
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
    let rows: Vec<ArgValue> =
        diesel::sql_query("SELECT value FROM jobs.active_job_arguments WHERE job_id = $1")
            .bind::<SqlUuid, _>(job)
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|r| r.value).collect())
}
