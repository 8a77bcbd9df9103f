//! Subscriptions: `jobUpdated(id)`, `jobLogs(id, after)` and `myJobs`. `jobUpdated` and
//! `myJobs` take the states the instance's shared dispatcher reads ([`crate::watch`]: one
//! read per changed job, however many subscribe); `jobLogs` listens to the hub's signals
//! *before* reading Postgres (so no line falls between the read and the subscription) and
//! reads from its cursor on every signal, with a re-read every few seconds as a backstop. A
//! producer task per subscription stops when the client leaves.

use super::{
    subscription_guard::{SubscriptionPermit, guarded},
    types::{Job, JobLogLine, parse_id},
};
use crate::{
    JobsDeps, commands,
    db::rows::JobRow,
    domain::JobStatus,
    pubsub::{Signal, job_channel, logs_channel},
    watch::{JobState, Watches},
};
use async_graphql::{Context, ID, Subscription};
use futures::Stream;
use mediamagic_kit::{ActorExt, ApiError};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

/// Log lines read per query.
const LOG_BATCH: i64 = 500;

/// Root subscription type.
#[derive(Default)]
pub struct JobsSubscription;

/// A permit for one more subscription of the acting account (RATE_LIMITED past the cap).
fn permit(deps: &JobsDeps, actor: &mediamagic_kit::Actor) -> Result<SubscriptionPermit, ApiError> {
    deps.subscriptions
        .acquire(actor.account_id, deps.config.max_subscriptions_per_account)
}

/// Waits for a signal on one of `channels` (a lagging receiver counts as one), or the
/// backstop interval; `None` when the producer should stop (the client left).
async fn wake<T>(
    signals: &mut broadcast::Receiver<Signal>,
    channels: &[String],
    client: &mpsc::Sender<T>,
    poll: Duration,
) -> Option<Option<String>> {
    let signal = async {
        loop {
            match signals.recv().await {
                Ok((channel, payload)) if channels.contains(&channel) => return Some(payload),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return None,
                Err(broadcast::error::RecvError::Closed) => {
                    std::future::pending::<()>().await;
                }
            }
        }
    };
    tokio::select! {
        _ = client.closed() => None,
        payload = signal => Some(payload),
        // Without a signal the state is re-read anyway (often while signals are down).
        _ = tokio::time::sleep(poll) => Some(None),
    }
}

fn is_terminal(job: &JobRow) -> bool {
    JobStatus::parse(&job.status).is_some_and(JobStatus::is_terminal)
}

#[Subscription(name = "Subscription")]
impl JobsSubscription {
    /// The job's current state first, then every change of status, progress, message,
    /// outputs or cancel request; the stream completes after a terminal state.
    async fn job_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Job>>> {
        let actor = ctx.actor()?.clone();
        let deps = ctx.data::<JobsDeps>()?.clone();
        let permit = permit(&deps, &actor)?;
        let id = parse_id("id", &id)?;
        // Watched before the ownership check reads it, so no change falls in between.
        let mut states = Watches::watch_job(&deps, id);
        commands::jobs::get_job(&deps, &actor, id).await?;
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            let mut last: Option<Arc<JobState>> = None;
            loop {
                let current = states.borrow_and_update().clone();
                if let Some(state) = current
                    && last.as_deref() != Some(&*state)
                {
                    let terminal = is_terminal(&state.job);
                    last = Some(state.clone());
                    if tx.send(Job(state.job.clone())).await.is_err() || terminal {
                        return;
                    }
                }
                tokio::select! {
                    _ = tx.closed() => return,
                    changed = states.changed() => if changed.is_err() { return },
                }
            }
        });
        Ok(guarded(rx, deps, &actor, permit))
    }

    /// The job's log lines after the cursor `after` (from the start when absent), then new
    /// ones as they come; a client that reconnects with its last cursor gets exactly the
    /// lines it missed. Completes when the job has finished and every line was sent.
    async fn job_logs(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "The `cursor` of the last line received.")] after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<JobLogLine>>> {
        let actor = ctx.actor()?.clone();
        let deps = ctx.data::<JobsDeps>()?.clone();
        let permit = permit(&deps, &actor)?;
        let guard_deps = deps.clone();
        let id = parse_id("id", &id)?;
        let mut cursor = match after.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::bad_input("after", "use a cursor from a log line"))?,
        };
        let mut signals = deps.hub.subscribe();
        commands::jobs::get_job(&deps, &actor, id).await?;
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            let channels = [logs_channel(id), job_channel(id)];
            loop {
                // Whether the job had finished before this read: then the read saw every line.
                let finished = matches!(
                    commands::jobs::job_state(&deps, id).await,
                    Ok(Some((job, _))) if is_terminal(&job)
                );
                let lines = match commands::jobs::logs_after(&deps, id, cursor, LOG_BATCH).await {
                    Ok(lines) => lines,
                    Err(e) => {
                        tracing::warn!(error = ?e, "reading job logs failed");
                        Vec::new()
                    }
                };
                let full = lines.len() as i64 == LOG_BATCH;
                for line in lines {
                    cursor = line.seq;
                    if tx.send(JobLogLine(line)).await.is_err() {
                        return;
                    }
                }
                if full {
                    continue;
                }
                if finished {
                    return;
                }
                if wake(&mut signals, &channels, &tx, deps.hub.poll_interval())
                    .await
                    .is_none()
                {
                    return;
                }
            }
        });
        Ok(guarded(rx, guard_deps, &actor, permit))
    }

    /// Every change to any job of the acting account (new jobs included), as the job's
    /// current state.
    async fn my_jobs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Job>>> {
        let actor = ctx.actor()?.clone();
        let deps = ctx.data::<JobsDeps>()?.clone();
        let permit = permit(&deps, &actor)?;
        let mut changes = Watches::follow_account(&deps, actor.account_id);
        let (tx, rx) = mpsc::channel(64);
        let producer_deps = deps.clone();
        tokio::spawn(async move {
            let deps = producer_deps;
            let mut seen: HashMap<Uuid, Arc<JobRow>> = HashMap::new();
            loop {
                let jobs: Vec<Arc<JobRow>> = tokio::select! {
                    _ = tx.closed() => return,
                    change = changes.recv() => match change {
                        Ok(job) => vec![job],
                        // Missed changes: re-read the account's recently active jobs.
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            match commands::jobs::recently_active(&deps, actor.account_id).await {
                                Ok(recent) => recent.into_iter().map(Arc::new).collect(),
                                Err(_) => Vec::new(),
                            }
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                };
                for job in jobs {
                    let id = job.id;
                    if job.owner_id != actor.account_id || seen.get(&id) == Some(&job) {
                        continue;
                    }
                    if seen.len() > 10_000 {
                        seen.clear();
                    }
                    seen.insert(id, job.clone());
                    if tx.send(Job((*job).clone())).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(guarded(rx, deps, &actor, permit))
    }
}
