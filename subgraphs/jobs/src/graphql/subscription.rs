//! Subscriptions: `jobUpdated(id)`, `jobLogs(id, after)` and `myJobs`. Each one listens to
//! the hub's signals *before* reading Postgres (so no change falls between the read and the
//! subscription), re-reads the state from Postgres on every signal, and also re-reads every
//! few seconds as a backstop. A producer task per subscription stops when the client leaves.

use super::{
    subscription_guard::{SubscriptionPermit, guarded},
    types::{Job, JobLogLine, parse_id},
};
use crate::{
    JobsDeps, commands,
    db::rows::JobRow,
    domain::JobStatus,
    pubsub::{POLL_WHEN_SIGNALLED, Signal, account_channel, job_channel, logs_channel},
};
use async_graphql::{Context, ID, Subscription};
use futures::Stream;
use mediamagic_kit::{ActorExt, ApiError};
use std::{collections::HashMap, time::Duration};
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
        let guard_deps = deps.clone();
        let id = parse_id("id", &id)?;
        let mut signals = deps.hub.subscribe();
        let first = commands::jobs::get_job(&deps, &actor, id).await?;
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            let channels = [job_channel(id)];
            let mut last = first.clone();
            let mut last_cancel = false;
            if tx.send(Job(first)).await.is_err() || is_terminal(&last) {
                return;
            }
            while wake(&mut signals, &channels, &tx, deps.hub.poll_interval())
                .await
                .is_some()
            {
                let Ok(Some((job, control))) = commands::jobs::job_state(&deps, id).await else {
                    continue;
                };
                let cancel = control.is_some_and(|c| c.cancel_requested_at.is_some());
                if job == last && cancel == last_cancel {
                    continue;
                }
                last = job.clone();
                last_cancel = cancel;
                if tx.send(Job(job)).await.is_err() || is_terminal(&last) {
                    return;
                }
            }
        });
        Ok(guarded(rx, guard_deps, &actor, permit))
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
        let guard_deps = deps.clone();
        let mut signals = deps.hub.subscribe();
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            let channel = account_channel(actor.account_id);
            let mut seen: HashMap<Uuid, JobRow> = HashMap::new();
            loop {
                let poll = deps.hub.poll_interval();
                let signal = tokio::select! {
                    _ = tx.closed() => return,
                    signal = signals.recv() => Some(signal),
                    // Signals down: re-read the account's recently active jobs instead.
                    _ = tokio::time::sleep(poll), if poll < POLL_WHEN_SIGNALLED => None,
                };
                let polled = signal.is_none();
                let ids: Vec<Uuid> = match signal {
                    Some(Ok((c, payload))) if c == channel => payload.parse().into_iter().collect(),
                    Some(Ok(_)) => continue,
                    // Missed signals: re-read the jobs this subscription has seen.
                    Some(Err(broadcast::error::RecvError::Lagged(_))) => {
                        seen.keys().copied().collect()
                    }
                    Some(Err(broadcast::error::RecvError::Closed)) => return,
                    None => Vec::new(),
                };
                let mut jobs = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Ok(Some((job, _))) = commands::jobs::job_state(&deps, id).await {
                        jobs.push(job);
                    }
                }
                if polled
                    && let Ok(recent) =
                        commands::jobs::recently_active(&deps, actor.account_id).await
                {
                    jobs = recent;
                }
                for job in jobs {
                    let id = job.id;
                    if job.owner_id != actor.account_id || seen.get(&id) == Some(&job) {
                        continue;
                    }
                    if seen.len() > 10_000 {
                        seen.clear();
                    }
                    seen.insert(id, job.clone());
                    if tx.send(Job(job)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(guarded(rx, guard_deps, &actor, permit))
    }
}
