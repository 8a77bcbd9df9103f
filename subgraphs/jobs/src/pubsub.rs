//! Change signals over Redis pub/sub, so every jobs instance (and the worker) hears about
//! every change. Messages only say *what* changed; the state itself is always read from
//! Postgres. Each instance holds one pattern subscription and fans messages out in process.

use futures::StreamExt;
use mediamagic_kit::redis::ConnectionManager;
use std::time::Duration;
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

/// Publishes signals and hands out in-process subscriptions.
#[derive(Clone)]
pub struct Hub {
    redis: ConnectionManager,
    sender: broadcast::Sender<Signal>,
}

impl Hub {
    /// Subscribes (so no signal published after this returns is missed), then keeps the
    /// subscription in a task that reconnects on its own.
    pub async fn start(
        redis: ConnectionManager,
        redis_url: String,
    ) -> Result<Self, redis::RedisError> {
        let (sender, _) = broadcast::channel(4096);
        let first = subscribe(&redis_url).await?;
        let forward = sender.clone();
        tokio::spawn(async move {
            let mut messages = Some(first);
            loop {
                let stream = match messages.take() {
                    Some(stream) => stream,
                    None => match subscribe(&redis_url).await {
                        Ok(stream) => stream,
                        Err(e) => {
                            tracing::warn!(error = %e, "job signal subscription failed; retrying");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            continue;
                        }
                    },
                };
                forward_all(stream, &forward).await;
                tracing::warn!("job signal subscription lost; reconnecting");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Ok(Self { redis, sender })
    }

    /// Receives every signal from now on (filter by channel).
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    /// Publishes `payload` on `channel` (best effort: subscribers also re-read on their own).
    pub async fn publish(&self, channel: &str, payload: &str) {
        let mut redis = self.redis.clone();
        let sent: Result<i64, redis::RedisError> = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async(&mut redis)
            .await;
        if let Err(e) = sent {
            tracing::warn!(channel, error = %e, "could not publish a job signal");
        }
    }

    /// Tells idle workers of `machine_type` that a job is waiting.
    pub async fn job_queued(&self, job: Uuid, machine_type: &str) {
        self.publish(&queue_channel(machine_type), &job.to_string())
            .await;
    }

    /// Tells subscribers that a job of `owner` changed.
    pub async fn job_changed(&self, job: Uuid, owner: Uuid) {
        let id = job.to_string();
        self.publish(&job_channel(job), &id).await;
        self.publish(&account_channel(owner), &id).await;
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
