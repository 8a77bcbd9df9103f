//! A Redis connection that never holds a request and never stops a service from starting.
//!
//! The connection is opened on first use (bounded), every command is bounded
//! ([`crate::redis::RESPONSE_TIMEOUT`]), and after a failure the link is *degraded* for
//! [`RETRY_AFTER`]: callers get [`RedisUnavailable`] at once and take their fallback
//! (Postgres for credentials, polling for signals, a local limiter for rate limits) instead
//! of waiting on a Redis that is down or hung. The first call after that tries again, so
//! the link recovers by itself. Entering and leaving the degraded state is logged once each
//! and shown by the `redis_degraded` gauge; every call answered by a fallback counts in
//! `redis_fallbacks_total`.

use crate::redis::ConnectionManager;
use prometheus::{IntCounter, IntGauge, Registry};
use std::{
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

/// How long after a failure callers skip Redis altogether.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);
/// Longest opening the connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest one call may take, whatever the connection's own timeouts.
const CALL_TIMEOUT: Duration = Duration::from_millis(1_500);

/// Redis cannot be used right now; the text says why (for logs, never for clients).
#[derive(Debug, Clone, thiserror::Error)]
#[error("Redis unavailable: {0}")]
pub struct RedisUnavailable(pub String);

struct Inner {
    url: String,
    /// Where a RESP3 connection's pushes go (a client-side cache), if anywhere.
    pushes: Option<crate::redis::PushHandler>,
    connection: OnceCell<ConnectionManager>,
    /// While set and in the future, calls fail at once.
    skip_until: Mutex<Option<Instant>>,
    degraded: AtomicBool,
    /// Absent only if the fixed metric definitions were refused (they are valid).
    degraded_gauge: Option<IntGauge>,
    fallbacks: Option<IntCounter>,
}

/// A shared, lazily opened Redis connection with a circuit breaker.
#[derive(Clone)]
pub struct RedisLink(Arc<Inner>);

impl RedisLink {
    /// A link to `url`; nothing is connected until first use.
    pub fn new(url: impl Into<String>) -> Self {
        Self::build(url.into(), None)
    }

    /// A link whose connection speaks RESP3 and hands Redis's pushes (invalidations of
    /// tracked keys) and its own disconnections to `pushes`.
    pub fn with_pushes(url: impl Into<String>, pushes: crate::redis::PushHandler) -> Self {
        Self::build(url.into(), Some(pushes))
    }

    fn build(url: String, pushes: Option<crate::redis::PushHandler>) -> Self {
        let degraded_gauge = IntGauge::new(
            "redis_degraded",
            "1 while Redis is unreachable and fallbacks answer (Postgres, polling, local limits)",
        )
        .ok();
        let fallbacks = IntCounter::new(
            "redis_fallbacks_total",
            "Calls answered by a fallback because Redis was unreachable",
        )
        .ok();
        Self(Arc::new(Inner {
            url,
            pushes,
            connection: OnceCell::new(),
            skip_until: Mutex::new(None),
            degraded: AtomicBool::new(false),
            degraded_gauge,
            fallbacks,
        }))
    }

    /// The URL it connects to.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// Adds this link's metrics to a service's registry.
    pub fn register(&self, registry: &Registry) -> Result<(), prometheus::Error> {
        if let Some(gauge) = &self.0.degraded_gauge {
            registry.register(Box::new(gauge.clone()))?;
        }
        if let Some(counter) = &self.0.fallbacks {
            registry.register(Box::new(counter.clone()))?;
        }
        Ok(())
    }

    fn count_fallback(&self) {
        if let Some(counter) = &self.0.fallbacks {
            counter.inc();
        }
    }

    fn set_degraded_gauge(&self, value: i64) {
        if let Some(gauge) = &self.0.degraded_gauge {
            gauge.set(value);
        }
    }

    /// Whether the link is degraded now (a recent failure).
    pub fn is_degraded(&self) -> bool {
        self.0.degraded.load(Ordering::Relaxed)
    }

    /// The connection, unless Redis failed moments ago or cannot be reached now.
    pub async fn connection(&self) -> Result<ConnectionManager, RedisUnavailable> {
        {
            let skip = self.0.skip_until.lock().unwrap_or_else(|e| e.into_inner());
            if skip.is_some_and(|at| Instant::now() < at) {
                self.count_fallback();
                return Err(RedisUnavailable("it failed moments ago".into()));
            }
        }
        if let Some(connection) = self.0.connection.get() {
            return Ok(connection.clone());
        }
        let connect = self.0.connection.get_or_try_init(|| {
            crate::redis::connect_with_pushes(&self.0.url, self.0.pushes.clone())
        });
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(connection)) => Ok(connection.clone()),
            Ok(Err(e)) => Err(self.failed(&e)),
            Err(_) => Err(self.failed(&"connecting timed out")),
        }
    }

    /// Runs `call` on the connection within a bounded time. A failure degrades the link
    /// (later calls fail at once for [`RETRY_AFTER`]); a success after that restores it.
    pub async fn run<T, F, Fut>(&self, call: F) -> Result<T, RedisUnavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let connection = self.connection().await?;
        match tokio::time::timeout(CALL_TIMEOUT, call(connection)).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Ok(value)
            }
            Ok(Err(e)) => Err(self.failed(&e)),
            Err(_) => Err(self.failed(&"the call timed out")),
        }
    }

    /// Records a failure seen by a caller that used [`RedisLink::connection`] itself.
    pub fn failed(&self, why: &dyn std::fmt::Display) -> RedisUnavailable {
        *self.0.skip_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        self.count_fallback();
        if !self.0.degraded.swap(true, Ordering::Relaxed) {
            self.set_degraded_gauge(1);
            tracing::warn!(error = %why, "Redis unavailable: degraded mode (fallbacks answer)");
        }
        RedisUnavailable(why.to_string())
    }

    /// Records a success seen by a caller that used [`RedisLink::connection`] itself.
    pub fn succeeded(&self) {
        if self.0.degraded.swap(false, Ordering::Relaxed) {
            self.set_degraded_gauge(0);
            tracing::info!("Redis reachable again: degraded mode over");
        }
    }

    /// Asks Redis for a `PING` (readiness reports).
    pub async fn ping(&self) -> Result<(), RedisUnavailable> {
        self.run(|mut connection| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
                .map(|_| ())
        })
        .await
    }
}
