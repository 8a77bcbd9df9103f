//! Event triggers: table changes captured by `events.capture()` (see the `events` migration)
//! are delivered at least once to registered handlers, with Hasura's payload shape.
//!
//! [`dispatcher`] claims and delivers events (NOTIFY plus a slow poll, `SKIP LOCKED`
//! claims with leases, timeouts, retries with backoff and jitter, dead events); [`webhook`]
//! mounts every handler as `POST /events/<trigger>` so Hasura can deliver instead; [`store`]
//! holds the SQL; [`admin`] lists dead events, redelivers and invokes triggers (CLI and
//! admin-scoped GraphQL); [`cleanup`] removes old delivered events on a schedule.

pub mod admin;
pub mod cleanup;
pub mod dispatcher;
pub mod store;
pub mod webhook;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::{sync::Arc, time::Duration};
use uuid::Uuid;

/// The channel `events.capture()` notifies with the trigger name as payload.
pub const NOTIFY_CHANNEL: &str = "mediamagic_events";

/// An event as Hasura delivers it to a webhook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HasuraEvent {
    /// The event's id.
    pub id: Uuid,
    /// When the change was captured (RFC 3339).
    pub created_at: String,
    /// Which trigger fired.
    pub trigger: TriggerRef,
    /// The table that changed.
    pub table: TableRef,
    /// What changed.
    pub event: EventBody,
    /// Retry counters.
    pub delivery_info: DeliveryInfo,
}

/// `trigger` of a [`HasuraEvent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriggerRef {
    /// Trigger name.
    pub name: String,
}

/// `table` of a [`HasuraEvent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRef {
    /// Postgres schema.
    pub schema: String,
    /// Table name.
    pub name: String,
}

/// `event` of a [`HasuraEvent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventBody {
    /// `INSERT`, `UPDATE`, `DELETE` or `MANUAL`.
    pub op: String,
    /// Row images.
    pub data: EventData,
    /// The acting account's session variables (`x-hasura-*`), when known.
    #[serde(default)]
    pub session_variables: Option<serde_json::Value>,
    /// W3C trace context of the request that made the change, when known.
    #[serde(default)]
    pub trace_context: Option<serde_json::Value>,
}

/// Old and new row images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The row before (UPDATE, DELETE).
    pub old: Option<serde_json::Value>,
    /// The row after (INSERT, UPDATE, MANUAL).
    pub new: Option<serde_json::Value>,
}

/// `delivery_info` of a [`HasuraEvent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryInfo {
    /// 0 on the first delivery.
    pub current_retry: i32,
    /// Retries allowed after the first delivery.
    pub max_retries: i32,
}

/// Delivery settings of one trigger.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerConfig {
    /// Retries after the first delivery before the event is parked as dead.
    #[serde(default = "default_retries")]
    pub retries: i32,
    /// First retry delay, in milliseconds; doubles with each retry (with jitter).
    #[serde(default = "default_base_interval_ms")]
    pub base_interval_ms: u64,
    /// Longest delay between retries, in milliseconds (an hour when not set).
    #[serde(default)]
    pub max_interval_ms: Option<u64>,
    /// How long one delivery may take, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Deliveries of this trigger running at once in one dispatcher.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// How long a claim outlives the timeout before another dispatcher may take the event
    /// over (a dispatcher that died), in milliseconds.
    #[serde(default = "default_lease_margin_ms")]
    pub lease_margin_ms: u64,
}

impl Default for TriggerConfig {
    fn default() -> Self {
        Self {
            retries: default_retries(),
            base_interval_ms: default_base_interval_ms(),
            max_interval_ms: None,
            timeout_ms: default_timeout_ms(),
            concurrency: default_concurrency(),
            lease_margin_ms: default_lease_margin_ms(),
        }
    }
}

fn default_retries() -> i32 {
    5
}
fn default_base_interval_ms() -> u64 {
    1_000
}
fn default_timeout_ms() -> u64 {
    30_000
}
fn default_concurrency() -> usize {
    8
}
fn default_lease_margin_ms() -> u64 {
    30_000
}

impl TriggerConfig {
    /// The timeout as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// What a handler returns: `Err` asks for a retry (the message is logged and recorded).
pub type HandlerResult = Result<(), String>;

/// A handler: takes the event, may be called more than once for it (handlers are idempotent).
pub type Handler = Arc<dyn Fn(HasuraEvent) -> BoxFuture<'static, HandlerResult> + Send + Sync>;

/// A trigger a service owns: its name (as attached in a migration), settings and handler.
#[derive(Clone)]
pub struct Trigger {
    /// Name given to `events.attach`.
    pub name: String,
    /// Delivery settings.
    pub config: TriggerConfig,
    /// The handler.
    pub handler: Handler,
}

impl Trigger {
    /// A trigger with a handler written as an async closure.
    pub fn new<F, Fut>(name: &str, config: TriggerConfig, handler: F) -> Self
    where
        F: Fn(HasuraEvent) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = HandlerResult> + Send + 'static,
    {
        Self {
            name: name.to_owned(),
            config,
            handler: Arc::new(move |event| Box::pin(handler(event))),
        }
    }
}
