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

fn default_rest_paths() -> Vec<String> {
    [
        "/api/v1/",
        "/converter/",
        "/apiv1/",
        "/media-management/",
        "/upload",
        "/uploads/upload",
        "/objects/",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn default_max_subscriptions_per_connection() -> usize {
    50
}

fn default_subscription_token_path() -> String {
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

/// The value of `field`, or of the environment variable `env`.
pub fn setting(field: &Option<String>, env: &str) -> Option<String> {
    field
        .clone()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}

/// Forward plugin settings (`plugins.mediamagic_forward.config`): HTTP routes the router
/// serves from a service instead of its GraphQL pipeline, streamed both ways.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardPluginConfig {
    /// Base URL of each service by name (`media: http://127.0.0.1:4003`). A service missing
    /// here is read from `MEDIAMAGIC__SERVICES__<NAME>` (upper case).
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, String>,
    /// The router's GraphQL endpoint path (`http.graphql_endpoint`).
    #[serde(default = "default_graphql_path")]
    pub graphql_path: String,
    /// Where `multipart/form-data` requests to the GraphQL endpoint go (file uploads by the
    /// GraphQL multipart request spec); the router's planner cannot carry files.
    #[serde(default)]
    pub multipart_graphql: Option<ForwardTarget>,
    /// Plain HTTP routes (REST surfaces, signed object URLs).
    #[serde(default)]
    pub routes: Vec<ForwardRoute>,
    /// Seconds to wait for a service's connection (the exchange itself may be long: uploads).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_seconds: u64,
}

/// A service endpoint.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardTarget {
    /// The service name (a key of `services`).
    pub service: String,
    /// The path on that service.
    pub path: String,
}

/// One forwarded route: the request keeps its path and query.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardRoute {
    /// The path it takes: exactly this path, or every path under it when it ends with `/`
    /// (`/` alone takes only the root).
    pub path: String,
    /// The service name (a key of `services`).
    pub service: String,
    /// Methods it takes (upper case); empty takes every method.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Pass the client's credential headers (`Authorization`, `x-mediamagic-key`) on, for a
    /// service that calls the router's GraphQL as the client (the REST compatibility
    /// surfaces). Off: the service gets only the internal token.
    #[serde(default)]
    pub pass_credentials: bool,
}

fn default_graphql_path() -> String {
    "/graphql".into()
}
fn default_connect_timeout() -> u64 {
    5
}

/// Playground plugin settings (`plugins.mediamagic_playground.config`): an offline GraphiQL
/// page with its assets bundled into the router. Turn the plugin on in development configs
/// only, with introspection.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaygroundPluginConfig {
    /// Where the page is served; its assets are under `<path>/assets/`.
    #[serde(default = "default_playground_path")]
    pub path: String,
    /// The router's GraphQL endpoint path (`http.graphql_endpoint`), which the page calls
    /// over HTTP and WebSocket.
    #[serde(default = "default_graphql_path")]
    pub graphql_path: String,
    /// The auth plugin's subscription token path (the page trades the credential from its
    /// Headers tab for a WebSocket token there).
    #[serde(default = "default_subscription_token_path")]
    pub subscription_token_path: String,
    /// Send a browser that opens the GraphQL endpoint (GET, prefers `text/html`) to the page.
    #[serde(default = "default_true")]
    pub redirect_graphql_endpoint: bool,
}

/// Where the playground is served unless its config says otherwise.
pub const DEFAULT_PLAYGROUND_PATH: &str = "/playground";

fn default_playground_path() -> String {
    DEFAULT_PLAYGROUND_PATH.into()
}

/// Settings of the `mediamagic_console` plugin.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsolePluginConfig {
    /// Where the console is served (its files under `<path>/`).
    #[serde(default = "default_console_path")]
    pub path: String,
}

/// Where the console is served unless its config says otherwise.
pub const DEFAULT_CONSOLE_PATH: &str = "/console";

fn default_console_path() -> String {
    DEFAULT_CONSOLE_PATH.into()
}

/// Settings of the `mediamagic_site` plugin.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitePluginConfig {
    /// Serve the Media Magic page to browsers opening `/` (other clients keep seed 004's
    /// health answer there).
    #[serde(default = "default_true")]
    pub home: bool,
}

fn default_true() -> bool {
    true
}

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
    #[serde(default = "default_rest_paths")]
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
