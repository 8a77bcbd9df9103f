//! Media Magic's Hive Router build: one folder per plugin, each with its config beside it.
//!
//! [`auth`] accepts session tokens, API keys and (optionally) OIDC JWTs
//! ([`auth::credentials`] does the checking), drops any client-sent internal header, and
//! forwards a short-lived internal Biscuit that subgraphs verify; [`auth::websocket`] does the
//! same for graphql-ws clients' `connection_init` credentials (through the WebSocket hook of
//! the vendored, patched Hive Router: vendor/hive-router/PATCHES.md).
//!
//! [`forward`] runs after it and serves some HTTP routes (multipart GraphQL uploads, REST
//! surfaces, signed object URLs) from a service, streaming both ways; before any of it,
//! [`paths`] refuses every path that is not canonical (dot segments, encoded separators).
//!
//! [`rate_limit`] runs between them: per-credential, per-account and per-address budgets
//! ([`rate_limit::limiter`]: GCRA in Redis, a local limiter while Redis is away).
//!
//! [`playground`] serves an offline GraphiQL page with bundled assets (dev configs); [`site`]
//! the Media Magic page browsers get at `/`; [`console`] the web console at `/console/`.

pub mod auth;
pub mod console;
pub mod forward;
pub mod paths;
pub mod playground;
pub mod rate_limit;
pub mod settings;
pub mod site;
pub mod static_page;

pub use auth::AuthPlugin;
pub use console::ConsolePlugin;
pub use forward::ForwardPlugin;
pub use playground::PlaygroundPlugin;
pub use rate_limit::RateLimitPlugin;
pub use site::SitePlugin;
