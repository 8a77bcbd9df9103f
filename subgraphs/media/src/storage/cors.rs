//! CORS for the signed object routes, so a web app on its own origin can PUT an upload to
//! the URL `createUpload` returned and GET a download: preflights (`OPTIONS`) for PUT, GET
//! and HEAD are answered with the requested headers allowed (the signed ones among them),
//! and answers expose `ETag` (multipart uploads read each part's) and the range headers.
//! Only configured origins (`media.cors_allowed_origins`) are answered; no credentials mode.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// Methods a page may use on an object URL.
const METHODS: &str = "GET, HEAD, PUT";
/// Answer headers a page may read.
const EXPOSED: &str = "ETag, Content-Length, Content-Range, Accept-Ranges";
/// How long a browser may reuse a preflight answer, in seconds.
const MAX_AGE: &str = "600";

/// The origins allowed to call the object routes.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(Arc<Vec<Rule>>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    Any,
    Exact(String),
    /// `scheme://host:*`: any port (or none) of that host.
    AnyPort(String),
}

impl AllowedOrigins {
    /// Reads the configured list (see `MediaConfig::cors_allowed_origins`).
    pub fn new(configured: &[String]) -> Self {
        let rules = configured
            .iter()
            .map(|origin| {
                let origin = origin.trim().trim_end_matches('/');
                if origin == "*" {
                    Rule::Any
                } else if let Some(host) = origin.strip_suffix(":*") {
                    Rule::AnyPort(host.to_ascii_lowercase())
                } else {
                    Rule::Exact(origin.to_ascii_lowercase())
                }
            })
            .collect();
        Self(Arc::new(rules))
    }

    /// Whether a page of `origin` may call the routes.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.0.iter().any(|rule| match rule {
            Rule::Any => true,
            Rule::Exact(exact) => *exact == origin,
            Rule::AnyPort(host) => origin.strip_prefix(host.as_str()).is_some_and(|rest| {
                rest.is_empty()
                    || rest.strip_prefix(':').is_some_and(|port| {
                        !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                    })
            }),
        })
    }
}

/// The middleware: answers preflights and marks answers for allowed origins.
pub async fn layer(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|origin| allowed.allows(origin))
        .and_then(|origin| HeaderValue::from_str(origin).ok());
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let Some(origin) = origin else {
            return (
                StatusCode::FORBIDDEN,
                "this origin may not use object URLs (media.cors_allowed_origins)",
            )
                .into_response();
        };
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        allow(headers, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
        if let Some(requested) = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            headers.append(
                header::VARY,
                HeaderValue::from_static("Access-Control-Request-Headers"),
            );
        }
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
        return response;
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        allow(headers, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED),
        );
    }
    response
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_by_any_port_or_all() {
        let allowed = AllowedOrigins::new(&[
            "https://app.example.com".into(),
            "http://localhost:*".into(),
        ]);
        assert!(allowed.allows("https://app.example.com"));
        assert!(allowed.allows("HTTPS://APP.example.com"));
        assert!(allowed.allows("http://localhost:5173"));
        assert!(allowed.allows("http://localhost"));
        assert!(!allowed.allows("http://localhost.evil.test:80"));
        assert!(!allowed.allows("http://localhost:"));
        assert!(!allowed.allows("https://app.example.com.evil.test"));
        assert!(!allowed.allows("null"));
        assert!(!AllowedOrigins::new(&[]).allows("http://localhost:1"));
        assert!(AllowedOrigins::new(&["*".into()]).allows("https://anything.test"));
    }
}
