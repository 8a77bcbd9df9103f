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

/// The value of `field`, or of the environment variable `env`.
pub fn setting(field: &Option<String>, env: &str) -> Option<String> {
    field
        .clone()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}
