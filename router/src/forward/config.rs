//! Configuration of the forward plugin (`plugins.mediamagic_forward.config`).

use serde::Deserialize;

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

pub(crate) fn default_graphql_path() -> String {
    "/graphql".into()
}
fn default_connect_timeout() -> u64 {
    5
}
