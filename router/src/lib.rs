//! Media Magic's Hive Router build.
//!
//! [`auth_plugin`] is the one plugin: it accepts session tokens, API keys and (optionally) OIDC
//! JWTs ([`credentials`] does the checking), drops any client-sent internal header, and
//! forwards a short-lived internal Biscuit that subgraphs verify.

pub mod auth_plugin;
pub mod config;
pub mod credentials;

pub use auth_plugin::AuthPlugin;
