//! The credential states this router has read from Redis (a session's `ok`/`revoked`, an API
//! key's identity or tombstone), kept in memory so that a request with a known credential
//! costs no Redis round trip, and dropped the moment they may be stale.
//!
//! Redis tells us when: the connection speaks RESP3 with `CLIENT TRACKING ON`, so Redis
//! remembers the keys this connection read and pushes an invalidation when any client
//! changes one (the accounts service writing a revocation's tombstone). Redis queues that
//! push to us before it answers the writer, so by the time the revocation's response has
//! reached its client, the push is on its way to every router. How long it takes to be
//! applied is measured by `router/tests/local_view.rs` (well under 100 ms; docs/security.md).
//!
//! What makes the view empty, so that it is never trusted beyond what Redis tracks:
//! - an invalidation of a key drops that key; one without keys (`FLUSHALL`, `FLUSHDB`, or
//!   Redis dropping its tracking table) drops everything;
//! - a lost connection drops everything, and the next read turns tracking on again on the
//!   new connection before anything is kept;
//! - a read during which any invalidation arrived is answered but not kept (the push may
//!   concern the value just read, and may be applied before it would be stored);
//! - every entry expires after [`LocalView::new`]'s `ttl` whatever happens.

use mediamagic_kit::redis::{ConnectionManager, PushHandler};
use redis::{PushInfo, PushKind, RedisResult, Value};
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

/// Credential states read from Redis and still tracked there.
pub struct LocalView {
    entries: moka::sync::Cache<String, String>,
    /// Bumped by every invalidation and disconnection. Held while an entry is stored, so a
    /// push cannot slip between a read's check and its insert.
    epoch: Mutex<u64>,
    /// Whether the current connection has tracking on.
    tracking: AtomicBool,
}

impl LocalView {
    /// An empty view of at most `capacity` entries, each kept at most `ttl`.
    pub fn new(capacity: u64, ttl: Duration) -> Arc<Self> {
        Arc::new(Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            epoch: Mutex::new(0),
            tracking: AtomicBool::new(false),
        })
    }

    /// What the connection must hand its pushes to (see `RedisLink::with_pushes`).
    pub fn push_handler(self: &Arc<Self>) -> PushHandler {
        let view = Arc::downgrade(self);
        Arc::new(move |push| {
            if let Some(view) = view.upgrade() {
                view.on_push(push);
            }
        })
    }

    fn on_push(&self, push: PushInfo) {
        match push.kind {
            PushKind::Invalidate => {
                let mut epoch = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
                *epoch += 1;
                match invalidated_keys(&push.data) {
                    Some(keys) => keys.iter().for_each(|k| self.entries.invalidate(k)),
                    None => self.entries.invalidate_all(),
                }
            }
            PushKind::Disconnection => {
                let mut epoch = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
                *epoch += 1;
                self.tracking.store(false, Ordering::SeqCst);
                self.entries.invalidate_all();
            }
            _ => {}
        }
    }

    fn epoch(&self) -> u64 {
        *self.epoch.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value under `key`: from memory when this router read it before and Redis has not
    /// said it changed since, else read from Redis (tracked) and opened with `open`, which
    /// returns `None` for a value that is not to be trusted (then nothing is kept).
    pub async fn get(
        &self,
        connection: Option<&mut ConnectionManager>,
        key: &str,
        open: impl FnOnce(&str) -> Option<String>,
    ) -> RedisResult<Option<String>> {
        if let Some(value) = self.entries.get(key) {
            return Ok(Some(value));
        }
        let Some(connection) = connection else {
            return Ok(None);
        };
        let seen = self.epoch();
        let tracked = self.tracking.load(Ordering::SeqCst);
        let raw: Option<String> = if tracked {
            redis::cmd("GET").arg(key).query_async(connection).await?
        } else {
            // Tracking is a property of the connection: (re)enabled on whichever one reads.
            let (raw,): (Option<String>,) = redis::pipe()
                .cmd("CLIENT")
                .arg("TRACKING")
                .arg("ON")
                .ignore()
                .cmd("GET")
                .arg(key)
                .query_async(connection)
                .await?;
            raw
        };
        let Some(value) = raw.as_deref().and_then(open) else {
            return Ok(None);
        };
        let epoch = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        if *epoch == seen {
            if !tracked {
                self.tracking.store(true, Ordering::SeqCst);
            }
            self.entries.insert(key.to_owned(), value.clone());
        }
        drop(epoch);
        Ok(Some(value))
    }

    /// How many entries it holds (pending evictions may count).
    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The keys of an invalidation push, or `None` when it names none (a flush: all of them).
fn invalidated_keys(data: &[Value]) -> Option<Vec<String>> {
    let Some(Value::Array(keys)) = data.first() else {
        return None;
    };
    keys.iter()
        .map(|key| match key {
            Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
            Value::SimpleString(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(kind: PushKind, data: Vec<Value>) -> PushInfo {
        PushInfo { kind, data }
    }

    #[test]
    fn an_invalidation_without_keys_drops_everything_and_one_with_keys_only_those() {
        let view = LocalView::new(10, Duration::from_secs(60));
        view.entries.insert("a".into(), "1".into());
        view.entries.insert("b".into(), "2".into());
        view.on_push(push(
            PushKind::Invalidate,
            vec![Value::Array(vec![Value::BulkString(b"a".to_vec())])],
        ));
        assert!(view.entries.get("a").is_none());
        assert_eq!(view.entries.get("b").as_deref(), Some("2"));
        view.on_push(push(PushKind::Invalidate, vec![Value::Nil]));
        assert!(view.entries.get("b").is_none());
        assert_eq!(view.epoch(), 2);
    }

    #[test]
    fn a_disconnection_drops_everything_and_turns_tracking_off() {
        let view = LocalView::new(10, Duration::from_secs(60));
        view.entries.insert("a".into(), "1".into());
        view.tracking.store(true, Ordering::SeqCst);
        view.on_push(push(PushKind::Disconnection, Vec::new()));
        assert!(view.entries.get("a").is_none());
        assert!(!view.tracking.load(Ordering::SeqCst));
    }
}
