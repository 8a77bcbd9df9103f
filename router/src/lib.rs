//! Media Magic's Hive Router build.
//!
//! [`auth_plugin`] accepts session tokens, API keys and (optionally) OIDC
//! JWTs ([`credentials`] does the checking), drops any client-sent internal header, and
//! forwards a short-lived internal Biscuit that subgraphs verify; [`websocket_auth`] does the
//! same for graphql-ws clients' `connection_init` credentials (through the WebSocket hook of
//! the vendored, patched Hive Router: vendor/hive-router/PATCHES.md).
//!
//! [`forward_plugin`] runs after it and serves some HTTP routes (multipart GraphQL uploads,
//! REST surfaces, signed object URLs) from a service, streaming both ways; before any of it,
//! [`paths`] refuses every path that is not canonical (dot segments, encoded separators).
//!
//! [`rate_limit_plugin`] runs between them: per-credential, per-account and per-address
//! budgets ([`rate_limit`]: GCRA in Redis, a local limiter while Redis is away).
//!
//! [`playground_plugin`] serves an offline GraphiQL page with bundled assets (dev configs);
//! [`site_plugin`] the Media Magic page browsers get at `/`; [`console_plugin`] the web
//! console at `/console/`.

pub mod auth_plugin;
pub mod client_credential;
pub mod config;
pub mod console_plugin;
pub mod credentials;
pub mod forward_plugin;
pub mod paths;
pub mod playground_plugin;
pub mod rate_limit;
pub mod rate_limit_plugin;
pub mod site_plugin;
pub mod static_page;
pub mod websocket_auth;

pub use auth_plugin::AuthPlugin;
pub use console_plugin::ConsolePlugin;
pub use forward_plugin::ForwardPlugin;
pub use playground_plugin::PlaygroundPlugin;
pub use rate_limit_plugin::RateLimitPlugin;
pub use site_plugin::SitePlugin;
