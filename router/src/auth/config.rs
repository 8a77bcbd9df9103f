//! Configuration of the auth plugin (`plugins.mediamagic_auth.config` in the router YAML).
//! Every secret may instead come from the environment (`MEDIAMAGIC__AUTH__...`), which is how
//! production deployments pass them.

use serde::Deserialize;

/// Auth plugin settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthPluginConfig {
    /// Hex Ed25519 public key of the platform root key that signs session tokens.
    /// Env: `MEDIAMAGIC__AUTH__ROOT_PUBLIC_KEY`.
    #[serde(default)]
    pub root_public_key: Option<String>,
    /// Hex Ed25519 private key that signs internal tokens for subgraphs.
    /// Env: `MEDIAMAGIC__AUTH__INTERNAL_PRIVATE_KEY`.
    #[serde(default)]
    pub internal_private_key: Option<String>,
    /// Shared secret for the accounts service's `/internal` endpoints.
    /// Env: `MEDIAMAGIC__AUTH__INTERNAL_SECRET`.
    #[serde(default)]
    pub internal_secret: Option<String>,
    /// Redis URL (revocations, API-key cache). Env: `MEDIAMAGIC__REDIS__URL`.
    #[serde(default)]
    pub redis_url: Option<String>,
    /// Base URL of the accounts service (for API-key lookups and OIDC provisioning).
    /// Env: `MEDIAMAGIC__AUTH__ACCOUNTS_URL`.
    #[serde(default)]
    pub accounts_url: Option<String>,
    /// Lifetime of internal tokens, in seconds.
    #[serde(default = "default_internal_ttl")]
    pub internal_token_ttl_seconds: i64,
    /// How long a verified API key stays cached in Redis, in seconds (revocation still
    /// applies at once: it replaces the entry).
    #[serde(default = "default_key_cache")]
    pub api_key_cache_seconds: u64,
    /// Optional external OIDC provider (Auth0-style).
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
    /// `POST` here with a credential to get a short-lived token for WebSocket subscriptions
    /// (sent as `x-mediamagic-internal` in `connection_init`). Kept for clients that trade
    /// their credential first; graphql-ws clients may instead send their usual
    /// `Authorization` / `x-mediamagic-key` in `connection_init`, checked like HTTP headers.
    #[serde(default = "default_subscription_token_path")]
    pub subscription_token_path: String,
    /// Most subscriptions one WebSocket connection may hold at once (`RATE_LIMITED` past
    /// it); the jobs service also caps each account's (`jobs.max_subscriptions_per_account`).
    #[serde(default = "default_max_subscriptions_per_connection")]
    pub max_subscriptions_per_connection: usize,
    /// Paths of REST surfaces (a prefix when it ends with `/`, else exact): refused
    /// credentials there get `{"error": {"code", "message"}}` rather than a GraphQL error.
    #[serde(default = "default_rest_paths")]
    pub rest_paths: Vec<String>,
}

pub(crate) fn default_rest_paths() -> Vec<String> {
    [
        "/api/v1/",
        "/converter/",
        "/apiv1/",
        "/media-management/",
        "/upload",
        "/uploads/upload",
        "/objects/",
        "/agent/v1/",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn default_max_subscriptions_per_connection() -> usize {
    50
}

pub(crate) fn default_subscription_token_path() -> String {
    "/auth/subscription-token".into()
}

/// An external OIDC issuer whose JWTs are accepted as user credentials.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Expected `iss` claim.
    pub issuer: String,
    /// Expected `aud` claim.
    pub audience: String,
    /// URL of the issuer's JWKS document.
    pub jwks_url: String,
    /// How long fetched keys are kept, in seconds.
    #[serde(default = "default_jwks_cache")]
    pub jwks_cache_seconds: u64,
}

fn default_internal_ttl() -> i64 {
    60
}
fn default_key_cache() -> u64 {
    300
}
fn default_jwks_cache() -> u64 {
    600
}
