//! The `mediamagic_forward` plugin: serves some HTTP routes from a service instead of the
//! GraphQL pipeline, so clients need only the router's public address. Multipart requests to
//! the GraphQL endpoint (file uploads) go to the media service, and configured paths (seed
//! 000's `/upload`, signed object URLs) to theirs.
//!
//! It runs after `mediamagic_auth`, so the forwarded request carries the internal token and
//! never the client's credential. Bodies stream both ways through a small bounded channel:
//! a 1 GiB upload never sits in the router's memory.

pub mod config;

use self::config::{ForwardPluginConfig, ForwardRoute, ForwardTarget};
use crate::{
    rate_limit::{ClientAddress, write_headers},
    settings::setting,
};
use futures::StreamExt;
use hive_router::{
    http::StatusCode,
    ntex::{
        http::{
            Response,
            body::{Body, BoxedBodyStream, SizedStream},
            header::{self, HeaderName, HeaderValue},
        },
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
use std::{collections::BTreeMap, error::Error, rc::Rc, time::Duration};

/// Request chunks in flight between the client and the service.
const CHANNEL_CHUNKS: usize = 8;

/// Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1), plus the
/// client's credentials, which stop at the router.
const NOT_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "authorization",
    "x-mediamagic-key",
    "x-forwarded-for",
];

/// The forward plugin.
pub struct ForwardPlugin {
    services: BTreeMap<String, String>,
    graphql_path: String,
    multipart_graphql: Option<ForwardTarget>,
    routes: Vec<ForwardRoute>,
    client: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
#[error("mediamagic_forward: {0}")]
struct InitError(String);

/// Where one request goes.
struct Destination {
    service: String,
    url: String,
    pass_credentials: bool,
    /// A REST route (errors in the REST shape), not multipart GraphQL.
    rest: bool,
}

/// The client's credential headers, passed on only to routes that ask for them.
const CREDENTIALS: &[&str] = &["authorization", "x-mediamagic-key"];

impl ForwardPlugin {
    /// Builds the plugin; every service a route names must have a base URL.
    pub fn from_config(config: ForwardPluginConfig) -> Result<Self, String> {
        let mut services = BTreeMap::new();
        let named = config
            .routes
            .iter()
            .map(|route| route.service.clone())
            .chain(config.multipart_graphql.iter().map(|t| t.service.clone()));
        for name in named {
            let env = format!("MEDIAMAGIC__SERVICES__{}", name.to_ascii_uppercase());
            let Some(url) = setting(&config.services.get(&name).cloned(), &env) else {
                return Err(format!(
                    "service `{name}` has no base URL (set `services.{name}` or {env})"
                ));
            };
            services.insert(name, url.trim_end_matches('/').to_owned());
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(config.connect_timeout_seconds))
            // Redirects are the client's business, not the router's.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            services,
            graphql_path: config.graphql_path,
            multipart_graphql: config.multipart_graphql,
            routes: config.routes,
            client,
        })
    }

    fn destination(&self, request: &WebRequest<DefaultError>) -> Option<Destination> {
        let path = request.path();
        let query = match request.query_string() {
            "" => String::new(),
            q => format!("?{q}"),
        };
        if path == self.graphql_path
            && let Some(target) = &self.multipart_graphql
            && is_multipart(request)
        {
            let base = self.services.get(&target.service)?;
            return Some(Destination {
                service: target.service.clone(),
                url: format!("{base}{}{query}", target.path),
                pass_credentials: false,
                rest: false,
            });
        }
        let method = request.method().as_str();
        let route = self.routes.iter().find(|route| {
            route_matches(route, path)
                && (route.methods.is_empty() || route.methods.iter().any(|m| m == method))
        })?;
        let base = self.services.get(&route.service)?;
        Some(Destination {
            service: route.service.clone(),
            url: format!("{base}{path}{query}"),
            pass_credentials: route.pass_credentials,
            rest: true,
        })
    }

    /// Whether `path` belongs to a forwarded REST route (whatever the method).
    fn is_rest(&self, path: &str) -> bool {
        path != self.graphql_path && self.routes.iter().any(|route| route_matches(route, path))
    }

    async fn forward(
        &self,
        request: &mut WebRequest<DefaultError>,
        destination: Destination,
        client_address: Option<ClientAddress>,
    ) -> Response {
        let Ok(method) = reqwest::Method::from_bytes(request.method().as_str().as_bytes()) else {
            return error(
                destination.rest,
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_USER_INPUT",
                "unknown method",
            );
        };
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in request.headers().iter() {
            let passed = destination.pass_credentials && CREDENTIALS.contains(&name.as_str());
            if NOT_FORWARDED.contains(&name.as_str()) && !passed {
                continue;
            }
            if let Ok(value) = reqwest::header::HeaderValue::from_bytes(value.as_bytes()) {
                headers.append(name.clone(), value);
            }
        }
        // The service sees the client's address as the rate limiter determined it, never
        // what the client claimed (the compat service passes it on to the router).
        if let Some(address) = client_address
            && let Ok(value) = reqwest::header::HeaderValue::from_str(&address.0.to_string())
        {
            headers.insert("x-forwarded-for", value);
        }
        let declared_empty = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0");
        // Bodies of HTTP/2 requests may come without a length or transfer encoding.
        let has_body = !declared_empty
            && (request.headers().contains_key(header::TRANSFER_ENCODING)
                || request.headers().contains_key(header::CONTENT_LENGTH)
                || !matches!(
                    request.method().as_str(),
                    "GET" | "HEAD" | "OPTIONS" | "DELETE"
                ));
        let outgoing = self
            .client
            .request(method, &destination.url)
            .headers(headers);
        let sent = if has_body {
            let mut payload = request.take_payload();
            let (tx, rx) =
                tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(CHANNEL_CHUNKS);
            let body = futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            });
            // The payload is tied to this worker thread; the pump runs here, next to the send.
            let pump = async move {
                while let Some(chunk) = payload.next().await {
                    let item = chunk
                        .map(|c| bytes::Bytes::copy_from_slice(&c))
                        .map_err(|e| std::io::Error::other(e.to_string()));
                    let failed = item.is_err();
                    if tx.send(item).await.is_err() || failed {
                        break;
                    }
                }
            };
            let send = outgoing.body(reqwest::Body::wrap_stream(body)).send();
            futures::join!(send, pump).0
        } else {
            outgoing.send().await
        };
        match sent {
            Ok(answer) => relay(answer),
            Err(e) => {
                tracing::error!(service = %destination.service, error = %e, "forwarding failed");
                error(
                    destination.rest,
                    StatusCode::BAD_GATEWAY,
                    "INTERNAL",
                    &format!(
                        "the {} service is unavailable; try again",
                        destination.service
                    ),
                )
            }
        }
    }
}

fn is_multipart(request: &WebRequest<DefaultError>) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The service's answer, streamed back.
fn relay(answer: reqwest::Response) -> Response {
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = Response::build(status);
    for (name, value) in answer.headers() {
        if NOT_FORWARDED.contains(&name.as_str()) || name == header::CONTENT_LENGTH {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            response.header(HeaderName::from(name), value);
        }
    }
    let length = answer
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let stream = answer.bytes_stream().map(|chunk| {
        chunk
            .map(|c| hive_router::ntex::util::Bytes::copy_from_slice(&c))
            .map_err(|e| Rc::new(e) as Rc<dyn Error>)
    });
    let stream = Box::pin(stream);
    match length {
        Some(length) => response.body(Body::from_message(SizedStream::new(length, stream))),
        None => response.body(Body::from_message(BoxedBodyStream::new(stream))),
    }
}

/// A GraphQL-shaped error, as the auth plugin and the services answer.
/// Whether `route` covers `path`: under it when it ends with `/` (but `/` alone is the root
/// page, not every path), else exactly.
fn route_matches(route: &ForwardRoute, path: &str) -> bool {
    if route.path.ends_with('/') && route.path != "/" {
        path.starts_with(&route.path)
    } else {
        path == route.path
    }
}

/// An error answer: the REST surfaces' `{"error": {"code", "message"}}` on REST routes, a
/// GraphQL error elsewhere.
fn error(rest: bool, status: StatusCode, code: &str, message: &str) -> Response {
    let body = if rest {
        serde_json::json!({"error": {"code": code, "message": message}})
    } else {
        serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]})
    };
    Response::build(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

impl RouterPlugin for ForwardPlugin {
    type Config = ForwardPluginConfig;

    fn plugin_name() -> &'static str {
        "mediamagic_forward"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        let plugin = Self::from_config(config).map_err(InitError)?;
        payload.initialize_plugin(plugin)
    }

    fn on_http_request<'req>(
        &'req self,
        mut payload: OnHttpRequestHookPayload<'req>,
    ) -> OnHttpRequestHookFuture<'req> {
        Box::pin(async move {
            // Before any routing: what is matched here must be what a service routes on.
            let path = payload.router_http_request.path();
            if let Err(refusal) = crate::paths::check(path) {
                let rest = self.is_rest(path);
                let response = error(rest, StatusCode::BAD_REQUEST, "BAD_USER_INPUT", refusal);
                return payload.end_with_response(response);
            }
            // A browser's CORS preflight of a forwarded route (a presigned PUT through the
            // router, a REST call): answered here, and the router adds its configured CORS
            // headers to every response a plugin makes (vendor/hive-router/PATCHES.md).
            if payload.router_http_request.method().as_str() == "OPTIONS" && self.is_rest(path) {
                let response = Response::build(StatusCode::NO_CONTENT)
                    .header(header::CONTENT_LENGTH, "0")
                    .finish();
                return payload.end_with_response(response);
            }
            let Some(destination) = self.destination(&payload.router_http_request) else {
                return payload.proceed();
            };
            let client_address = payload.context.get_ref::<ClientAddress>().map(|a| *a);
            let mut response = self
                .forward(
                    &mut payload.router_http_request,
                    destination,
                    client_address,
                )
                .await;
            write_headers(payload.context, response.headers_mut());
            payload.end_with_response(response)
        })
    }
}
