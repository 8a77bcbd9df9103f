//! The `mediamagic_playground` plugin: an offline GraphiQL page. The page, GraphiQL, React
//! and our fetcher are compiled into the router (`router/playground/`, refreshed by its
//! `vendor.sh`), so nothing loads from a CDN; a Content-Security-Policy keeps it that way.
//! Subscriptions run over the router's WebSocket with a subscription token.

pub mod config;

use self::config::PlaygroundPluginConfig;
use crate::static_page::{escape, file};
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
use std::io::Read;

const PAGE: &str = include_str!("../../playground/index.html");

/// Only our own origin: scripts, styles, fetches and the WebSocket.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'";

/// One bundled file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    gzipped: bool,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../playground/vendor/graphiql.min.js.gz"),
        gzipped: true,
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../playground/vendor/graphiql.min.css.gz"),
        gzipped: true,
    },
    Asset {
        name: "react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../playground/vendor/react.production.min.js.gz"),
        gzipped: true,
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../playground/vendor/react-dom.production.min.js.gz"),
        gzipped: true,
    },
    Asset {
        name: "playground.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../playground/playground.js"),
        gzipped: false,
    },
    Asset {
        name: "LICENSES.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../playground/vendor/LICENSES.txt"),
        gzipped: false,
    },
];

/// The playground plugin.
pub struct PlaygroundPlugin {
    path: String,
    graphql_path: String,
    redirect_graphql_endpoint: bool,
    page: String,
}

impl PlaygroundPlugin {
    /// Builds the plugin: the page with its paths filled in.
    pub fn from_config(config: PlaygroundPluginConfig) -> Self {
        let path = config.path.trim_end_matches('/').to_owned();
        let page = PAGE
            .replace("{{ASSETS}}", &format!("{path}/assets"))
            .replace("{{GRAPHQL}}", &escape(&config.graphql_path))
            .replace("{{TOKEN}}", &escape(&config.subscription_token_path));
        Self {
            path,
            graphql_path: config.graphql_path,
            redirect_graphql_endpoint: config.redirect_graphql_endpoint,
            page,
        }
    }

    fn answer(&self, request: &WebRequest<DefaultError>) -> Option<Response> {
        let method = request.method().as_str();
        if method != "GET" && method != "HEAD" {
            return None;
        }
        let path = request.path();
        if path == self.path || path.strip_prefix(&self.path) == Some("/") {
            return Some(file(
                "text/html; charset=utf-8",
                CONTENT_SECURITY_POLICY,
                self.page.as_bytes(),
            ));
        }
        if let Some(name) = path
            .strip_prefix(&self.path)
            .and_then(|rest| rest.strip_prefix("/assets/"))
        {
            let gzip_ok = header_text(request, header::ACCEPT_ENCODING)
                .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
            return Some(match ASSETS.iter().find(|a| a.name == name) {
                Some(asset) => asset_response(asset, gzip_ok),
                None => Response::build(StatusCode::NOT_FOUND).finish(),
            });
        }
        let browser = header_text(request, header::ACCEPT).is_some_and(|accept| {
            accept.contains("text/html") && !accept.contains("application/json")
        });
        if self.redirect_graphql_endpoint && path == self.graphql_path && browser {
            return Some(
                Response::build(StatusCode::FOUND)
                    .header(header::LOCATION, self.path.as_str())
                    .finish(),
            );
        }
        None
    }
}

fn header_text(request: &WebRequest<DefaultError>, name: header::HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn asset_response(asset: &Asset, gzip_ok: bool) -> Response {
    let mut response = Response::build(StatusCode::OK);
    response
        .header(header::CONTENT_TYPE, asset.content_type)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .header(header::VARY, "accept-encoding");
    if !asset.gzipped {
        return response.body(asset.bytes);
    }
    if gzip_ok {
        return response
            .header(header::CONTENT_ENCODING, "gzip")
            .body(asset.bytes);
    }
    // Rare: a client that cannot take gzip gets the file inflated here.
    let mut plain = Vec::new();
    match flate2::read::GzDecoder::new(asset.bytes).read_to_end(&mut plain) {
        Ok(_) => response.body(plain),
        Err(e) => {
            tracing::error!(asset = asset.name, error = %e, "a bundled asset is corrupt");
            Response::build(StatusCode::INTERNAL_SERVER_ERROR).finish()
        }
    }
}

impl RouterPlugin for PlaygroundPlugin {
    type Config = PlaygroundPluginConfig;

    fn plugin_name() -> &'static str {
        "mediamagic_playground"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        payload.initialize_plugin(Self::from_config(config))
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
    fn every_bundled_gzip_asset_inflates() {
        for asset in ASSETS.iter().filter(|a| a.gzipped) {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(asset.bytes)
                .read_to_end(&mut plain)
                .unwrap_or_else(|e| panic!("{}: {e}", asset.name));
            assert!(plain.len() > asset.bytes.len(), "{}", asset.name);
        }
    }

    #[test]
    fn the_page_names_only_bundled_assets_and_its_endpoints() {
        let plugin = PlaygroundPlugin::from_config(PlaygroundPluginConfig {
            path: "/playground/".into(),
            graphql_path: "/graphql".into(),
            subscription_token_path: "/auth/subscription-token".into(),
            redirect_graphql_endpoint: true,
        });
        assert!(!plugin.page.contains("{{"));
        assert!(!plugin.page.contains("http"), "no absolute URL (no CDN)");
        for asset in [
            "graphiql.min.js",
            "graphiql.min.css",
            "react.production.min.js",
            "playground.js",
        ] {
            assert!(plugin.page.contains(&format!("/playground/assets/{asset}")));
            assert!(ASSETS.iter().any(|a| a.name == asset));
        }
        assert!(plugin.page.contains("data-graphql=\"/graphql\""));
    }
}
