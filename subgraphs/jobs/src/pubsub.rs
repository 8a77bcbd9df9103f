//! Change signals over Redis pub/sub, so every jobs instance (and the worker) hears about
//! every change. Messages only say *what* changed; the state itself is always read from
//! Postgres. Each instance holds one pattern subscription and fans messages out in process.
//!
//! Signals are an accelerator, never needed for correctness: without Redis the hub starts
//! anyway, keeps trying to subscribe, and [`Hub::poll_interval`] tells subscription streams
//! and idle workers to re-read Postgres at a bounded, faster rate until signals flow again.

use futures::StreamExt;
use mediamagic_kit::redis_link::RedisLink;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Channel of one job's state.
pub fn job_channel(job: Uuid) -> String {
    format!("mm:job:{job}")
}
/// Channel of every job of one account.
pub fn account_channel(owner: Uuid) -> String {
    format!("mm:jobacct:{owner}")
}
/// Channel of one job's log lines.
pub fn logs_channel(job: Uuid) -> String {
    format!("mm:joblogs:{job}")
}
/// Channel of newly queued jobs of a machine type, which idle workers wait on (payload: the
/// job id).
pub fn queue_channel(machine_type: &str) -> String {
    format!("mm:jobqueue:{machine_type}")
}
/// Channel of cancel requests, for workers (payload: the job id).
pub const CANCEL_CHANNEL: &str = "mm:jobcancel";
const PATTERN: &str = "mm:job*";

/// One message: (channel, payload).
pub type Signal = (String, String);

/// Re-read interval of subscription streams while signals flow (a safety net).
pub const POLL_WHEN_SIGNALLED: Duration = Duration::from_secs(2);
/// Re-read interval while the signal subscription is down (Redis away).
pub const POLL_WITHOUT_SIGNALS: Duration = Duration::from_millis(500);
/// Longest the first subscription may take before `start` returns without it.
const FIRST_SUBSCRIBE_WAIT: Duration = Duration::from_secs(1);

/// Publishes signals and hands out in-process subscriptions.
#[derive(Clone)]
pub struct Hub {
    redis: RedisLink,
    sender: broadcast::Sender<Signal>,
    /// Whether the pattern subscription is up (signals arrive).
    subscribed: Arc<AtomicBool>,
}

impl Hub {
    /// Subscribes (so no signal published after this returns is missed while Redis is up),
    /// then keeps the subscription in a task that reconnects on its own. Without Redis it
    /// returns anyway after a second, and keeps trying in the background.
    pub async fn start(redis: RedisLink) -> Self {
        let (sender, _) = broadcast::channel(4096);
        let subscribed = Arc::new(AtomicBool::new(false));
        let url = redis.url().to_owned();
        let first = match tokio::time::timeout(FIRST_SUBSCRIBE_WAIT, subscribe(&url)).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "job signals unavailable; polling until Redis is back");
                None
            }
            Err(_) => {
                tracing::warn!("job signals unavailable (Redis hung); polling until it is back");
                None
            }
        };
        subscribed.store(first.is_some(), Ordering::Relaxed);
        let forward = sender.clone();
        let up = subscribed.clone();
        tokio::spawn(async move {
            let mut messages = first;
            loop {
                let stream = match messages.take() {
                    Some(stream) => stream,
                    None => match tokio::time::timeout(FIRST_SUBSCRIBE_WAIT, subscribe(&url)).await
                    {
                        Ok(Ok(stream)) => {
                            tracing::info!("job signal subscription restored");
                            stream
                        }
                        _ => {
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            continue;
                        }
                    },
                };
                up.store(true, Ordering::Relaxed);
                forward_all(stream, &forward).await;
                up.store(false, Ordering::Relaxed);
                tracing::warn!("job signal subscription lost; polling while reconnecting");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Self {
            redis,
            sender,
            subscribed,
        }
    }

    /// How often listeners should re-read Postgres without a signal: rarely while signals
    /// flow, often (still bounded) while they do not.
    pub fn poll_interval(&self) -> Duration {
        if self.subscribed.load(Ordering::Relaxed) && !self.redis.is_degraded() {
            POLL_WHEN_SIGNALLED
        } else {
            POLL_WITHOUT_SIGNALS
        }
    }

    /// The Redis link signals go through (readiness reports, metrics).
    pub fn redis(&self) -> &RedisLink {
        &self.redis
    }

    /// Receives every signal from now on (filter by channel).
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    /// Publishes `payload` on `channel` (best effort: subscribers also re-read on their own,
    /// and at once fail fast while Redis is degraded).
    pub async fn publish(&self, channel: &str, payload: &str) {
        let (channel, payload) = (channel.to_owned(), payload.to_owned());
        let sent = self
            .redis
            .run(|mut redis| async move {
                redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .query_async::<i64>(&mut redis)
                    .await
            })
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "could not publish a job signal");
        }
    }

    /// Tells idle workers of `machine_type` that a job is waiting.
    pub async fn job_queued(&self, job: Uuid, machine_type: &str) {
        self.publish(&queue_channel(machine_type), &job.to_string())
            .await;
    }

    /// Tells subscribers that a job of `owner` changed.
    pub async fn job_changed(&self, job: Uuid, owner: Uuid) {
        self.jobs_changed(&[(job, owner)]).await;
    }

    /// Tells subscribers that these jobs `(job, owner)` changed: one pipelined round trip to
    /// Redis for the whole set (a batched claim or finish), however many jobs it holds.
    pub async fn jobs_changed(&self, changed: &[(Uuid, Uuid)]) {
        if changed.is_empty() {
            return;
        }
        let messages: Vec<(String, String)> = changed
            .iter()
            .flat_map(|&(job, owner)| {
                let id = job.to_string();
                [(job_channel(job), id.clone()), (account_channel(owner), id)]
            })
            .collect();
        let sent = self
            .redis
            .run(|mut redis| async move {
                let mut pipe = redis::pipe();
                for (channel, payload) in &messages {
                    pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
                }
                pipe.query_async::<()>(&mut redis).await
            })
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "could not publish job signals");
        }
    }
}

async fn subscribe(url: &str) -> Result<redis::aio::PubSub, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.psubscribe(PATTERN).await?;
    Ok(pubsub)
}

async fn forward_all(pubsub: redis::aio::PubSub, forward: &broadcast::Sender<Signal>) {
    let mut messages = pubsub.into_on_message();
    while let Some(message) = messages.next().await {
        let channel = message.get_channel_name().to_owned();
        let payload: String = message.get_payload().unwrap_or_default();
        // No receivers is fine: nobody is subscribed on this instance right now.
        let _ = forward.send((channel, payload));
    }
}
