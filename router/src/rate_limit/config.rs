//! Configuration of the rate-limit plugin (`plugins.mediamagic_rate_limit.config`).

use serde::Deserialize;

/// Rate-limit plugin settings (`plugins.mediamagic_rate_limit.config`). Every budget is a
/// token bucket: `per_minute` requests on average and at most `burst` at once. A request
/// must fit its credential's and its account's budget (anonymous ones: their client
/// address's); mutations and uploads also spend their own budgets.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitPluginConfig {
    /// Redis URL holding the shared buckets. Env: `MEDIAMAGIC__REDIS__URL`.
    #[serde(default)]
    pub redis_url: Option<String>,
    /// Budgets of user accounts and their credentials.
    #[serde(default = "KindLimits::user_defaults")]
    pub user: KindLimits,
    /// Budgets of team accounts and their credentials.
    #[serde(default = "KindLimits::team_defaults")]
    pub team: KindLimits,
    /// Requests to the agent routes (`agent_paths`), per client address: agents renew their
    /// leases and send every run's logs and progress there, so their budget is larger than
    /// `anonymous`; the worker service checks their tokens.
    #[serde(default = "default_agents")]
    pub agents: RateConfig,
    /// Paths of the agent protocol (a prefix when ending with `/`).
    #[serde(default = "default_agent_paths")]
    pub agent_paths: Vec<String>,
    /// Requests without a credential, per client address.
    #[serde(default = "default_anonymous")]
    pub anonymous: RateConfig,
    /// Log-in and sign-up attempts per client address (on top of the accounts service's
    /// per-email limit on failed log-ins).
    #[serde(default = "default_log_ins")]
    pub log_ins_per_address: RateConfig,
    /// Root mutation fields counted as log-in attempts.
    #[serde(default = "default_log_in_fields")]
    pub log_in_fields: Vec<String>,
    /// Root mutation fields that also spend the upload budget (HTTP upload routes always do).
    #[serde(default = "default_upload_fields")]
    pub upload_fields: Vec<String>,
    /// Paths whose requests spend the upload budget: exact, or a prefix when ending with `/`
    /// (a `PUT` there, or any multipart request to the GraphQL endpoint, counts too).
    #[serde(default = "default_upload_paths")]
    pub upload_paths: Vec<String>,
    /// Paths not counted here because the service behind them calls the router's GraphQL
    /// as the client (the REST compatibility surfaces): that call is counted instead.
    #[serde(default = "default_counted_downstream")]
    pub counted_downstream: Vec<String>,
    /// Paths of REST surfaces (as the auth plugin's `rest_paths`): refusals there get the
    /// REST error shape.
    #[serde(default = "crate::auth::config::default_rest_paths")]
    pub rest_paths: Vec<String>,
    /// Client addresses of proxies in front of the router (IPs): for requests from them
    /// the client address is the last `X-Forwarded-For` entry they added.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The budgets of one account kind.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindLimits {
    /// Shared by every credential of one account.
    pub account: Budgets,
    /// Per credential (one session token or API key).
    pub credential: Budgets,
}

/// The budgets every request, every mutation and every upload spend.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// Every request.
    pub requests: RateConfig,
    /// GraphQL mutations.
    pub mutations: RateConfig,
    /// Uploads (upload routes, multipart GraphQL, `upload_fields`).
    pub uploads: RateConfig,
}

/// One budget.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateConfig {
    /// Sustained requests per minute (at least 1).
    pub per_minute: u32,
    /// Requests allowed at once after a quiet spell (at least 1).
    pub burst: u32,
}

const fn rate(per_minute: u32, burst: u32) -> RateConfig {
    RateConfig { per_minute, burst }
}

impl KindLimits {
    fn user_defaults() -> Self {
        Self {
            account: Budgets {
                requests: rate(3_000, 300),
                mutations: rate(600, 60),
                uploads: rate(120, 30),
            },
            credential: Budgets {
                requests: rate(1_800, 200),
                mutations: rate(300, 40),
                uploads: rate(60, 20),
            },
        }
    }

    fn team_defaults() -> Self {
        Self {
            account: Budgets {
                requests: rate(6_000, 600),
                mutations: rate(1_200, 120),
                uploads: rate(240, 60),
            },
            credential: Budgets {
                requests: rate(1_800, 200),
                mutations: rate(300, 40),
                uploads: rate(60, 20),
            },
        }
    }
}

fn default_agents() -> RateConfig {
    rate(12_000, 1_000)
}
fn default_agent_paths() -> Vec<String> {
    vec!["/agent/v1/".into()]
}
fn default_anonymous() -> RateConfig {
    rate(600, 100)
}
fn default_log_ins() -> RateConfig {
    rate(30, 10)
}
fn default_log_in_fields() -> Vec<String> {
    vec![
        "logIn".into(),
        "signUp".into(),
        "refreshSession".into(),
        "startOidcLogin".into(),
        "completeOidcLogin".into(),
    ]
}
fn default_upload_fields() -> Vec<String> {
    vec!["createUpload".into(), "uploadMedia".into()]
}
fn default_upload_paths() -> Vec<String> {
    vec![
        "/upload".into(),
        "/uploads/upload".into(),
        "/objects/".into(),
    ]
}
fn default_counted_downstream() -> Vec<String> {
    vec![
        "/api/v1/".into(),
        "/converter/".into(),
        "/apiv1/".into(),
        "/media-management/".into(),
    ]
}
