//! What billing meters, read from the views the owning subgraphs publish to it: a job with
//! its deployment and model (`jobs.billable_jobs`, `jobs.billable_deployments`,
//! `models.run_shapes`), its runs (`worker.run_usage`) and the bytes each account stores
//! (`media.stored_bytes`, `media.storage_quotas`). Read-only.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A job as billing sees it.
#[derive(Clone, Debug, QueryableByName)]
pub struct JobSource {
    /// The account it ran for.
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// Its deployment.
    #[diesel(sql_type = SqlUuid)]
    pub deployment_id: Uuid,
    /// The model's name.
    #[diesel(sql_type = Text)]
    pub model_name: String,
    /// Machines per run (of the pinned version).
    #[diesel(sql_type = Integer)]
    pub machine_count: i32,
    /// `queued` … `succeeded`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// When it finished.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
}

/// The job `id`.
pub async fn job(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<JobSource>> {
    diesel::sql_query(
        "SELECT j.owner_id, j.deployment_id, r.model_name, r.machine_count, j.status,
                j.finished_at
         FROM jobs.billable_jobs j
         JOIN models.run_shapes r ON r.version_id = j.model_version_id
         WHERE j.job_id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

/// One attempt of a job on a worker.
#[derive(Clone, Debug, QueryableByName)]
pub struct RunSource {
    /// 1, 2, …
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    /// The machine type it ran on.
    #[diesel(sql_type = Text)]
    pub machine_type: String,
    /// When it started.
    #[diesel(sql_type = Timestamptz)]
    pub started_at: DateTime<Utc>,
    /// When it ended (absent while running, or when its worker died unseen).
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
    /// `succeeded`, `failed`, `cancelled`, `infrastructure`, `released`, `lost`.
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
}

/// Every run of the job, by attempt.
pub async fn runs(conn: &mut AsyncPgConnection, job: Uuid) -> QueryResult<Vec<RunSource>> {
    diesel::sql_query(
        "SELECT attempt, machine_type, started_at, finished_at, outcome FROM worker.run_usage
         WHERE job_id = $1 ORDER BY attempt",
    )
    .bind::<SqlUuid, _>(job)
    .load(conn)
    .await
}

/// Bytes an account stores.
#[derive(Clone, Debug, QueryableByName)]
pub struct StoredBytes {
    /// The account.
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// Bytes of its live media.
    #[diesel(sql_type = BigInt)]
    pub bytes: i64,
}

/// Bytes of live media per account (accounts with none are absent).
pub async fn stored_bytes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<StoredBytes>> {
    diesel::sql_query("SELECT owner_id, bytes FROM media.stored_bytes WHERE bytes > 0")
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct AccountStorage {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    quota: Option<i64>,
}

/// The bytes of live media `account` stores now, and its own storage quota if an admin set
/// one (`media.account_quotas`).
pub async fn storage_of(
    conn: &mut AsyncPgConnection,
    account: Uuid,
) -> QueryResult<(i64, Option<i64>)> {
    let row: AccountStorage = diesel::sql_query(
        "SELECT COALESCE((SELECT bytes FROM media.stored_bytes WHERE owner_id = $1), 0)
                    ::bigint AS bytes,
                (SELECT storage_bytes FROM media.storage_quotas WHERE account_id = $1) AS quota",
    )
    .bind::<SqlUuid, _>(account)
    .get_result(conn)
    .await?;
    Ok((row.bytes, row.quota))
}

/// What a deployment's estimate needs.
#[derive(Clone, Debug, QueryableByName)]
pub struct DeploymentSource {
    /// The deployment.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Machine type of its pinned version.
    #[diesel(sql_type = Text)]
    pub machine_type: String,
    /// Machines per run.
    #[diesel(sql_type = Integer)]
    pub machine_count: i32,
    /// Observed median runtime of the version, else the model's declared runtime.
    #[diesel(sql_type = Nullable<Integer>)]
    pub expected_seconds: Option<i32>,
}

/// The account's deployments among `ids`.
pub async fn deployments(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<DeploymentSource>> {
    diesel::sql_query(
        "SELECT d.deployment_id AS id, r.machine_type, r.machine_count, r.expected_seconds
         FROM jobs.billable_deployments d
         JOIN models.run_shapes r ON r.version_id = d.model_version_id
         WHERE d.owner_id = $1 AND d.deployment_id = ANY($2)",
    )
    .bind::<SqlUuid, _>(account)
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await
}
