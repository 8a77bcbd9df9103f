//! A Redis connection that fails fast: the connect is bounded, and after a failure no new
//! attempt is made for a few seconds, so a missing Redis costs requests only a fallback
//! (credential checks at the accounts service, local rate limits), never a wait.

use mediamagic_kit::redis::ConnectionManager;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// Longest a connect to Redis may take before the caller falls back.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long after a failed connect callers skip Redis altogether.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// A lazily opened, shared Redis connection (the manager reconnects by itself once open).
pub struct RedisLink {
    url: String,
    connection: OnceCell<ConnectionManager>,
    /// After a failed connect, when to try again.
    retry_at: std::sync::Mutex<Option<Instant>>,
}

impl RedisLink {
    /// A link to `url`; nothing is connected until first use.
    pub fn new(url: String) -> Self {
        Self {
            url,
            connection: OnceCell::new(),
            retry_at: std::sync::Mutex::new(None),
        }
    }

    /// The connection, or why there is none right now.
    pub async fn connection(&self) -> Result<ConnectionManager, String> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        {
            let retry_at = self.retry_at.lock().unwrap_or_else(|e| e.into_inner());
            if retry_at.is_some_and(|at| Instant::now() < at) {
                return Err("Redis was unreachable moments ago".into());
            }
        }
        let connect = self
            .connection
            .get_or_try_init(|| mediamagic_kit::redis::connect(&self.url));
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(connection)) => Ok(connection.clone()),
            failed => {
                *self.retry_at.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(Instant::now() + RETRY_AFTER);
                Err(match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "connecting to Redis timed out".into(),
                })
            }
        }
    }
}
