//! Platform configuration: embedded defaults (`config/defaults.toml`), an optional file
//! (`--config` or `MEDIAMAGIC_CONFIG`), then `MEDIAMAGIC__SECTION__KEY` environment variables.
//! `DATABASE_URL` and `REDIS_URL` are honoured too.

use mediamagic_accounts::AccountsConfig;
use mediamagic_billing::BillingConfig;
use mediamagic_compat::CompatConfig;
use mediamagic_jobs::JobsConfig;
use mediamagic_kit::{config::Secret, telemetry::LogConfig};
use mediamagic_media::MediaConfig;
use mediamagic_models::ModelsConfig;
use mediamagic_worker::WorkerConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Built-in defaults: everything `mediamagic dev` needs.
pub const DEFAULTS: &str = include_str!("../config/defaults.toml");

/// The whole platform's settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// Postgres.
    pub database: DatabaseConfig,
    /// Redis.
    pub redis: RedisConfig,
    /// Keys and secrets for tokens.
    pub auth: AuthConfig,
    /// Logging.
    pub log: LogConfig,
    /// OpenTelemetry traces (off by default).
    #[serde(default)]
    pub tracing: mediamagic_kit::otel::TracingConfig,
    /// Where services listen.
    pub listen: ListenConfig,
    /// Accounts subgraph.
    #[serde(default)]
    pub accounts: AccountsConfig,
    /// Models subgraph.
    #[serde(default)]
    pub models: ModelsConfig,
    /// Media subgraph.
    #[serde(default)]
    pub media: MediaConfig,
    /// Jobs subgraph.
    #[serde(default)]
    pub jobs: JobsConfig,
    /// Worker (runs jobs on the cluster) and its subgraph.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// Billing: currency, seeded prices, storage sampling and period closing.
    #[serde(default)]
    pub billing: BillingConfig,
    /// REST compatibility surfaces of the seed systems.
    #[serde(default)]
    pub compat: CompatConfig,
    /// Event triggers.
    #[serde(default)]
    pub events: EventsConfig,
    /// How long data is kept (defaults of every account's policy) and when each service
    /// sweeps what is due.
    #[serde(default)]
    pub retention: mediamagic_kit::retention::RetentionConfig,
    /// WAL archiving and scheduled backups of the cluster `dev` runs (pgBackRest).
    #[serde(default)]
    pub backup: crate::backup::config::BackupConfig,
    /// `mediamagic agent`: the platform's URL and the agent's token.
    #[serde(default)]
    pub agent: mediamagic_worker::agent::AgentConfig,
    /// Router process.
    pub router: RouterConfig,
    /// `mediamagic dev` settings.
    pub dev: DevConfig,
}

/// Event-trigger delivery settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Run the dispatchers. Turn off when a Hasura instance configured from `hasura/`
    /// delivers the events to the webhooks instead.
    #[serde(default = "default_dispatch")]
    pub dispatch: bool,
    /// Per-trigger delivery settings (retries, base_interval_ms, timeout_ms, concurrency),
    /// by trigger name, e.g. `[events.triggers.api_key_revoked] retries = 10`.
    #[serde(default)]
    pub triggers: std::collections::HashMap<String, mediamagic_kit::events::TriggerConfig>,
    /// Days delivered events and invocation logs are kept.
    #[serde(default = "default_retention_days")]
    pub retention_days: f64,
    /// When the retention job runs (cron with seconds).
    #[serde(default = "default_cleanup_schedule")]
    pub cleanup_schedule: String,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            dispatch: default_dispatch(),
            triggers: Default::default(),
            retention_days: default_retention_days(),
            cleanup_schedule: default_cleanup_schedule(),
        }
    }
}

fn default_dispatch() -> bool {
    true
}

fn default_retention_days() -> f64 {
    7.0
}

fn default_cleanup_schedule() -> String {
    "0 17 * * * *".into()
}

/// Postgres settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Connection URL of the migrator (the role that runs `mediamagic migrate` and owns the
    /// schemas); `dev` starts a private cluster when absent.
    #[serde(default)]
    pub url: Option<Secret<String>>,
    /// Each service's own URL, by service (`media = "postgres://mediamagic_media:...@db/mm"`).
    /// A service without one connects as `mediamagic_<service>`, without a password, to
    /// `url`'s server and database: enough where Postgres trusts the connection (dev).
    #[serde(default)]
    pub roles: std::collections::BTreeMap<String, Secret<String>>,
    /// Pool size per service.
    pub max_connections: usize,
}

/// Redis settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// Connection URL; `dev` starts a private redis-server when absent.
    #[serde(default)]
    pub url: Option<Secret<String>>,
}

/// Token keys (hex Ed25519, from `mediamagic tokens keygen`) and the internal secret.
/// `dev` generates and keeps them under the data directory when absent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Signs session tokens (accounts service).
    #[serde(default)]
    pub root_private_key: Option<Secret<String>>,
    /// Verifies session tokens (router).
    #[serde(default)]
    pub root_public_key: Option<String>,
    /// Signs internal tokens (router).
    #[serde(default)]
    pub internal_private_key: Option<Secret<String>>,
    /// Verifies internal tokens (every subgraph).
    #[serde(default)]
    pub internal_public_key: Option<String>,
    /// Shared secret between the router and the accounts service's `/internal` endpoints.
    #[serde(default)]
    pub internal_secret: Option<Secret<String>>,
    /// Secret Hasura (or anyone delivering events) sends in `x-mediamagic-event-secret`.
    #[serde(default)]
    pub events_secret: Option<Secret<String>>,
    /// Seals accounts' webhook signing secrets in the database (jobs): 32 bytes as 64 hex
    /// characters (`mediamagic tokens keygen` prints one). Changing it makes the stored
    /// secrets unreadable until their accounts rotate them.
    #[serde(default)]
    pub webhook_secrets_key: Option<Secret<String>>,
    /// Signs local-storage object URLs (media service only): 32 bytes as 64 hex characters.
    #[serde(default)]
    pub storage_secret: Option<Secret<String>>,
    /// Signs the worker's own tokens towards the media service (worker only); a worker
    /// token acts as no account.
    #[serde(default)]
    pub worker_private_key: Option<Secret<String>>,
    /// Verifies worker tokens (media service).
    #[serde(default)]
    pub worker_public_key: Option<String>,
}

/// Listening addresses.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    /// Interface for every service.
    pub host: String,
    /// The router's (public) port.
    pub router_port: u16,
    /// The accounts subgraph's port.
    pub accounts_port: u16,
    /// The models subgraph's port.
    pub models_port: u16,
    /// The media subgraph's port (also serves local-storage object URLs).
    pub media_port: u16,
    /// The jobs subgraph's port.
    pub jobs_port: u16,
    /// The worker subgraph's port.
    pub worker_port: u16,
    /// The billing subgraph's port.
    pub billing_port: u16,
    /// The REST compatibility service's port (reached through the router).
    pub compat_port: u16,
    /// A second port of `serve media` that answers only the signed object routes
    /// (`/objects/...`), for callers that may reach nothing else of the platform: the
    /// Kubernetes job pods, whose NetworkPolicy allows only this port. Off when absent.
    #[serde(default)]
    pub media_objects_port: Option<u16>,
}

/// The router process.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterConfig {
    /// Path of the `mediamagic-router` binary; defaults to the one next to `mediamagic`.
    #[serde(default)]
    pub binary: Option<PathBuf>,
    /// Router YAML used by `dev`; defaults to the embedded `router/config/dev.yaml`.
    #[serde(default)]
    pub config_file: Option<PathBuf>,
}

/// `mediamagic dev` settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevConfig {
    /// Where dev keeps Postgres, Redis, keys and objects.
    pub data_dir: PathBuf,
    /// Machine types dev accepts on models although no local pool runs them: seed 000's
    /// clients register models for its cluster manager's `container2` and `gpu`. Added to
    /// `models.expected_machine_types` in dev only (production refuses unknown machine
    /// types unless an operator declares them there); a deployment of such a model queues
    /// and fails `NO_CAPACITY` after `no_capacity_after_seconds`.
    #[serde(
        default,
        deserialize_with = "mediamagic_models::config::list_or_comma_separated"
    )]
    pub expected_machine_types: Vec<String>,
    /// `jobs.no_capacity_after_seconds` in dev: every worker of a dev stack starts with it,
    /// so a machine type no worker offered within this wait will never be served.
    #[serde(default = "default_dev_no_capacity_after_seconds")]
    pub no_capacity_after_seconds: u64,
    /// `media.cors_allowed_origins` in dev when that list is empty: pages on this machine
    /// may PUT and GET the signed object URLs (the router's dev config allows the same
    /// origins on the API).
    #[serde(
        default,
        deserialize_with = "mediamagic_models::config::list_or_comma_separated"
    )]
    pub cors_allowed_origins: Vec<String>,
}

fn default_dev_no_capacity_after_seconds() -> u64 {
    60
}

/// Loads the config, with `DATABASE_URL` / `REDIS_URL` applied when set.
pub fn load(file: Option<&Path>) -> anyhow::Result<PlatformConfig> {
    let mut config: PlatformConfig = mediamagic_kit::config::load(DEFAULTS, file)?;
    if config.database.url.is_none() {
        config.database.url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret::new);
    }
    if config.redis.url.is_none() {
        config.redis.url = std::env::var("REDIS_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret::new);
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_single_machine_example_parses_and_turns_backups_on() {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config/single-machine.example.toml");
        let config: PlatformConfig =
            mediamagic_kit::config::load(DEFAULTS, Some(&example)).unwrap();
        assert!(config.backup.enabled);
        assert_eq!(config.backup.full_kept, 7);
        assert!(matches!(
            config.backup.repository,
            crate::backup::config::RepositoryConfig::Path { .. }
        ));
    }

    #[test]
    fn the_embedded_defaults_parse() {
        let config: PlatformConfig = mediamagic_kit::config::load(DEFAULTS, None).unwrap();
        assert_eq!(config.listen.router_port, 4000);
        assert_eq!(config.accounts.session_ttl_hours, 72);
    }
}
