//! Jobs subgraph settings (section `[jobs]` of the platform config).

use serde::Deserialize;

/// Settings of the jobs subgraph.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs of one account that may hold a worker (scheduled or running) at once; the rest
    /// wait in the queue.
    #[serde(default = "default_max_running_per_account")]
    pub max_running_per_account: i64,
    /// Runs of a job before a lost worker fails it for good.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: i32,
    /// How long a worker's claim lasts without a heartbeat, in seconds.
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: i64,
    /// How often expired leases and deadlines are swept, in milliseconds.
    #[serde(default = "default_sweep_interval_ms")]
    pub sweep_interval_ms: u64,
    /// A queued job fails with NO_CAPACITY once no live worker has offered its machine type
    /// for this many seconds (and it has waited as long); 0 waits for ever.
    #[serde(default = "default_no_capacity_after_seconds")]
    pub no_capacity_after_seconds: u64,
    /// Let callback URLs point at loopback and private addresses (off: SSRF protection).
    #[serde(default)]
    pub allow_private_callbacks: bool,
    /// Timeout of one callback POST, in seconds.
    #[serde(default = "default_callback_timeout_seconds")]
    pub callback_timeout_seconds: u64,
    /// Longest `cancelAfter` a deployment may ask for, in seconds.
    #[serde(default = "default_max_cancel_after_seconds")]
    pub max_cancel_after_seconds: i64,
    /// Subscriptions one account may hold on one jobs service at once (RATE_LIMITED past it).
    #[serde(default = "default_max_subscriptions_per_account")]
    pub max_subscriptions_per_account: usize,
    /// Longest log line kept, in bytes (longer lines are cut).
    #[serde(default = "default_max_log_line_bytes")]
    pub max_log_line_bytes: usize,
    /// GraphQL URL of the media subgraph, which checks file arguments; `mediamagic dev` and
    /// `serve` fill in this stack's media service when empty.
    #[serde(default)]
    pub media_url: Option<String>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            max_running_per_account: default_max_running_per_account(),
            max_subscriptions_per_account: default_max_subscriptions_per_account(),
            max_attempts: default_max_attempts(),
            lease_seconds: default_lease_seconds(),
            sweep_interval_ms: default_sweep_interval_ms(),
            no_capacity_after_seconds: default_no_capacity_after_seconds(),
            allow_private_callbacks: false,
            callback_timeout_seconds: default_callback_timeout_seconds(),
            max_cancel_after_seconds: default_max_cancel_after_seconds(),
            max_log_line_bytes: default_max_log_line_bytes(),
            media_url: None,
        }
    }
}

fn default_max_running_per_account() -> i64 {
    4
}
fn default_max_subscriptions_per_account() -> usize {
    100
}
fn default_max_attempts() -> i32 {
    3
}
fn default_no_capacity_after_seconds() -> u64 {
    900
}
fn default_lease_seconds() -> i64 {
    30
}
fn default_sweep_interval_ms() -> u64 {
    1000
}
fn default_callback_timeout_seconds() -> u64 {
    10
}
fn default_max_cancel_after_seconds() -> i64 {
    7 * 24 * 3600
}
fn default_max_log_line_bytes() -> usize {
    8192
}
