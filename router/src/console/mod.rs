//! The `mediamagic_console` plugin: the web console (`console/`, a React app built into
//! `router/console/dist` and compiled into the router), served at `/console/` with no Node at
//! run time. Its pages are chosen by the URL's hash, so one `index.html` serves them all.
//! Operators turn it off with `enabled: false`.

pub mod config;

use self::config::ConsolePluginConfig;
use crate::static_page::file;
use hive_router::{
    http::StatusCode,
    ntex::{
        http::{Response, header},
        web::{DefaultError, WebRequest},
    },
    plugins::{
        hooks::{
            on_http_request::{OnHttpRequestHookFuture, OnHttpRequestHookPayload},
            on_plugin_init::{OnPluginInitPayload, OnPluginInitResult},
        },
        plugin_trait::{RouterPlugin, StartHookPayload},
    },
};

const INDEX: &[u8] = include_bytes!("../../console/dist/index.html");

/// The console's files: `(name under assets/, content type, bytes)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../console/dist/assets/console.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../../console/dist/assets/console.css"),
    ),
];

/// Scripts and styles from the router only; the API, media players and downloads may be on
/// other origins (the person picks the API; object URLs point at storage).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src * data: blob:; media-src * blob:; \
    connect-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The console plugin.
pub struct ConsolePlugin {
    path: String,
}

impl ConsolePlugin {
    /// Builds the plugin for the configured path.
    pub fn new(config: &ConsolePluginConfig) -> Self {
        Self {
            path: config.path.trim_end_matches('/').to_owned(),
        }
    }

    fn answer(&self, request: &WebRequest<DefaultError>) -> Option<Response> {
        let method = request.method().as_str();
        let rest = request.path().strip_prefix(&self.path)?;
        if method != "GET" && method != "HEAD" {
            return None;
        }
        match rest {
            // Relative asset paths need the trailing slash.
            "" => Some(
                Response::build(StatusCode::MOVED_PERMANENTLY)
                    .header(header::LOCATION, format!("{}/", self.path))
                    .finish(),
            ),
            "/" | "/index.html" => Some(file(
                "text/html; charset=utf-8",
                CONTENT_SECURITY_POLICY,
                INDEX,
            )),
            other => {
                let name = other.strip_prefix("/assets/")?;
                Some(match ASSETS.iter().find(|(asset, _, _)| *asset == name) {
                    Some((_, content_type, bytes)) => {
                        file(content_type, CONTENT_SECURITY_POLICY, *bytes)
                    }
                    None => Response::build(StatusCode::NOT_FOUND).finish(),
                })
            }
        }
    }
}

impl RouterPlugin for ConsolePlugin {
    type Config = ConsolePluginConfig;

    fn plugin_name() -> &'static str {
        "mediamagic_console"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        payload.initialize_plugin(Self::new(&config))
    }

    fn on_http_request<'req>(
        &'req self,
        payload: OnHttpRequestHookPayload<'req>,
    ) -> OnHttpRequestHookFuture<'req> {
        Box::pin(async move {
            match self.answer(&payload.router_http_request) {
                Some(response) => payload.end_with_response(response),
                None => payload.proceed(),
            }
        })
    }
}
