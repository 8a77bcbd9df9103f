//! Redis connections (one multiplexed, auto-reconnecting manager per service), the keys of
//! the router's credential cache, and sealing of what is cached there.
//!
//! Redis is a cache, never the truth: Postgres holds every credential and revocation. So
//! that someone who can write to Redis cannot place a credential state of their choosing,
//! every cached value is sealed with an HMAC under the secret the router and the accounts
//! service share ([`seal`] / [`open`]); a value that does not open counts as a miss, and a
//! miss is answered from Postgres.

use hmac::{Hmac, Mac};
pub use redis::aio::ConnectionManager;
use sha2::Sha256;
use std::sync::Arc;

/// Longest one Redis command may wait for its answer: a hung or partitioned Redis fails
/// the call fast instead of holding the request.
pub const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// Longest one connection attempt may take.
pub const CONNECTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Connects to `url` and returns a cloneable connection manager whose commands and
/// (re)connects are bounded ([`RESPONSE_TIMEOUT`], [`CONNECTION_TIMEOUT`]).
pub async fn connect(url: &str) -> Result<ConnectionManager, redis::RedisError> {
    connect_with_pushes(url, None).await
}

/// Receives what Redis pushes on a RESP3 connection (key invalidations of client-side
/// caching) and the client's own `Disconnection` notice, in order, on the connection's
/// reader: it must not block.
pub type PushHandler = Arc<dyn Fn(redis::PushInfo) + Send + Sync>;

/// [`connect`]; with a handler, the connection speaks RESP3 and hands every push to it.
pub async fn connect_with_pushes(
    url: &str,
    pushes: Option<PushHandler>,
) -> Result<ConnectionManager, redis::RedisError> {
    let mut info = redis::IntoConnectionInfo::into_connection_info(url)?;
    let mut config = redis::aio::ConnectionManagerConfig::new()
        .set_response_timeout(RESPONSE_TIMEOUT)
        .set_connection_timeout(CONNECTION_TIMEOUT)
        // The first connect retries twice (100 ms, 200 ms) before the caller hears of it.
        .set_number_of_retries(2);
    if let Some(handler) = pushes {
        info.redis.protocol = redis::ProtocolVersion::RESP3;
        config = config.set_push_sender(move |push| {
            handler(push);
            Ok::<(), std::convert::Infallible>(())
        });
    }
    ConnectionManager::new_with_config(redis::Client::open(info)?, config).await
}

/// Key of a session token's cached state (`ok` or `revoked`), by its revocation id.
pub fn session_state_key(revocation_id: &str) -> String {
    format!("mm:session:{revocation_id}")
}

/// Cached state of a session token that is not revoked.
pub const SESSION_OK: &str = "ok";
/// Cached state of a revoked session token (also of a revoked or unknown API key).
pub const REVOKED: &str = "revoked";

/// Key of the router's cached answer for an API key (by the key's SHA-256).
pub fn api_key_cache_key(key_hash: &str) -> String {
    format!("mm:apikey:{key_hash}")
}

/// Hash of API key id to its last-used time (RFC 3339), written by the router.
pub const API_KEY_LAST_USED: &str = "mm:apikey-last-used";

fn keyed(secret: &str, key: &str, value: &str) -> Option<Hmac<Sha256>> {
    // Any key length is accepted by HMAC.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(key.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    Some(mac)
}

/// `value` sealed for cache key `key`: it opens only under the same secret and key, so a
/// value cannot be forged, nor moved to another key.
pub fn seal(secret: &str, key: &str, value: &str) -> String {
    let tag = keyed(secret, key, value)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{tag}.{value}")
}

/// The value sealed in `sealed` for `key`, or `None` when it was not sealed with `secret`.
/// One HMAC, compared in constant time (this runs on every authenticated request).
pub fn open(secret: &str, key: &str, sealed: &str) -> Option<String> {
    let (tag, value) = sealed.split_once('.')?;
    let tag = hex::decode(tag).ok()?;
    keyed(secret, key, value)?.verify_slice(&tag).ok()?;
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_secret_and_key() {
        let sealed = seal("secret", "mm:session:a", SESSION_OK);

        assert_eq!(
            open("secret", "mm:session:a", &sealed).as_deref(),
            Some("ok")
        );
        assert_eq!(open("other", "mm:session:a", &sealed), None);
        assert_eq!(open("secret", "mm:session:b", &sealed), None, "moved");
        assert_eq!(open("secret", "mm:session:a", "ok"), None, "unsealed");
        let forged = sealed.replace(".ok", ".revoked");
        assert_eq!(open("secret", "mm:session:a", &forged), None, "tampered");
    }
}
