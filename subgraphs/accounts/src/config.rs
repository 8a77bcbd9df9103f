//! Accounts subgraph settings (section `[accounts]` of the platform config).

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
