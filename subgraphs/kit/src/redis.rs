//! Redis connections: one multiplexed, auto-reconnecting manager per service.

pub use redis::aio::ConnectionManager;

/// Connects to `url` and returns a cloneable connection manager.
pub async fn connect(url: &str) -> Result<ConnectionManager, redis::RedisError> {
    let client = redis::Client::open(url)?;
    ConnectionManager::new(client).await
}

/// Key of a revoked session token: present while the token would otherwise be valid.
pub fn revoked_session_key(revocation_id: &str) -> String {
    format!("mm:revoked:{revocation_id}")
}

/// Key of the router's cached answer for an API key (by the key's SHA-256).
pub fn api_key_cache_key(key_hash: &str) -> String {
    format!("mm:apikey:{key_hash}")
}

/// Hash of API key id to its last-used time (RFC 3339), written by the router.
pub const API_KEY_LAST_USED: &str = "mm:apikey-last-used";
