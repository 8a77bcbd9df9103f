//! The dispatcher: wakes on NOTIFY (with a slow poll as backstop), claims due events of the
//! triggers it owns with `FOR UPDATE SKIP LOCKED` and a lease, calls each handler with a
//! timeout, records every invocation, and retries failures with exponential backoff and
//! jitter until the trigger's limit, after which the event is parked as dead.
//!
//! A dispatcher that dies mid-batch loses nothing: its leases expire and another takes over.

use super::{
    DeliveryInfo, EventBody, HasuraEvent, NOTIFY_CHANNEL, TableRef, Trigger, TriggerRef, store,
};
use crate::db::DbPool;
use futures::StreamExt;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};
use rand::Rng;
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Longest pause between polls when no NOTIFY arrives.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Largest batch one claim takes.
const MAX_BATCH: usize = 100;
/// Longest retry delay.
const MAX_BACKOFF_SECONDS: f64 = 3_600.0;

/// Dispatcher metrics, registered in the service's registry.
#[derive(Clone)]
pub struct EventMetrics {
    pending: IntGaugeVec,
    latency: HistogramVec,
    delivered: IntCounterVec,
    failures: IntCounterVec,
    dead: IntCounterVec,
}

impl EventMetrics {
    /// Registers the event metrics in `registry`.
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let pending = IntGaugeVec::new(
            Opts::new("events_pending", "Undelivered events by trigger"),
            &["trigger"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "event_delivery_latency_seconds",
                "From capture to handler start, by trigger",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 30.0,
            ]),
            &["trigger"],
        )?;
        let delivered = IntCounterVec::new(
            Opts::new("events_delivered_total", "Events delivered, by trigger"),
            &["trigger"],
        )?;
        let failures = IntCounterVec::new(
            Opts::new("event_failures_total", "Failed deliveries, by trigger"),
            &["trigger"],
        )?;
        let dead = IntCounterVec::new(
            Opts::new("events_dead_total", "Events parked as dead, by trigger"),
            &["trigger"],
        )?;
        registry.register(Box::new(pending.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(delivered.clone()))?;
        registry.register(Box::new(failures.clone()))?;
        registry.register(Box::new(dead.clone()))?;
        Ok(Self {
            pending,
            latency,
            delivered,
            failures,
            dead,
        })
    }
}

/// Where deliveries send their outcome, with the slot it holds until recorded.
type Outcomes = tokio::sync::mpsc::UnboundedSender<(store::Outcome, OwnedSemaphorePermit)>;

struct Owned {
    trigger: Trigger,
    permits: Arc<Semaphore>,
}

/// Delivers the events of a set of triggers.
pub struct Dispatcher {
    pool: DbPool,
    database_url: String,
    worker: String,
    triggers: HashMap<String, Owned>,
    wake: Arc<Notify>,
    metrics: EventMetrics,
}

impl Dispatcher {
    /// A dispatcher for `triggers` on the database at `database_url`.
    pub fn new(
        pool: DbPool,
        database_url: &str,
        triggers: Vec<Trigger>,
        metrics: EventMetrics,
    ) -> Self {
        // Every trigger's series exist from the start (dashboards show 0, not "no data").
        for t in &triggers {
            let name = [t.name.as_str()];
            metrics.pending.with_label_values(&name).set(0);
            metrics.delivered.with_label_values(&name);
            metrics.failures.with_label_values(&name);
            metrics.dead.with_label_values(&name);
        }
        let triggers = triggers
            .into_iter()
            .map(|t| {
                let permits = Arc::new(Semaphore::new(t.config.concurrency.max(1)));
                (
                    t.name.clone(),
                    Owned {
                        trigger: t,
                        permits,
                    },
                )
            })
            .collect();
        Self {
            pool,
            database_url: database_url.to_owned(),
            worker: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            triggers,
            wake: Arc::new(Notify::new()),
            metrics,
        }
    }

    /// Runs until `shutdown`; in-flight deliveries finish first.
    pub async fn run(self, shutdown: CancellationToken) {
        if self.triggers.is_empty() {
            return;
        }
        let listener = tokio::spawn(listen(
            self.database_url.clone(),
            self.triggers.keys().cloned().collect(),
            self.wake.clone(),
            shutdown.clone(),
        ));
        let this = Arc::new(self);
        let (outcomes, recorded) = tokio::sync::mpsc::unbounded_channel();
        let recorder = tokio::spawn(this.clone().record_outcomes(recorded));
        let mut last_gauge = Instant::now() - POLL_INTERVAL;
        while !shutdown.is_cancelled() {
            let claimed = this.clone().claim_and_deliver(&outcomes).await;
            if last_gauge.elapsed() >= POLL_INTERVAL {
                this.update_pending_gauge().await;
                last_gauge = Instant::now();
            }
            if claimed == 0 {
                tokio::select! {
                    () = this.wake.notified() => {}
                    () = tokio::time::sleep(POLL_INTERVAL) => {}
                    () = shutdown.cancelled() => {}
                }
            }
        }
        listener.abort();
        // Wait for in-flight deliveries: each holds a permit until its outcome is recorded.
        for owned in this.triggers.values() {
            let _ = owned
                .permits
                .acquire_many(owned.trigger.config.concurrency.max(1) as u32)
                .await;
        }
        recorder.abort();
    }

    /// One round: claims what each trigger has room for and starts the deliveries.
    async fn claim_and_deliver(self: Arc<Self>, outcomes: &Outcomes) -> usize {
        let mut claimed = 0;
        for (name, owned) in &self.triggers {
            let concurrency = owned.trigger.config.concurrency.max(1);
            let free = owned.permits.available_permits();
            // While deliveries run, claim in batches (half the slots free), not one by one.
            if free == 0 || (free < concurrency && free < concurrency.div_ceil(2)) {
                continue;
            }
            let room = free.min(MAX_BATCH);
            let config = &owned.trigger.config;
            let lease = (config.timeout_ms + config.lease_margin_ms) as f64 / 1000.0;
            let events =
                match store::claim(&self.pool, name, &self.worker, room as i64, lease).await {
                    Ok(events) => events,
                    Err(err) => {
                        tracing::warn!(trigger = %name, error = ?err, "claiming events failed");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                };
            claimed += events.len();
            for event in events {
                let Ok(permit) = owned.permits.clone().try_acquire_owned() else {
                    break;
                };
                let this = self.clone();
                let outcomes = outcomes.clone();
                tokio::spawn(async move {
                    // The permit travels with the outcome until it is recorded.
                    if let Some(outcome) = this.deliver(event).await {
                        let _ = outcomes.send((outcome, permit));
                    }
                });
            }
        }
        claimed
    }

    /// Runs the handler; returns the outcome to record.
    async fn deliver(&self, stored: store::StoredEvent) -> Option<store::Outcome> {
        let owned = self.triggers.get(&stored.trigger_name)?;
        let config = &owned.trigger.config;
        let name = stored.trigger_name.clone();
        let latency = (chrono::Utc::now() - stored.created_at)
            .num_microseconds()
            .unwrap_or(0) as f64
            / 1e6;
        self.metrics
            .latency
            .with_label_values(&[name.as_str()])
            .observe(latency.max(0.0));
        let event = envelope(&stored, config.retries);
        // The handler continues the trace of the request whose change raised the event.
        let span = tracing::info_span!(
            "event",
            otel.name = %format!("event {name}"),
            otel.kind = "consumer",
            trigger = %name,
            event = %stored.id,
            attempt = stored.tries,
        );
        if let Some(trace) = &event.event.trace_context
            && let (Some(trace_id), Some(span_id)) = (
                trace.get("trace_id").and_then(|v| v.as_str()),
                trace.get("span_id").and_then(|v| v.as_str()),
            )
        {
            crate::otel::continue_remote(&span, trace_id, span_id);
        }
        let trace = crate::otel::ids_of(&span);
        let started = Instant::now();
        let handled = tokio::time::timeout(config.timeout(), (owned.trigger.handler)(event));
        let outcome = crate::telemetry::with_trace(trace, handled)
            .instrument(span)
            .await;
        let duration_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let (status, error) = match outcome {
            Ok(Ok(())) => ("ok", None),
            Ok(Err(message)) => ("error", Some(message)),
            Err(_) => (
                "timeout",
                Some(format!("handler timed out after {} ms", config.timeout_ms)),
            ),
        };
        if let Some(message) = &error {
            self.metrics
                .failures
                .with_label_values(&[name.as_str()])
                .inc();
            tracing::warn!(trigger = %name, event = %stored.id, attempt = stored.tries, error = %message, "event delivery failed");
        }
        Some(store::Outcome {
            event_id: stored.id,
            trigger: name,
            attempt: stored.tries,
            status,
            duration_ms,
            error,
            retries: config.retries,
            retry_in_seconds: retry_delay(config, stored.tries),
        })
    }

    /// Writes outcomes in batches (one statement each), then frees their slots and wakes the
    /// claim loop (a finished delivery may unblock the next event of an ordered row).
    async fn record_outcomes(
        self: Arc<Self>,
        mut outcomes: tokio::sync::mpsc::UnboundedReceiver<(store::Outcome, OwnedSemaphorePermit)>,
    ) {
        while let Some(first) = outcomes.recv().await {
            let mut batch = vec![first];
            while batch.len() < 500 {
                match outcomes.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            let (records, permits): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            match store::finish(&self.pool, &self.worker, &records).await {
                Ok(moved) => {
                    for (id, trigger, state) in moved {
                        match state.as_str() {
                            "delivered" => self
                                .metrics
                                .delivered
                                .with_label_values(&[trigger.as_str()])
                                .inc(),
                            "dead" => {
                                self.metrics
                                    .dead
                                    .with_label_values(&[trigger.as_str()])
                                    .inc();
                                tracing::error!(trigger = %trigger, event = %id, "event parked as dead");
                            }
                            _ => {}
                        }
                    }
                }
                // The leases will expire and the events will be delivered again.
                Err(err) => tracing::warn!(error = ?err, "recording delivery outcomes failed"),
            }
            drop(permits);
            self.wake.notify_one();
        }
    }

    async fn update_pending_gauge(&self) {
        if let Ok(counts) = store::pending_counts(&self.pool).await {
            for name in self.triggers.keys() {
                let n = counts
                    .iter()
                    .find(|(t, _)| t == name)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                self.metrics
                    .pending
                    .with_label_values(&[name.as_str()])
                    .set(n);
            }
        }
    }
}

/// The Hasura payload of a stored event on its `tries`-th delivery.
pub fn envelope(stored: &store::StoredEvent, max_retries: i32) -> HasuraEvent {
    let body = &stored.event;
    HasuraEvent {
        id: stored.id,
        created_at: stored
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        trigger: TriggerRef {
            name: stored.trigger_name.clone(),
        },
        table: TableRef {
            schema: stored.schema_name.clone(),
            name: stored.table_name.clone(),
        },
        event: EventBody {
            op: body
                .get("op")
                .and_then(|v| v.as_str())
                .unwrap_or("MANUAL")
                .to_owned(),
            data: super::EventData {
                old: body.pointer("/data/old").filter(|v| !v.is_null()).cloned(),
                new: body.pointer("/data/new").filter(|v| !v.is_null()).cloned(),
            },
            session_variables: body
                .get("session_variables")
                .filter(|v| !v.is_null())
                .cloned(),
            trace_context: body.get("trace_context").filter(|v| !v.is_null()).cloned(),
        },
        delivery_info: DeliveryInfo {
            current_retry: (stored.tries - 1).max(0),
            max_retries,
        },
    }
}

/// Seconds before retry number `attempt` of a trigger: [`backoff`], at most its
/// `max_interval_ms`.
pub fn retry_delay(config: &super::TriggerConfig, attempt: i32) -> f64 {
    let cap = config
        .max_interval_ms
        .map_or(MAX_BACKOFF_SECONDS, |cap| cap as f64 / 1000.0);
    backoff(config.base_interval_ms, attempt).min(cap)
}

/// Delay before retry number `attempt` (1-based): base × 2^(attempt-1), ±50% jitter, capped.
pub fn backoff(base_ms: u64, attempt: i32) -> f64 {
    let exponent = (attempt - 1).clamp(0, 30);
    let base = base_ms as f64 / 1000.0 * 2f64.powi(exponent);
    let jitter = rand::rng().random_range(0.5..1.5);
    (base * jitter).min(MAX_BACKOFF_SECONDS)
}

/// Keeps a LISTEN connection open and wakes the dispatcher on notifications for its triggers.
async fn listen(
    url: String,
    triggers: Vec<String>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let driver = tokio::spawn(async move {
                    let mut messages =
                        futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                                let _ = tx.send(n.payload().to_owned());
                            }
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                });
                if client
                    .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
                    .await
                    .is_ok()
                {
                    // Events captured while we were not listening.
                    wake.notify_one();
                    loop {
                        tokio::select! {
                            payload = rx.recv() => match payload {
                                Some(trigger) => if triggers.contains(&trigger) { wake.notify_one() },
                                None => break,
                            },
                            () = shutdown.cancelled() => break,
                        }
                    }
                }
                driver.abort();
            }
            Err(err) => {
                tracing::warn!(error = %err, "event listener could not connect; polling meanwhile")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = shutdown.cancelled() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{backoff, retry_delay};

    #[test]
    fn a_triggers_max_interval_caps_its_retry_delay() {
        let config = crate::events::TriggerConfig {
            base_interval_ms: 1_000,
            max_interval_ms: Some(5_000),
            ..crate::events::TriggerConfig::default()
        };
        assert!(retry_delay(&config, 20) <= 5.0);
        assert!(retry_delay(&config, 1) <= 1.5);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempt in 1..5 {
            let expected = 0.1 * 2f64.powi(attempt - 1);
            let delay = backoff(100, attempt);
            assert!(
                delay >= expected * 0.5 && delay <= expected * 1.5,
                "{attempt}: {delay}"
            );
        }
        assert!(backoff(1_000, 40) <= 3_600.0);
    }
}
