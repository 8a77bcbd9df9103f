//! Ends runs in batches (group commit): the runs that end while a batch is being written wait
//! for the next one, and each batch is one statement (`db::finish::end_runs`, every row
//! fenced by its own lease, its `job_status`/`job_usage` events captured in the same statement), one
//! pipelined Redis round trip for the change signals and one duration record per model
//! version. A run ending alone is written at once: batching adds no delay, it only takes
//! what piled up during the previous write.

use super::queue::lease_lost;
use crate::{
    Hub,
    db::{self, finish::Ending, rows::JobRow},
    domain::JobStatus,
};
use chrono::Utc;
use diesel_async::{AsyncConnection, RunQueryDsl, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{ApiError, ApiResult, db::DbPool};
use mediamagic_models::ModelsDeps;
use std::collections::{BTreeMap, HashMap, HashSet};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Most endings one statement writes.
const MAX_BATCH: usize = 256;

/// Endings waiting for the writer before callers are made to wait to hand theirs in.
const QUEUE_DEPTH: usize = 4096;

struct Request {
    ending: Ending,
    /// The ending run's trace context (tracing on), which its events record so that the
    /// callback continues the run's trace.
    trace: Option<String>,
    reply: oneshot::Sender<ApiResult<JobRow>>,
}

/// The handle runs end through; cloned into every `JobsDeps`. The writer task stops when
/// the last handle is dropped.
#[derive(Clone)]
pub struct Finisher {
    sender: mpsc::Sender<Request>,
}

impl Finisher {
    /// Starts the writer task (needs a Tokio runtime).
    pub fn start(pool: DbPool, hub: Hub, models: ModelsDeps) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(write_batches(receiver, pool, hub, models));
        Self { sender }
    }

    /// Ends the attempt of `ending.lease`: the job as it was written, CONFLICT when the
    /// attempt no longer held the job (nothing was written for it).
    pub(crate) async fn end(&self, ending: Ending) -> ApiResult<JobRow> {
        let (reply, answer) = oneshot::channel();
        let gone = || ApiError::Unavailable("the jobs service is shutting down; retry".into());
        let trace = mediamagic_kit::otel::enabled()
            .then(mediamagic_kit::telemetry::current_trace)
            .flatten()
            .map(|(trace_id, span_id)| {
                serde_json::json!({"trace_id": trace_id, "span_id": span_id}).to_string()
            });
        self.sender
            .send(Request {
                ending,
                trace,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn write_batches(
    mut receiver: mpsc::Receiver<Request>,
    pool: DbPool,
    hub: Hub,
    models: ModelsDeps,
) {
    let mut held_back: Vec<Request> = Vec::new();
    loop {
        let mut batch = std::mem::take(&mut held_back);
        if batch.is_empty() {
            match receiver.recv().await {
                Some(request) => batch.push(request),
                None => return,
            }
        }
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        // One ending per job per statement: a second one for the same job (a retried call)
        // goes in the next batch, where the first one's result decides it.
        let mut jobs = HashSet::new();
        let (now, later): (Vec<Request>, Vec<Request>) = batch
            .into_iter()
            .partition(|request| jobs.insert(request.ending.lease.job));
        held_back = later;
        write(&pool, &hub, &models, now).await;
    }
}

async fn write(pool: &DbPool, hub: &Hub, models: &ModelsDeps, batch: Vec<Request>) {
    let written = async {
        let mut conn = pool.get().await?;
        let ids = end_runs(&mut conn, &batch).await?;
        Ok::<_, ApiError>(db::jobs::by_ids(&mut conn, &ids).await?)
    }
    .await;
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = ?e, endings = batch.len(), "could not write the end of runs");
            for request in batch {
                let _ = request.reply.send(Err(copy(&e)));
            }
            return;
        }
    };
    let changed: Vec<(Uuid, Uuid)> = rows.iter().map(|j| (j.id, j.owner_id)).collect();
    hub.jobs_changed(&changed).await;
    record_runtimes(models, &rows).await;
    let mut by_id: HashMap<Uuid, JobRow> = rows.into_iter().map(|j| (j.id, j)).collect();
    for request in batch {
        let answer = by_id
            .remove(&request.ending.lease.job)
            .ok_or_else(lease_lost);
        let _ = request.reply.send(answer);
    }
}

/// Writes the batch's endings: one statement when no run carries a trace context (tracing
/// off), else one transaction with a statement per trace, each under its trace's setting,
/// so that every run's events record its own trace.
async fn end_runs(
    conn: &mut diesel_async::AsyncPgConnection,
    batch: &[Request],
) -> ApiResult<Vec<Uuid>> {
    let mut by_trace: BTreeMap<Option<String>, Vec<Ending>> = BTreeMap::new();
    for request in batch {
        by_trace
            .entry(request.trace.clone())
            .or_default()
            .push(request.ending.clone());
    }
    if let Some(endings) = by_trace.get(&None)
        && by_trace.len() == 1
    {
        return Ok(db::finish::end_runs(conn, endings).await?);
    }
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let mut ended = Vec::new();
            for (trace, endings) in by_trace {
                diesel::sql_query("SELECT set_config('mediamagic.trace_context', $1, true)")
                    .bind::<diesel::sql_types::Text, _>(trace.unwrap_or_default())
                    .execute(conn)
                    .await?;
                ended.extend(db::finish::end_runs(conn, &endings).await?);
            }
            Ok(ended)
        }
        .scope_boxed()
    })
    .await
}

/// The models library keeps each version's typical run time (for queue estimates): one
/// record per version per batch, of the batch's mean.
async fn record_runtimes(models: &ModelsDeps, rows: &[JobRow]) {
    let now = Utc::now();
    let mut by_version: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for job in rows {
        if job.status != JobStatus::Succeeded.as_str() {
            continue;
        }
        if let Some(started) = job.started_at {
            let seconds = (now - started).num_seconds().max(0);
            let entry = by_version.entry(job.model_version_id).or_default();
            entry.0 += seconds;
            entry.1 += 1;
        }
    }
    for (version, (total, count)) in by_version {
        let seconds = (total / count.max(1)).clamp(0, i64::from(i32::MAX)) as i32;
        if let Err(e) =
            mediamagic_models::commands::models::record_runtime(models, version, seconds).await
        {
            tracing::warn!(error = ?e, "could not record a run's duration");
        }
    }
}

/// The same error for every caller of a failed batch (internal detail stays in the log).
fn copy(error: &ApiError) -> ApiError {
    match error {
        ApiError::Unavailable(m) => ApiError::Unavailable(m.clone()),
        ApiError::Conflict(m) => ApiError::Conflict(m.clone()),
        _ => ApiError::Unavailable("the end of the run could not be recorded; retry".into()),
    }
}
