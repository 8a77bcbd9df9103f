//! Accounts subgraph settings (section `[accounts]` of the platform config).

use mediamagic_kit::config::Secret;
use serde::Deserialize;

/// Settings of the accounts subgraph.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    /// Minimum password length for sign-up.
    #[serde(default = "default_password_min_length")]
    pub password_min_length: usize,
    /// Lifetime of user and team session tokens, in hours (seed 000: three days).
    #[serde(default = "default_session_ttl_hours")]
    pub session_ttl_hours: i64,
    /// Lifetime of team invites, in hours.
    #[serde(default = "default_invite_ttl_hours")]
    pub invite_ttl_hours: i64,
    /// Failed log-ins allowed per email within `login_window_seconds` before RATE_LIMITED.
    #[serde(default = "default_login_max_failures")]
    pub login_max_failures: u32,
    /// Window of the failed log-in limit, in seconds.
    #[serde(default = "default_login_window_seconds")]
    pub login_window_seconds: u64,
    /// Password hashes (argon2id, ~19 MiB of memory each) computed at once by this service,
    /// for sign-up and log-in together; more wait up to `hash_wait_ms`, then get RATE_LIMITED.
    #[serde(default = "default_max_concurrent_hashes")]
    pub max_concurrent_hashes: usize,
    /// How long a sign-up or log-in waits for a free hashing slot, in milliseconds.
    #[serde(default = "default_hash_wait_ms")]
    pub hash_wait_ms: u64,
    /// Most API keys one account may hold.
    #[serde(default = "default_max_api_keys")]
    pub max_api_keys: i64,
    /// Bootstraps platform administrators: users with these emails that exist when the
    /// service starts are granted the `admin` scope (audited). Signing up later with a listed
    /// email grants nothing; use `mediamagic admin grant <email>` then.
    #[serde(default)]
    pub admin_emails: Vec<String>,
    /// Lifetime of a refresh token, in hours (each use rotates it and starts a new one).
    #[serde(default = "default_refresh_token_ttl_hours")]
    pub refresh_token_ttl_hours: i64,
    /// Sign-in through an identity provider (seed 000's Auth0 flow); off when absent.
    #[serde(default)]
    pub oidc_login: Option<OidcLoginConfig>,
}

/// An OpenID Connect provider (Auth0, Keycloak, ...) users sign in with: the authorization
/// code flow with PKCE, this service being the client.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcLoginConfig {
    /// The provider's issuer, exactly as its ID tokens carry it in `iss`.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged for tokens.
    pub token_endpoint: String,
    /// The provider's signing keys (JWKS).
    pub jwks_url: String,
    /// This platform's client id at the provider (the ID token's audience).
    pub client_id: String,
    /// The client secret, for confidential clients (env
    /// `MEDIAMAGIC__ACCOUNTS__OIDC_LOGIN__CLIENT_SECRET`); PKCE alone when absent.
    #[serde(default)]
    pub client_secret: Option<Secret<String>>,
    /// The callback URL registered at the provider: the router's
    /// `/api/v1/auth/callback` as clients reach it.
    pub redirect_uri: String,
    /// Other callbacks a browser app may ask for with `startOidcLogin(redirectUri:)`, exactly
    /// (the console, e.g. `https://api.example.com/console/`); each must also be registered
    /// at the provider. Any other is refused, so a sign-in's code never goes elsewhere.
    #[serde(default)]
    pub app_redirect_uris: Vec<String>,
    /// Scopes asked for.
    #[serde(default = "default_oidc_scopes")]
    pub scopes: String,
    /// How long a started sign-in may take to come back, in seconds.
    #[serde(default = "default_oidc_login_ttl_seconds")]
    pub login_ttl_seconds: i64,
}

fn default_oidc_scopes() -> String {
    "openid email profile".into()
}
fn default_oidc_login_ttl_seconds() -> i64 {
    600
}
fn default_refresh_token_ttl_hours() -> i64 {
    24 * 30
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            password_min_length: default_password_min_length(),
            session_ttl_hours: default_session_ttl_hours(),
            invite_ttl_hours: default_invite_ttl_hours(),
            login_max_failures: default_login_max_failures(),
            login_window_seconds: default_login_window_seconds(),
            max_concurrent_hashes: default_max_concurrent_hashes(),
            hash_wait_ms: default_hash_wait_ms(),
            max_api_keys: default_max_api_keys(),
            admin_emails: Vec::new(),
            refresh_token_ttl_hours: default_refresh_token_ttl_hours(),
            oidc_login: None,
        }
    }
}

fn default_max_concurrent_hashes() -> usize {
    4
}
fn default_hash_wait_ms() -> u64 {
    2000
}
fn default_password_min_length() -> usize {
    10
}
fn default_session_ttl_hours() -> i64 {
    72
}
fn default_invite_ttl_hours() -> i64 {
    168
}
fn default_login_max_failures() -> u32 {
    10
}
fn default_login_window_seconds() -> u64 {
    900
}
fn default_max_api_keys() -> i64 {
    100
}
