//! `worker.runs`: one row per attempt of a job.

use super::{rows::RunRow, schema::runs};
use chrono::Utc;
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records the start of an attempt (a given-back attempt runs again under its number);
/// earlier attempts left unfinished lost their worker.
pub async fn start(conn: &mut AsyncPgConnection, row: &RunRow) -> QueryResult<()> {
    diesel::update(
        runs::table
            .filter(runs::job_id.eq(row.job_id))
            .filter(runs::attempt.lt(row.attempt))
            .filter(runs::finished_at.is_null()),
    )
    .set((runs::finished_at.eq(Utc::now()), runs::outcome.eq("lost")))
    .execute(conn)
    .await?;
    diesel::insert_into(runs::table)
        .values(row)
        .on_conflict((runs::job_id, runs::attempt))
        .do_update()
        .set((
            runs::worker_id.eq(excluded(runs::worker_id)),
            runs::driver.eq(excluded(runs::driver)),
            runs::node.eq(None::<String>),
            runs::machine_type.eq(excluded(runs::machine_type)),
            runs::started_at.eq(excluded(runs::started_at)),
            runs::finished_at.eq(None::<chrono::DateTime<Utc>>),
            runs::outcome.eq(None::<String>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records the node an attempt runs on.
pub async fn set_node(
    conn: &mut AsyncPgConnection,
    job: Uuid,
    attempt: i32,
    node: &str,
) -> QueryResult<()> {
    diesel::update(runs::table.find((job, attempt)))
        .set(runs::node.eq(node))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records the node of an attempt's open run held by `worker_id`; `false` when there is
/// none (the run ended, or another worker holds the attempt).
pub async fn set_node_held(
    conn: &mut AsyncPgConnection,
    job: Uuid,
    attempt: i32,
    worker_id: &str,
    node: &str,
) -> QueryResult<bool> {
    diesel::update(
        runs::table
            .find((job, attempt))
            .filter(runs::worker_id.eq(worker_id))
            .filter(runs::finished_at.is_null()),
    )
    .set(runs::node.eq(node))
    .execute(conn)
    .await
    .map(|rows| rows > 0)
}

/// Records how an attempt ended (once: a run already closed keeps its end).
pub async fn finish(
    conn: &mut AsyncPgConnection,
    job: Uuid,
    attempt: i32,
    outcome: &str,
) -> QueryResult<()> {
    diesel::update(
        runs::table
            .find((job, attempt))
            .filter(runs::finished_at.is_null()),
    )
    .set((runs::finished_at.eq(Utc::now()), runs::outcome.eq(outcome)))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Every attempt of the jobs, oldest first.
pub async fn of_jobs(conn: &mut AsyncPgConnection, jobs: &[Uuid]) -> QueryResult<Vec<RunRow>> {
    runs::table
        .filter(runs::job_id.eq_any(jobs.to_vec()))
        .order((runs::job_id, runs::attempt))
        .select(RunRow::as_select())
        .load(conn)
        .await
}
