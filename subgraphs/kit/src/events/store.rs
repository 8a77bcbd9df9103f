//! SQL over `events.event_log`, `events.invocation_log` and `events.triggers`.

use crate::{
    db::DbPool,
    error::{ApiError, ApiResult},
};
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{BigInt, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// A claimed or listed event.
#[derive(Clone, Debug, QueryableByName)]
pub struct StoredEvent {
    /// Event id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Capture order.
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    /// Trigger name.
    #[diesel(sql_type = Text)]
    pub trigger_name: String,
    /// Schema of the table.
    #[diesel(sql_type = Text)]
    pub schema_name: String,
    /// Table name.
    #[diesel(sql_type = Text)]
    pub table_name: String,
    /// Hasura's `event` object.
    #[diesel(sql_type = Jsonb)]
    pub event: serde_json::Value,
    /// Capture time.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// Deliveries started so far (including a claimed one).
    #[diesel(sql_type = Integer)]
    pub tries: i32,
    /// `pending`, `processing`, `delivered` or `dead`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// Last failure.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
}

const COLUMNS: &str = "e.id, e.seq, e.trigger_name, e.schema_name, e.table_name, e.event, \
                       e.created_at, e.tries, e.status, e.last_error";

/// Claims up to `limit` due events of `trigger` for `worker`, leased for `lease_seconds`.
/// Ordered triggers skip events whose row has an earlier event still undelivered.
pub async fn claim(
    pool: &DbPool,
    trigger: &str,
    worker: &str,
    limit: i64,
    lease_seconds: f64,
) -> ApiResult<Vec<StoredEvent>> {
    let mut conn = pool.get().await?;
    let sql = format!(
        "WITH due AS (
            SELECT e.id FROM events.event_log e
            JOIN events.triggers t ON t.name = e.trigger_name
            WHERE e.trigger_name = $1
              AND ((e.status = 'pending' AND e.next_attempt_at <= clock_timestamp())
                   OR (e.status = 'processing' AND e.locked_until < clock_timestamp()))
              AND (NOT t.ordered OR e.row_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM events.event_log p
                    WHERE p.trigger_name = e.trigger_name AND p.row_key = e.row_key
                      AND p.status IN ('pending', 'processing') AND p.seq < e.seq))
            ORDER BY e.seq
            LIMIT $2
            FOR UPDATE OF e SKIP LOCKED
        )
        UPDATE events.event_log e
        SET status = 'processing', tries = e.tries + 1, locked_by = $3,
            locked_until = clock_timestamp() + make_interval(secs => $4)
        FROM due WHERE e.id = due.id
        RETURNING {COLUMNS}"
    );
    let mut events: Vec<StoredEvent> = diesel::sql_query(sql)
        .bind::<Text, _>(trigger)
        .bind::<BigInt, _>(limit)
        .bind::<Text, _>(worker)
        .bind::<Double, _>(lease_seconds)
        .load(&mut conn)
        .await?;
    events.sort_by_key(|e| e.seq);
    Ok(events)
}

/// Marks a claimed event delivered (no-op when the claim was lost to another dispatcher).
pub async fn mark_delivered(pool: &DbPool, id: Uuid, worker: &str) -> ApiResult<bool> {
    let mut conn = pool.get().await?;
    let updated = diesel::sql_query(
        "UPDATE events.event_log SET status = 'delivered', delivered_at = clock_timestamp(),
                locked_until = NULL, last_error = NULL
         WHERE id = $1 AND locked_by = $2 AND status = 'processing'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .execute(&mut conn)
    .await?;
    Ok(updated == 1)
}

/// Records a failed delivery: back to pending after `retry_in_seconds`, or dead when the
/// event has used up `retries`. Returns whether it is now dead.
pub async fn mark_failed(
    pool: &DbPool,
    id: Uuid,
    worker: &str,
    retries: i32,
    retry_in_seconds: f64,
    error: &str,
) -> ApiResult<bool> {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = Text)]
        status: String,
    }
    let mut conn = pool.get().await?;
    let rows: Vec<Status> = diesel::sql_query(
        "UPDATE events.event_log
         SET status = CASE WHEN tries > $3 THEN 'dead' ELSE 'pending' END,
             next_attempt_at = clock_timestamp() + make_interval(secs => $4),
             locked_until = NULL, last_error = $5
         WHERE id = $1 AND locked_by = $2 AND status = 'processing'
         RETURNING status",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(retries)
    .bind::<Double, _>(retry_in_seconds)
    .bind::<Text, _>(error)
    .load(&mut conn)
    .await?;
    Ok(rows.iter().any(|r| r.status == "dead"))
}

/// Appends to the invocation log.
pub async fn record_invocation(
    pool: &DbPool,
    event: Uuid,
    trigger: &str,
    attempt: i32,
    status: &str,
    duration_ms: i32,
    error: Option<&str>,
) -> ApiResult<()> {
    let mut conn = pool.get().await?;
    diesel::sql_query(
        "INSERT INTO events.invocation_log (event_id, trigger_name, attempt, status, duration_ms, error)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind::<SqlUuid, _>(event)
    .bind::<Text, _>(trigger)
    .bind::<Integer, _>(attempt)
    .bind::<Text, _>(status)
    .bind::<Integer, _>(duration_ms)
    .bind::<Nullable<Text>, _>(error)
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Undelivered events per trigger (pending or processing).
pub async fn pending_counts(pool: &DbPool) -> ApiResult<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Text)]
        trigger_name: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = pool.get().await?;
    let rows: Vec<Count> = diesel::sql_query(
        "SELECT trigger_name, count(*) AS n FROM events.event_log
         WHERE status IN ('pending', 'processing') GROUP BY trigger_name",
    )
    .load(&mut conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.trigger_name, r.n)).collect())
}

/// One event by id.
pub async fn get(pool: &DbPool, id: Uuid) -> ApiResult<StoredEvent> {
    let mut conn = pool.get().await?;
    let rows: Vec<StoredEvent> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM events.event_log e WHERE e.id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .load(&mut conn)
    .await?;
    rows.into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("event"))
}

/// A page of dead events (optionally of one trigger) after sequence `after`, oldest first.
pub async fn dead(
    pool: &DbPool,
    trigger: Option<&str>,
    after: i64,
    limit: i64,
) -> ApiResult<Vec<StoredEvent>> {
    let mut conn = pool.get().await?;
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM events.event_log e
         WHERE e.status = 'dead' AND ($1::text IS NULL OR e.trigger_name = $1) AND e.seq > $2
         ORDER BY e.seq LIMIT $3"
    ))
    .bind::<Nullable<Text>, _>(trigger)
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(&mut conn)
    .await?)
}

/// Puts a dead (or delivered) event back in the queue with a fresh retry budget.
pub async fn redeliver(pool: &DbPool, id: Uuid) -> ApiResult<bool> {
    let mut conn = pool.get().await?;
    let updated = diesel::sql_query(
        "UPDATE events.event_log SET status = 'pending', tries = 0, next_attempt_at = clock_timestamp(),
                locked_until = NULL, locked_by = NULL
         WHERE id = $1 AND status IN ('dead', 'delivered')",
    )
    .bind::<SqlUuid, _>(id)
    .execute(&mut conn)
    .await?;
    notify(&mut conn).await?;
    Ok(updated == 1)
}

/// Puts every dead event of `trigger` back in the queue; returns how many.
pub async fn redeliver_dead(pool: &DbPool, trigger: &str) -> ApiResult<usize> {
    let mut conn = pool.get().await?;
    let updated = diesel::sql_query(
        "UPDATE events.event_log SET status = 'pending', tries = 0, next_attempt_at = clock_timestamp(),
                locked_until = NULL, locked_by = NULL
         WHERE trigger_name = $1 AND status = 'dead'",
    )
    .bind::<Text, _>(trigger)
    .execute(&mut conn)
    .await?;
    notify(&mut conn).await?;
    Ok(updated)
}

/// Creates a MANUAL event for `trigger` with `payload` as the new row.
pub async fn invoke(pool: &DbPool, trigger: &str, payload: &serde_json::Value) -> ApiResult<Uuid> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let mut conn = pool.get().await?;
    let rows: Result<Vec<Id>, _> = diesel::sql_query("SELECT events.invoke($1, $2) AS id")
        .bind::<Text, _>(trigger)
        .bind::<Jsonb, _>(payload)
        .load(&mut conn)
        .await;
    match rows {
        Ok(rows) => {
            rows.into_iter().next().map(|r| r.id).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("events.invoke returned nothing"))
            })
        }
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("unknown event trigger") =>
        {
            Err(ApiError::not_found("event trigger"))
        }
        Err(err) => Err(err.into()),
    }
}

/// Deletes delivered events older than `days` (with their invocations) and invocation logs
/// older than `days`; returns (events, invocations) deleted.
pub async fn delete_older_than(pool: &DbPool, days: f64) -> ApiResult<(usize, usize)> {
    let mut conn = pool.get().await?;
    let invocations = diesel::sql_query(
        "DELETE FROM events.invocation_log WHERE created_at < clock_timestamp() - make_interval(secs => $1)",
    )
    .bind::<Double, _>(days * 86_400.0)
    .execute(&mut conn)
    .await?;
    let events = diesel::sql_query(
        "DELETE FROM events.event_log
         WHERE status = 'delivered' AND delivered_at < clock_timestamp() - make_interval(secs => $1)",
    )
    .bind::<Double, _>(days * 86_400.0)
    .execute(&mut conn)
    .await?;
    Ok((events, invocations))
}

/// Invocations of one event, oldest first: (attempt, status, duration ms, error).
pub async fn invocations(
    pool: &DbPool,
    event: Uuid,
) -> ApiResult<Vec<(i32, String, i32, Option<String>)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        attempt: i32,
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = Integer)]
        duration_ms: i32,
        #[diesel(sql_type = Nullable<Text>)]
        error: Option<String>,
    }
    let mut conn = pool.get().await?;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT attempt, status, duration_ms, error FROM events.invocation_log WHERE event_id = $1 ORDER BY id",
    )
    .bind::<SqlUuid, _>(event)
    .load(&mut conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.attempt, r.status, r.duration_ms, r.error))
        .collect())
}

async fn notify(conn: &mut diesel_async::AsyncPgConnection) -> ApiResult<()> {
    diesel::sql_query(format!("NOTIFY {}", super::NOTIFY_CHANNEL))
        .execute(conn)
        .await?;
    Ok(())
}
