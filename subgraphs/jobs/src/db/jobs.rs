//! `jobs.jobs` and `jobs.job_control`: job state, and the queue (claims with
//! `FOR UPDATE SKIP LOCKED`, fair share between accounts, leases).

use super::{
    rows::{ControlRow, JobRow},
    schema::{deployments, job_control, jobs},
};
use crate::domain::Lease;
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Integer, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts a job and its control row.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    job: &JobRow,
    control: &ControlRow,
) -> QueryResult<()> {
    diesel::insert_into(jobs::table)
        .values(job)
        .execute(conn)
        .await?;
    diesel::insert_into(job_control::table)
        .values(control)
        .execute(conn)
        .await?;
    Ok(())
}

/// Jobs by id, any owner (loaders check ownership).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<JobRow>> {
    jobs::table
        .filter(jobs::id.eq_any(ids.to_vec()))
        .select(JobRow::as_select())
        .load(conn)
        .await
}

/// Control rows by job id.
pub async fn controls(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<ControlRow>> {
    job_control::table
        .filter(job_control::job_id.eq_any(ids.to_vec()))
        .select(ControlRow::as_select())
        .load(conn)
        .await
}

/// Job `id` joined with its control row.
#[diesel::dsl::auto_type(no_type_alias)]
fn job_and_control(id: Uuid) -> _ {
    let both: (
        diesel::dsl::AsSelect<JobRow, diesel::pg::Pg>,
        diesel::dsl::AsSelect<ControlRow, diesel::pg::Pg>,
    ) = (JobRow::as_select(), ControlRow::as_select());
    jobs::table
        .inner_join(job_control::table)
        .filter(jobs::id.eq(id))
        .select(both)
}

/// A job and its control row, locked for a change.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<(JobRow, ControlRow)>> {
    job_and_control(id)
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Jobs of deployments, newest first.
pub async fn of_deployments(
    conn: &mut AsyncPgConnection,
    deployment_ids: &[Uuid],
) -> QueryResult<Vec<JobRow>> {
    jobs::table
        .filter(jobs::deployment_id.eq_any(deployment_ids.to_vec()))
        .order(jobs::created_at.desc())
        .select(JobRow::as_select())
        .load(conn)
        .await
}

/// Filters of the jobs list; all given ones apply.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    /// In one of these statuses (any when empty).
    pub statuses: Vec<String>,
    /// Of deployments of this model.
    pub model_id: Option<Uuid>,
    /// Of this deployment.
    pub deployment_id: Option<Uuid>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
}

fn filtered<'a>(owner: Uuid, filter: &JobFilter) -> jobs::BoxedQuery<'a, diesel::pg::Pg> {
    let mut query = jobs::table.filter(jobs::owner_id.eq(owner)).into_boxed();
    if !filter.statuses.is_empty() {
        query = query.filter(jobs::status.eq_any(filter.statuses.clone()));
    }
    if let Some(model) = filter.model_id {
        query = query.filter(
            jobs::deployment_id.eq_any(
                deployments::table
                    .filter(deployments::owner_id.eq(owner))
                    .filter(deployments::model_id.eq(model))
                    .select(deployments::id),
            ),
        );
    }
    if let Some(deployment) = filter.deployment_id {
        query = query.filter(jobs::deployment_id.eq(deployment));
    }
    if let Some(at) = filter.created_after {
        query = query.filter(jobs::created_at.ge(at));
    }
    if let Some(at) = filter.created_before {
        query = query.filter(jobs::created_at.lt(at));
    }
    query
}

/// One page of the owner's jobs, newest first, after the cursor.
pub async fn page(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    filter: &JobFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut query = filtered(owner, filter)
        .select(JobRow::as_select())
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .limit(limit);
    if let Some((at, id)) = after {
        query = query.filter(
            jobs::created_at
                .lt(at)
                .or(jobs::created_at.eq(at).and(jobs::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// How many of the owner's jobs match.
pub async fn count(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    filter: &JobFilter,
) -> QueryResult<i64> {
    filtered(owner, filter).count().get_result(conn).await
}

/// A row of one job id (the sweeper's selections).
#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many queued jobs of the same machine type the fair-share claim order ([`claim`])
/// takes before `id` (0 when it is next): accounts take turns, one job each per round, in
/// the order a claim picks them (fewer jobs on workers first, then the account served
/// longest ago, then the one waiting longest); within an account, oldest first. So job `k` of an account (0-based) comes
/// after every account's jobs `0..k` and after the round-`k` jobs of accounts ahead in turn.
pub async fn queue_position(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<i64> {
    diesel::sql_query(
        "WITH q AS ( \
           SELECT j.id, j.owner_id, j.queued_at, \
             row_number() OVER (PARTITION BY j.owner_id ORDER BY j.queued_at, j.id) - 1 AS k \
           FROM jobs.jobs j \
           WHERE j.status = 'queued' \
             AND j.machine_type = (SELECT machine_type FROM jobs.jobs WHERE id = $1) \
         ), active AS ( \
           SELECT owner_id, count(*) AS n FROM jobs.jobs \
           WHERE status IN ('scheduled', 'running') GROUP BY owner_id \
         ), turn AS ( \
           SELECT o.owner_id, row_number() OVER ( \
             ORDER BY coalesce(a.n, 0), t.last_claimed_at NULLS FIRST, o.first, o.owner_id) AS r \
           FROM (SELECT owner_id, min(queued_at) AS first FROM q GROUP BY owner_id) o \
           LEFT JOIN active a ON a.owner_id = o.owner_id \
           LEFT JOIN jobs.account_turns t ON t.owner_id = o.owner_id \
         ), me AS ( \
           SELECT q.k, turn.r FROM q JOIN turn ON turn.owner_id = q.owner_id WHERE q.id = $1 \
         ) \
         SELECT count(*) AS n FROM q JOIN turn ON turn.owner_id = q.owner_id, me \
         WHERE q.k < me.k OR (q.k = me.k AND turn.r < me.r)",
    )
    .bind::<SqlUuid, _>(id)
    .get_result::<Counted>(conn)
    .await
    .map(|c| c.n)
}

/// Slots live workers offer for `machine_type` and the mean run time (seconds) of its
/// jobs that succeeded in the last day, when there were any.
pub async fn throughput(
    conn: &mut AsyncPgConnection,
    machine_type: &str,
) -> QueryResult<(i64, Option<f64>)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        slots: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
        seconds: Option<f64>,
    }
    let row = diesel::sql_query(
        "SELECT \
           (SELECT coalesce(sum(coalesce((capacity ->> $1)::int, 0)), 0)::bigint \
              FROM worker.worker_capacity \
              WHERE stopped_at IS NULL AND last_heartbeat_at > now() - interval '1 minute') AS slots, \
           (SELECT avg(extract(epoch FROM finished_at - started_at))::float8 FROM jobs.jobs \
              WHERE machine_type = $1 AND status = 'succeeded' AND started_at IS NOT NULL \
                AND finished_at > now() - interval '1 day') AS seconds",
    )
    .bind::<Text, _>(machine_type)
    .get_result::<Row>(conn)
    .await?;
    Ok((row.slots, row.seconds))
}

/// Whether a live worker (a heartbeat within the last minute) offers slots of
/// `machine_type` and has `runtime` installed.
pub async fn runtime_offered(
    conn: &mut AsyncPgConnection,
    machine_type: &str,
    runtime: &str,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        offered: bool,
    }
    diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM worker.worker_capacity \
           WHERE stopped_at IS NULL AND last_heartbeat_at > now() - interval '1 minute' \
             AND coalesce((capacity ->> $1)::int, 0) > 0 AND $2 = ANY(runtimes)) AS offered",
    )
    .bind::<Text, _>(machine_type)
    .bind::<Text, _>(runtime)
    .get_result::<Row>(conn)
    .await
    .map(|row| row.offered)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// One claim of one job: `jobs.claim_batch` (migration `000023_batched_queue`) with a batch
/// of one, as a statement that returns its `id` (no row when nothing is claimable). Public
/// for the benchmark's pgbench ceiling.
pub const CLAIM_SQL: &str = "SELECT id FROM jobs.claim_batch($1, $2, $3, $4, 1, false) AS id";

/// Claims up to `limit` queued jobs of `machine_type` for `worker` in one statement
/// (`jobs.claim_batch`): fair share between accounts (fewer jobs on workers first, then the
/// account served longest ago, then the one waiting longest; accounts at `max_running` wait;
/// no account takes more than `ceil(limit / accounts waiting)` of the batch), oldest job of
/// an account first, rows locked with SKIP LOCKED. Each gets one more attempt and a lease of
/// `lease_seconds`; with `start` it is `running` at once, else `scheduled`. In the order the
/// accounts were served.
pub async fn claim_batch(
    conn: &mut AsyncPgConnection,
    machine_type: &str,
    worker: &str,
    lease_seconds: i64,
    max_running: i64,
    limit: usize,
    start: bool,
) -> QueryResult<Vec<Uuid>> {
    diesel::sql_query("SELECT id FROM jobs.claim_batch($1, $2, $3, $4, $5, $6) AS id")
        .bind::<Text, _>(machine_type)
        .bind::<BigInt, _>(max_running)
        .bind::<Text, _>(worker)
        .bind::<Integer, _>(lease_seconds as i32)
        .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX))
        .bind::<diesel::sql_types::Bool, _>(start)
        .load::<Claimed>(conn)
        .await
        .map(|rows| rows.into_iter().map(|row| row.id).collect())
}

/// Jobs with their control rows, as a claim left them (any order).
pub async fn with_controls(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(JobRow, ControlRow)>> {
    jobs::table
        .inner_join(job_control::table)
        .filter(jobs::id.eq_any(ids.to_vec()))
        .select((JobRow::as_select(), ControlRow::as_select()))
        .load(conn)
        .await
}

/// Extends the lease of `lease`'s attempt; false when that attempt no longer holds the job
/// (another worker or attempt has it, it ended, or the lease already expired).
pub async fn renew_lease(
    conn: &mut AsyncPgConnection,
    lease: &Lease,
    lease_seconds: i64,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE jobs.job_control c SET lease_expires_at = now() + make_interval(secs => $4), \
         updated_at = now() FROM jobs.jobs j \
         WHERE c.job_id = $1 AND c.worker_id = $2 AND j.id = c.job_id AND j.attempts = $3 \
           AND j.status IN ('scheduled', 'running') AND c.lease_expires_at > now()",
    )
    .bind::<SqlUuid, _>(lease.job)
    .bind::<Text, _>(&lease.worker)
    .bind::<Integer, _>(lease.attempt)
    .bind::<Integer, _>(lease_seconds as i32)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// The jobs row of `lease`'s job while that attempt holds it (this attempt, an active
/// status, and a control row naming this worker with a lease the database's clock has not
/// seen expire): the filter of a one-statement fenced write. The UPDATE locks the job row, so
/// a concurrent sweep or takeover that changes the job first makes it match nothing.
#[diesel::dsl::auto_type(no_type_alias)]
fn held<'a>(lease: &'a Lease) -> _ {
    let holder: &'a str = lease.worker.as_str();
    let job: Uuid = lease.job;
    let attempt: i32 = lease.attempt;
    let active: [&'static str; 2] = ["scheduled", "running"];
    jobs::table
        .filter(jobs::id.eq(job))
        .filter(jobs::attempts.eq(attempt))
        .filter(jobs::status.eq_any(active))
        .filter(diesel::dsl::exists(
            job_control::table
                .filter(job_control::job_id.eq(jobs::id))
                .filter(job_control::worker_id.eq(holder))
                .filter(job_control::lease_expires_at.gt(diesel::dsl::now)),
        ))
}

/// Marks the job of `lease` running (one fenced statement); None when that attempt no longer
/// holds it.
pub async fn start_held(
    conn: &mut AsyncPgConnection,
    lease: &Lease,
) -> QueryResult<Option<JobRow>> {
    diesel::update(held(lease))
        .set((
            jobs::status.eq("running"),
            jobs::started_at.eq(Some(Utc::now())),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Records progress on the job of `lease` (one fenced statement); None when that attempt no
/// longer holds it.
pub async fn progress_held(
    conn: &mut AsyncPgConnection,
    lease: &Lease,
    fraction: f64,
    message: Option<&str>,
) -> QueryResult<Option<JobRow>> {
    diesel::update(held(lease))
        .set((jobs::progress.eq(fraction), jobs::message.eq(message)))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Locks the job and its control row while `lease`'s attempt holds it: this worker, this
/// attempt, an active status and a lease that has not expired (by the database's clock).
pub async fn lock_held(
    conn: &mut AsyncPgConnection,
    lease: &Lease,
) -> QueryResult<Option<(JobRow, ControlRow)>> {
    jobs::table
        .inner_join(job_control::table)
        .filter(jobs::id.eq(lease.job))
        .filter(jobs::attempts.eq(lease.attempt))
        .filter(jobs::status.eq_any(["scheduled", "running"]))
        .filter(job_control::worker_id.eq(&lease.worker))
        .filter(job_control::lease_expires_at.gt(diesel::dsl::now))
        .select((JobRow::as_select(), ControlRow::as_select()))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// `(job, worker, attempt)` of up to `limit` scheduled or running jobs held by a worker
/// recorded as stopped (an agent revoked: its workers were stopped with it).
pub async fn held_by_stopped_workers(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(Uuid, String, i32)>> {
    #[derive(QueryableByName)]
    struct Held {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        worker_id: String,
        #[diesel(sql_type = Integer)]
        attempts: i32,
    }
    diesel::sql_query(
        "SELECT j.id, c.worker_id, j.attempts FROM jobs.jobs j \
         JOIN jobs.job_control c ON c.job_id = j.id \
         JOIN worker.worker_capacity w ON w.worker_id = c.worker_id \
         WHERE j.status IN ('scheduled', 'running') AND w.stopped_at IS NOT NULL \
         LIMIT $1",
    )
    .bind::<BigInt, _>(limit)
    .load::<Held>(conn)
    .await
    .map(|rows| {
        rows.into_iter()
            .map(|h| (h.id, h.worker_id, h.attempts))
            .collect()
    })
}

/// Jobs of `owner` that may have changed lately: active ones, and ones created or finished
/// in the last minute (what a `myJobs` stream re-reads while change signals are down).
pub async fn recently_active(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let minute_ago = Utc::now() - chrono::Duration::minutes(1);
    jobs::table
        .filter(jobs::owner_id.eq(owner))
        .filter(
            jobs::status
                .eq_any(["queued", "scheduled", "running"])
                .or(jobs::created_at.gt(minute_ago))
                .or(jobs::finished_at.gt(minute_ago)),
        )
        .order(jobs::created_at.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)
        .await
}

/// Saves a job's changed state.
pub async fn save(conn: &mut AsyncPgConnection, job: &JobRow) -> QueryResult<()> {
    diesel::update(jobs::table.filter(jobs::id.eq(job.id)))
        .set((
            jobs::status.eq(&job.status),
            jobs::progress.eq(job.progress),
            jobs::message.eq(&job.message),
            jobs::attempts.eq(job.attempts),
            jobs::error.eq(&job.error),
            jobs::outputs.eq(&job.outputs),
            jobs::started_at.eq(job.started_at),
            jobs::finished_at.eq(job.finished_at),
            jobs::result.eq(&job.result),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Saves a job's changed control row.
pub async fn save_control(conn: &mut AsyncPgConnection, control: &ControlRow) -> QueryResult<()> {
    diesel::update(job_control::table.filter(job_control::job_id.eq(control.job_id)))
        .set((
            job_control::queued_at.eq(control.queued_at),
            job_control::worker_id.eq(&control.worker_id),
            job_control::lease_expires_at.eq(control.lease_expires_at),
            job_control::cancel_requested_at.eq(control.cancel_requested_at),
            job_control::cancel_reason.eq(&control.cancel_reason),
            job_control::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Jobs on workers whose lease has expired (their worker is gone).
pub async fn expired_leases(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    job_control::table
        .inner_join(jobs::table)
        .filter(jobs::status.eq_any(["scheduled", "running"]))
        .filter(job_control::lease_expires_at.lt(Utc::now()))
        .select(jobs::id)
        .limit(limit)
        .load(conn)
        .await
}

/// Unfinished jobs past their deadline, or running past their model's timeout, without a
/// cancel request yet (or still queued).
pub async fn overdue(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    diesel::sql_query(
        "SELECT j.id FROM jobs.jobs j JOIN jobs.job_control c ON c.job_id = j.id \
         WHERE j.status IN ('queued', 'scheduled', 'running') \
         AND (j.status = 'queued' OR c.cancel_requested_at IS NULL) \
         AND (j.cancel_after < now() \
              OR (j.status = 'running' AND j.started_at + make_interval(secs => c.timeout_seconds) < now())) \
         LIMIT $1",
    )
    .bind::<BigInt, _>(limit)
    .load::<IdRow>(conn)
    .await
    .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

/// Queued jobs that waited `seconds` while no live worker offered their machine type for as
/// long (a worker's heartbeat within `seconds` with slots for it counts as offering it).
pub async fn without_capacity(
    conn: &mut AsyncPgConnection,
    seconds: i64,
    limit: i64,
) -> QueryResult<Vec<Uuid>> {
    diesel::sql_query(
        "SELECT j.id FROM jobs.jobs j JOIN jobs.job_control c ON c.job_id = j.id \
         WHERE j.status = 'queued' AND c.queued_at < now() - make_interval(secs => $1) \
         AND NOT EXISTS (SELECT 1 FROM worker.worker_capacity w \
             WHERE w.last_heartbeat_at > now() - make_interval(secs => $1) \
             AND COALESCE((w.capacity ->> j.machine_type)::int, 0) > 0) \
         LIMIT $2",
    )
    .bind::<diesel::sql_types::Double, _>(seconds as f64)
    .bind::<BigInt, _>(limit)
    .load::<IdRow>(conn)
    .await
    .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

/// `(machine type, queued, scheduled or running)` of every machine type with such jobs.
pub async fn load_by_machine_type(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(String, i64, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        machine_type: String,
        #[diesel(sql_type = BigInt)]
        queued: i64,
        #[diesel(sql_type = BigInt)]
        active: i64,
    }
    diesel::sql_query(
        "SELECT machine_type, count(*) FILTER (WHERE status = 'queued') AS queued, \
         count(*) FILTER (WHERE status IN ('scheduled', 'running')) AS active \
         FROM jobs.jobs WHERE status IN ('queued', 'scheduled', 'running') \
         GROUP BY machine_type ORDER BY machine_type",
    )
    .load::<Row>(conn)
    .await
    .map(|rows| {
        rows.into_iter()
            .map(|r| (r.machine_type, r.queued, r.active))
            .collect()
    })
}
