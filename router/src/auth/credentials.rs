//! Turning a presented credential into the identity the router vouches for.
//!
//! - `Authorization: Bearer <biscuit>`: a session token signed by the root key, not expired,
//!   and not revoked. Its state (`ok` or `revoked`) is cached in Redis; on a miss the accounts
//!   service answers from Postgres, so an empty or lost Redis never un-revokes a token.
//!   Revocation overwrites the cached state, so every router refuses it on the next request.
//! - `x-mediamagic-key: <key>`: looked up in the Redis cache by SHA-256, else at the accounts
//!   service; a revoked key's cache entry is a tombstone, so revocation is immediate.
//!
//! Every cached value is sealed with the internal secret ([`mediamagic_kit::redis::seal`]):
//! one that does not open (written by someone else) counts as a miss. When Redis cannot be
//! reached, the accounts service is asked directly (sessions and API keys alike).
//! - `Authorization: Bearer <JWT>` from the configured OIDC issuer: verified against its JWKS;
//!   the user is provisioned at the accounts service on first sight.

use super::config::OidcConfig;
use super::local_view::LocalView;
use chrono::{DateTime, Utc};
use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};
use mediamagic_kit::redis_link::RedisLink;
use mediamagic_kit::{
    AccountKind, Scope,
    redis::{
        API_KEY_LAST_USED, ConnectionManager, REVOKED, SESSION_OK, api_key_cache_key, open, seal,
        session_state_key,
    },
    tokens::{Claims, TokenIssuer, TokenVerifier},
};
use redis::AsyncCommands;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;
use uuid::Uuid;

/// Why a credential was refused.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// Bad, expired, revoked or forged: the client's fault. The text is safe to show.
    #[error("{0}")]
    Rejected(&'static str),
    /// A dependency failed (Redis, accounts service): logged, shown as a generic error.
    #[error("credential check unavailable: {0}")]
    Unavailable(String),
}

/// The identity of an accepted credential.
#[derive(Clone, Debug)]
pub struct Identity {
    /// Claims to put in the internal token (its expiry is set when minting).
    pub claims: Claims,
    /// Names the credential that was presented (`session:<revocation id>`,
    /// `key:<key id>`, `oidc:<user id>`), for per-credential rate limits; never a secret.
    pub credential: String,
}

#[derive(Deserialize)]
struct KeyIdentity {
    key_id: Uuid,
    user_id: Option<Uuid>,
    account_id: Uuid,
    account_kind: AccountKind,
    scopes: Vec<Scope>,
    expires_at: Option<DateTime<Utc>>,
}

/// Longest a session token's `ok` state stays cached (a revocation overwrites it at once).
const SESSION_CACHE_SECONDS: i64 = 300;

/// Most credential states kept in memory, and longest one is kept there (Redis invalidates
/// an entry the moment it changes; this bounds what a missed push could cost).
const LOCAL_VIEW_ENTRIES: u64 = 100_000;
const LOCAL_VIEW_TTL: Duration = Duration::from_secs(60);
/// How often one router records an API key's last use (a Redis write per request before).
const LAST_USED_EVERY: Duration = Duration::from_secs(60);

/// Checks credentials; shared by all router workers.
pub struct CredentialChecker {
    sessions: TokenVerifier,
    internal: TokenIssuer,
    redis: RedisLink,
    /// Credential states read from Redis, answered from memory until Redis invalidates them.
    view: Arc<LocalView>,
    /// API keys whose last use this router recorded in the past minute.
    last_used_recorded: moka::sync::Cache<Uuid, ()>,
    http: reqwest::Client,
    accounts_url: String,
    internal_secret: String,
    internal_ttl: chrono::Duration,
    key_cache_seconds: u64,
    oidc: Option<OidcConfig>,
    jwks: Mutex<Option<(Instant, JwkSet)>>,
    /// Session tokens whose signature and expiry were checked recently (revocation is still
    /// checked on every request).
    verified_sessions: moka::sync::Cache<String, Claims>,
    /// Internal tokens minted recently, by identity, reused for half their lifetime.
    minted: moka::sync::Cache<String, String>,
}

impl CredentialChecker {
    /// A checker with the given keys and endpoints.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sessions: TokenVerifier,
        internal: TokenIssuer,
        redis_url: String,
        accounts_url: String,
        internal_secret: String,
        internal_ttl_seconds: i64,
        key_cache_seconds: u64,
        oidc: Option<OidcConfig>,
    ) -> Self {
        let view = LocalView::new(LOCAL_VIEW_ENTRIES, LOCAL_VIEW_TTL);
        Self {
            sessions,
            internal,
            redis: RedisLink::with_pushes(redis_url, view.push_handler()),
            view,
            last_used_recorded: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(LAST_USED_EVERY)
                .build(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            accounts_url: accounts_url.trim_end_matches('/').to_owned(),
            internal_secret,
            internal_ttl: chrono::Duration::seconds(internal_ttl_seconds),
            key_cache_seconds,
            oidc,
            jwks: Mutex::new(None),
            verified_sessions: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(30))
                .build(),
            minted: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(
                    (internal_ttl_seconds.max(2) / 2) as u64,
                ))
                .build(),
        }
    }

    /// The credential cache, or `None` (logged) when Redis cannot be reached: then every
    /// check goes to the accounts service.
    async fn cache(&self) -> Option<ConnectionManager> {
        match self.redis.connection().await {
            Ok(redis) => Some(redis),
            Err(e) => {
                // The link logs entering and leaving degraded mode; this is every request.
                tracing::debug!(error = %e, "Redis unavailable: credentials checked at accounts");
                None
            }
        }
    }

    /// The value cached under `key` if it opens (one that does not was not written by the
    /// platform: a miss): from this router's local view while Redis has not invalidated it,
    /// else read from Redis. A failed read drops the connection for this check.
    async fn cached(&self, redis: &mut Option<ConnectionManager>, key: &str) -> Option<String> {
        let secret = &self.internal_secret;
        let read = self
            .view
            .get(redis.as_mut(), key, |sealed| {
                let opened = open(secret, key, sealed);
                if opened.is_none() {
                    tracing::warn!(key, "a cached credential entry did not open; ignored");
                }
                opened
            })
            .await;
        match read {
            Ok(value) => {
                if redis.is_some() {
                    self.redis.succeeded();
                }
                value
            }
            Err(e) => {
                self.redis.failed(&e);
                *redis = None;
                None
            }
        }
    }

    /// Caches `value` under `key` for `ttl` seconds unless something is there already (NX:
    /// a revocation's tombstone written meanwhile wins).
    async fn cache_if_absent(
        &self,
        redis: &mut Option<ConnectionManager>,
        key: &str,
        value: &str,
        ttl: u64,
    ) {
        let Some(connection) = redis.as_mut() else {
            return;
        };
        let written: Result<Option<String>, _> = redis::cmd("SET")
            .arg(key)
            .arg(seal(&self.internal_secret, key, value))
            .arg("NX")
            .arg("EX")
            .arg(ttl)
            .query_async(connection)
            .await;
        if let Err(e) = written {
            self.redis.failed(&e);
            tracing::warn!(error = %e, "could not cache a credential state");
        }
    }

    /// The internal token for `identity`: signed now, or reused while at least half of its
    /// lifetime is left.
    pub fn internal_token(&self, identity: &Identity) -> Result<String, CredentialError> {
        let claims = &identity.claims;
        let mut key = format!(
            "{}|{}|{}|{}|{}|",
            claims.user_id.map(|u| u.to_string()).unwrap_or_default(),
            claims.account_id,
            claims.account_kind,
            claims.session.as_deref().unwrap_or(""),
            claims.api_key.map(|k| k.to_string()).unwrap_or_default(),
        );
        for scope in &claims.scopes {
            key.push_str(scope.as_str());
            key.push(',');
        }
        if let Some(token) = self.minted.get(&key) {
            return Ok(token);
        }
        let mut claims = claims.clone();
        claims.expires_at = Utc::now() + self.internal_ttl;
        let token = self
            .internal
            .mint(&claims)
            .map(|m| m.token)
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?;
        self.minted.insert(key, token.clone());
        Ok(token)
    }

    /// A token for `identity` that subgraphs accept only to open WebSocket subscriptions
    /// (handed to clients, which cannot replay it against a subgraph's HTTP routes).
    pub fn subscription_token(&self, identity: &Identity) -> Result<String, CredentialError> {
        let mut claims = identity.claims.clone();
        claims.expires_at = Utc::now() + self.internal_ttl;
        self.internal
            .mint_for_subscriptions(&claims)
            .map(|m| m.token)
            .map_err(|e| CredentialError::Unavailable(e.to_string()))
    }

    /// Checks a bearer token: a Biscuit session token, or an OIDC JWT when configured.
    pub async fn bearer(&self, token: &str) -> Result<Identity, CredentialError> {
        if self.oidc.is_some() && token.starts_with("eyJ") && token.matches('.').count() == 2 {
            return self.oidc_token(token).await;
        }
        let claims = match self.verified_sessions.get(token) {
            Some(claims) if claims.expires_at > Utc::now() => claims,
            _ => {
                let verified = self
                    .sessions
                    .verify(token)
                    .map_err(|_| CredentialError::Rejected("invalid or expired session token"))?;
                let mut claims = verified.claims;
                claims.session = Some(verified.revocation_id);
                self.verified_sessions
                    .insert(token.to_owned(), claims.clone());
                claims
            }
        };
        let revocation_id = claims.session.clone().unwrap_or_default();
        if !self.session_live(&revocation_id, claims.expires_at).await? {
            return Err(CredentialError::Rejected("this session token was revoked"));
        }
        Ok(Identity {
            claims,
            credential: format!("session:{revocation_id}"),
        })
    }

    /// Whether a session token may be used: its sealed state in the cache, else the
    /// accounts service's answer from Postgres (then cached, unless a revocation's state
    /// got there first).
    async fn session_live(
        &self,
        revocation_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, CredentialError> {
        let key = session_state_key(revocation_id);
        let mut redis = self.cache().await;
        match self.cached(&mut redis, &key).await.as_deref() {
            Some(SESSION_OK) => return Ok(true),
            Some(REVOKED) => return Ok(false),
            _ => {}
        }
        let live = self.check_session(revocation_id).await?;
        let ttl = (expires_at - Utc::now())
            .num_seconds()
            .clamp(1, SESSION_CACHE_SECONDS) as u64;
        let state = if live { SESSION_OK } else { REVOKED };
        self.cache_if_absent(&mut redis, &key, state, ttl).await;
        Ok(live)
    }

    /// Asks the accounts service whether a session token is live.
    async fn check_session(&self, revocation_id: &str) -> Result<bool, CredentialError> {
        #[derive(Deserialize)]
        struct Answer {
            live: bool,
        }
        let response = self
            .http
            .post(format!("{}/internal/sessions/check", self.accounts_url))
            .header("x-mediamagic-internal-secret", &self.internal_secret)
            .json(&serde_json::json!({ "revocation_id": revocation_id }))
            .send()
            .await
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(CredentialError::Unavailable(format!(
                "accounts answered {}",
                response.status()
            )));
        }
        response
            .json::<Answer>()
            .await
            .map(|a| a.live)
            .map_err(|e| CredentialError::Unavailable(e.to_string()))
    }

    /// Checks an API key.
    pub async fn api_key(&self, key: &str) -> Result<Identity, CredentialError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(CredentialError::Rejected("invalid API key"));
        }
        let hash = hex::encode(Sha256::digest(key.as_bytes()));
        let cache_key = api_key_cache_key(&hash);
        // Redis is a cache: without it, every key is looked up at the accounts service.
        let mut redis = self.cache().await;
        let cached = self.cached(&mut redis, &cache_key).await;
        let identity: KeyIdentity = match cached.as_deref() {
            Some(REVOKED) => {
                return Err(CredentialError::Rejected(
                    "invalid, expired or revoked API key",
                ));
            }
            Some(json) => serde_json::from_str(json)
                .map_err(|e| CredentialError::Unavailable(e.to_string()))?,
            None => {
                let looked_up = self.lookup_key(key).await?;
                let value = match &looked_up {
                    Some(json) => json.clone(),
                    None => REVOKED.to_owned(),
                };
                let ttl = if looked_up.is_some() {
                    self.key_cache_seconds
                } else {
                    30
                };
                self.cache_if_absent(&mut redis, &cache_key, &value, ttl)
                    .await;
                match looked_up {
                    Some(json) => serde_json::from_str(&json)
                        .map_err(|e| CredentialError::Unavailable(e.to_string()))?,
                    None => {
                        return Err(CredentialError::Rejected(
                            "invalid, expired or revoked API key",
                        ));
                    }
                }
            }
        };
        let now = Utc::now();
        if identity.expires_at.is_some_and(|at| at <= now) {
            return Err(CredentialError::Rejected(
                "invalid, expired or revoked API key",
            ));
        }
        if let Some(connection) = redis.as_mut()
            && self.last_used_recorded.get(&identity.key_id).is_none()
        {
            self.last_used_recorded.insert(identity.key_id, ());
            // Last-used times are informative (to the minute): losing one denies nothing.
            let recorded: Result<(), _> = connection
                .hset(
                    API_KEY_LAST_USED,
                    identity.key_id.to_string(),
                    now.to_rfc3339(),
                )
                .await;
            if let Err(e) = recorded {
                tracing::debug!(error = %e, "could not record an API key's last use");
            }
        }
        Ok(Identity {
            claims: Claims {
                user_id: identity.user_id,
                account_id: identity.account_id,
                account_kind: identity.account_kind,
                scopes: identity.scopes,
                expires_at: now,
                session: None,
                api_key: Some(identity.key_id),
            },
            credential: format!("key:{}", identity.key_id),
        })
    }

    /// Asks the accounts service about a key: its identity JSON, or `None` when invalid.
    async fn lookup_key(&self, key: &str) -> Result<Option<String>, CredentialError> {
        let response = self
            .http
            .post(format!("{}/internal/api-keys/verify", self.accounts_url))
            .header("x-mediamagic-internal-secret", &self.internal_secret)
            .json(&serde_json::json!({ "key": key }))
            .send()
            .await
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?;
        match response.status() {
            s if s.is_success() => response
                .text()
                .await
                .map(Some)
                .map_err(|e| CredentialError::Unavailable(e.to_string())),
            reqwest::StatusCode::UNAUTHORIZED => Ok(None),
            other => Err(CredentialError::Unavailable(format!(
                "accounts answered {other}"
            ))),
        }
    }

    async fn oidc_token(&self, token: &str) -> Result<Identity, CredentialError> {
        let Some(oidc) = &self.oidc else {
            return Err(CredentialError::Rejected(
                "invalid or expired session token",
            ));
        };
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| CredentialError::Rejected("malformed JWT"))?;
        let jwks = self.jwks(oidc, false).await?;
        let jwk = match header.kid.as_deref().and_then(|kid| jwks.find(kid)) {
            Some(jwk) => jwk.clone(),
            // Unknown kid: the issuer may have rotated keys; refetch once.
            None => {
                let fresh = self.jwks(oidc, true).await?;
                header
                    .kid
                    .as_deref()
                    .and_then(|kid| fresh.find(kid))
                    .cloned()
                    .ok_or(CredentialError::Rejected("JWT signed by an unknown key"))?
            }
        };
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|_| CredentialError::Rejected("unusable JWK"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[&oidc.audience]);
        validation.set_issuer(&[&oidc.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        #[derive(Deserialize)]
        struct OidcClaims {
            sub: String,
            email: Option<String>,
            name: Option<String>,
            exp: i64,
        }
        let data = jsonwebtoken::decode::<OidcClaims>(token, &key, &validation)
            .map_err(|_| CredentialError::Rejected("invalid or expired JWT"))?;
        let claims = data.claims;
        let email = claims
            .email
            .ok_or(CredentialError::Rejected("the JWT carries no email claim"))?;
        let response = self
            .http
            .post(format!("{}/internal/oidc/provision", self.accounts_url))
            .header("x-mediamagic-internal-secret", &self.internal_secret)
            .json(&serde_json::json!({
                "issuer": oidc.issuer, "subject": claims.sub, "email": email, "name": claims.name
            }))
            .send()
            .await
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(CredentialError::Rejected(
                "this identity cannot be provisioned",
            ));
        }
        #[derive(Deserialize)]
        struct Provisioned {
            user_id: Uuid,
        }
        let provisioned: Provisioned = response
            .json()
            .await
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?;
        Ok(Identity {
            claims: Claims {
                user_id: Some(provisioned.user_id),
                account_id: provisioned.user_id,
                account_kind: AccountKind::User,
                scopes: Scope::user_defaults(),
                expires_at: DateTime::<Utc>::from_timestamp(claims.exp, 0).unwrap_or_else(Utc::now),
                session: None,
                api_key: None,
            },
            credential: format!("oidc:{}", provisioned.user_id),
        })
    }

    async fn jwks(&self, oidc: &OidcConfig, refresh: bool) -> Result<JwkSet, CredentialError> {
        let mut cached = self.jwks.lock().await;
        if let Some((fetched, set)) = cached.as_ref()
            && !refresh
            && fetched.elapsed() < Duration::from_secs(oidc.jwks_cache_seconds)
        {
            return Ok(set.clone());
        }
        let set: JwkSet = self
            .http
            .get(&oidc.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?;
        *cached = Some((Instant::now(), set.clone()));
        Ok(set)
    }
}
