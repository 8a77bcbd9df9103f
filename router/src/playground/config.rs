//! Configuration of the playground plugin (`plugins.mediamagic_playground.config`).

use serde::Deserialize;

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
    #[serde(default = "crate::forward::config::default_graphql_path")]
    pub graphql_path: String,
    /// The auth plugin's subscription token path (the page trades the credential from its
    /// Headers tab for a WebSocket token there).
    #[serde(default = "crate::auth::config::default_subscription_token_path")]
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

fn default_true() -> bool {
    true
}
