//! The accounts subgraph's event handlers.
//!
//! `api_key_revoked` (accounts.api_keys, UPDATE of `revoked_at`): writes the revoked key's
//! tombstone into the router's Redis cache. The revocation writes it too; this handler makes
//! sure it lands even when that write failed, retried until done. Idempotent.
//!
//! `session_revoked` (accounts.sessions, UPDATE of `revoked_at`: log-out, removal from a
//! team): the same for a revoked session token's cached state.

use crate::{
    AccountsDeps,
    commands::{auth::republish_revocation, keys::write_tombstone},
};
use mediamagic_kit::events::{HandlerResult, HasuraEvent, Trigger, TriggerConfig};
use std::collections::HashMap;

/// Name of the revoked-key trigger (attached in the `events` migration).
pub const API_KEY_REVOKED: &str = "api_key_revoked";

/// Name of the revoked-session trigger (attached in the `session_revoked` migration).
pub const SESSION_REVOKED: &str = "session_revoked";

/// Every trigger this subgraph handles.
pub const TRIGGERS: &[&str] = &[API_KEY_REVOKED, SESSION_REVOKED];

/// Every trigger this subgraph owns, with settings from `configs` (by name) or defaults.
/// Retries of the revocation triggers when not configured.
pub const REVOCATION_RETRIES: i32 = 120;

/// The accounts service's event triggers.
pub fn triggers(deps: &AccountsDeps, configs: &HashMap<String, TriggerConfig>) -> Vec<Trigger> {
    // A revocation must reach the cache soon after Redis is back, and keep being retried
    // until any `ok` state cached before it has expired (300 s): without a configured
    // policy these triggers retry every 5 s at most, 120 times (over 8 minutes).
    let config = |name: &str| {
        configs.get(name).cloned().unwrap_or(TriggerConfig {
            retries: REVOCATION_RETRIES,
            max_interval_ms: Some(5_000),
            ..TriggerConfig::default()
        })
    };
    let (keys, sessions) = (deps.clone(), deps.clone());
    vec![
        Trigger::new(API_KEY_REVOKED, config(API_KEY_REVOKED), move |event| {
            let deps = keys.clone();
            async move { api_key_revoked(&deps, event).await }
        }),
        Trigger::new(SESSION_REVOKED, config(SESSION_REVOKED), move |event| {
            let deps = sessions.clone();
            async move { session_revoked(&deps, event).await }
        }),
    ]
}

async fn session_revoked(deps: &AccountsDeps, event: HasuraEvent) -> HandlerResult {
    let Some(row) = event.event.data.new else {
        return Ok(());
    };
    if row.get("revoked_at").is_none_or(serde_json::Value::is_null) {
        return Ok(());
    }
    let Some(id) = row.get("revocation_id").and_then(|h| h.as_str()) else {
        return Err("the event row has no revocation_id".into());
    };
    republish_revocation(deps, id)
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn api_key_revoked(deps: &AccountsDeps, event: HasuraEvent) -> HandlerResult {
    let Some(row) = event.event.data.new else {
        return Ok(());
    };
    if row.get("revoked_at").is_none_or(serde_json::Value::is_null) {
        return Ok(());
    }
    let Some(hash) = row.get("key_hash").and_then(|h| h.as_str()) else {
        return Err("the event row has no key_hash".into());
    };
    write_tombstone(deps, hash)
        .await
        .map_err(|e| format!("{e:?}"))
}
