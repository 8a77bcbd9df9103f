//! `worker.workers`: each worker's capacity and liveness.

use super::{rows::WorkerRow, schema::workers};
use chrono::Utc;
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Registers (or re-registers after a restart) a worker.
pub async fn register(conn: &mut AsyncPgConnection, row: &WorkerRow) -> QueryResult<()> {
    diesel::insert_into(workers::table)
        .values(row)
        .on_conflict(workers::id)
        .do_update()
        .set((
            workers::hostname.eq(excluded(workers::hostname)),
            workers::driver.eq(excluded(workers::driver)),
            workers::sandbox.eq(excluded(workers::sandbox)),
            workers::capacity.eq(excluded(workers::capacity)),
            workers::runtimes.eq(excluded(workers::runtimes)),
            workers::agent_id.eq(excluded(workers::agent_id)),
            workers::gpus.eq(excluded(workers::gpus)),
            workers::busy.eq(0),
            workers::started_at.eq(excluded(workers::started_at)),
            workers::last_heartbeat_at.eq(excluded(workers::last_heartbeat_at)),
            workers::stopped_at.eq(None::<chrono::DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records that a worker is alive with `busy` runs.
pub async fn heartbeat(conn: &mut AsyncPgConnection, id: &str, busy: i32) -> QueryResult<()> {
    diesel::update(workers::table.find(id))
        .set((
            workers::busy.eq(busy),
            workers::last_heartbeat_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records a worker's GPUs as it last read them.
pub async fn set_gpus(
    conn: &mut AsyncPgConnection,
    id: &str,
    gpus: serde_json::Value,
) -> QueryResult<()> {
    diesel::update(workers::table.find(id))
        .set(workers::gpus.eq(gpus))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records that a worker stopped.
pub async fn stopped(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<()> {
    diesel::update(workers::table.find(id))
        .set((
            workers::busy.eq(0),
            workers::stopped_at.eq(Some(Utc::now())),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Workers that have not stopped, or stopped less than `keep_seconds` ago, by id.
pub async fn recent(
    conn: &mut AsyncPgConnection,
    keep_seconds: i64,
) -> QueryResult<Vec<WorkerRow>> {
    let since = Utc::now() - chrono::Duration::seconds(keep_seconds);
    workers::table
        .filter(
            workers::stopped_at
                .is_null()
                .and(workers::last_heartbeat_at.gt(since))
                .or(workers::stopped_at.gt(since)),
        )
        .order(workers::id)
        .select(WorkerRow::as_select())
        .load(conn)
        .await
}
