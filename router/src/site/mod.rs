//! The `mediamagic_site` plugin: the small Media Magic page a browser gets at `/` (links to
//! the playground when it is on, the GraphQL endpoint and the REST description), instead of
//! a third-party landing page. Other clients opening `/` keep seed 004's health answer
//! (the `/` route the forward plugin sends to the compat service). Paths no route serves
//! answer 404 in our error shape (vendor/hive-router/PATCHES.md).

pub mod config;

use self::config::SitePluginConfig;
use crate::static_page::{escape, file};
use hive_router::{
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

const HOME: &str = include_str!("../../site/home.html");

/// Inline styles only; no script, no other origin.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// The site plugin.
pub struct SitePlugin {
    home: Option<String>,
}

impl SitePlugin {
    /// Builds the plugin; `console` and `playground` are their paths when those plugins are on.
    pub fn new(
        config: &SitePluginConfig,
        graphql_path: &str,
        console: Option<&str>,
        playground: Option<&str>,
    ) -> Self {
        let console = console
            .map(|path| {
                let path = escape(&format!("{}/", path.trim_end_matches('/')));
                format!(
                    "<li><a href=\"{path}\">Console</a><small>The product in your browser: \
                     upload media, run models, follow jobs, manage keys and teams.</small></li>"
                )
            })
            .unwrap_or_default();
        let playground = playground
            .map(|path| {
                let path = escape(path);
                format!(
                    "<li><a href=\"{path}\">{path}</a><small>The GraphQL playground: \
                     explore the schema and run operations in the browser.</small></li>"
                )
            })
            .unwrap_or_default();
        let home = config.home.then(|| {
            HOME.replace("{{CONSOLE}}", &console)
                .replace("{{PLAYGROUND}}", &playground)
                .replace("{{GRAPHQL}}", &escape(graphql_path))
        });
        Self { home }
    }

    fn answer(&self, request: &WebRequest<DefaultError>) -> Option<Response> {
        let home = self.home.as_ref()?;
        let method = request.method().as_str();
        if request.path() != "/" || (method != "GET" && method != "HEAD") || !wants_html(request) {
            return None;
        }
        Some(file(
            "text/html; charset=utf-8",
            CONTENT_SECURITY_POLICY,
            home.as_bytes(),
        ))
    }
}

/// A browser navigating: it asks for HTML first.
fn wants_html(request: &WebRequest<DefaultError>) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.trim_start().starts_with("text/html"))
}

impl RouterPlugin for SitePlugin {
    type Config = SitePluginConfig;

    fn plugin_name() -> &'static str {
        "mediamagic_site"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        let router = payload.router_config();
        let path_of = |name: &str, default: &str| {
            router
                .plugins
                .get(name)
                .filter(|plugin| plugin.enabled)
                .map(|plugin| {
                    plugin
                        .config
                        .get("path")
                        .and_then(|path| path.as_str())
                        .unwrap_or(default)
                        .to_owned()
                })
        };
        let console = path_of(
            "mediamagic_console",
            crate::console::config::DEFAULT_CONSOLE_PATH,
        );
        let playground = path_of(
            "mediamagic_playground",
            crate::playground::config::DEFAULT_PLAYGROUND_PATH,
        );
        let plugin = Self::new(
            &config,
            &router.http.graphql_endpoint,
            console.as_deref(),
            playground.as_deref(),
        );
        payload.initialize_plugin(plugin)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_page_links_the_console_and_playground_only_when_they_are_on() {
        let config = SitePluginConfig { home: true };
        let on = SitePlugin::new(&config, "/graphql", Some("/console"), Some("/playground"));
        let home = on.home.unwrap_or_default();
        assert!(home.contains("href=\"/playground\""));
        assert!(home.contains("href=\"/console/\""));
        assert!(home.contains("<code>/graphql</code>"));
        assert!(!home.contains("{{"));
        let off = SitePlugin::new(&config, "/graphql", None, None);
        assert!(!off.home.unwrap_or_default().contains("playground\""));
    }
}
