//! Logs and request context: JSON logs to stdout (human format in dev), a request id on
//! every request and response, and the W3C trace id propagated from the router.

use axum::{extract::Request, http::HeaderValue, middleware::Next, response::Response};
use serde::Deserialize;
use tracing::Instrument;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Header carrying the request id between router, services and clients.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (production).
    #[default]
    Json,
    /// Human-readable lines (dev).
    Pretty,
}

/// Logging settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `json` or `pretty`.
    #[serde(default)]
    pub format: LogFormat,
    /// An `EnvFilter` directive such as `info,mediamagic=debug`; `RUST_LOG` wins when set.
    #[serde(default = "default_filter")]
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            filter: default_filter(),
        }
    }
}

fn default_filter() -> String {
    "info".into()
}

/// Installs the global subscriber. Calling it twice keeps the first one.
pub fn init(config: &LogConfig) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.filter));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match config.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}

/// The trace id of a W3C `traceparent` header (`00-<trace id>-<span id>-<flags>`).
pub fn trace_id_from_traceparent(value: &str) -> Option<&str> {
    let mut parts = value.split('-');
    let _version = parts.next()?;
    let trace_id = parts.next()?;
    (trace_id.len() == 32 && trace_id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(trace_id)
}

tokio::task_local! {
    /// The W3C trace context of the request being served: (trace id, parent span id).
    static TRACE: Option<(String, String)>;
}

/// The trace context of the current request, if the caller sent a `traceparent`.
pub fn current_trace() -> Option<(String, String)> {
    TRACE.try_with(Clone::clone).ok().flatten()
}

/// Trace id and span id of a W3C `traceparent`.
pub fn parse_traceparent(value: &str) -> Option<(String, String)> {
    let trace_id = trace_id_from_traceparent(value)?;
    let span_id = value.split('-').nth(2)?;
    (span_id.len() == 16 && span_id.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (trace_id.to_owned(), span_id.to_owned()))
}

/// Middleware: gives each request an id (the caller's when it sent a sane one), runs the
/// request inside a span carrying the id and the trace id, and echoes the id back.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let trace = request
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_traceparent);
    let trace_id = trace.as_ref().map(|(t, _)| t.clone()).unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        request.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        trace_id = %trace_id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = TRACE.scope(trace, next.run(request).instrument(span)).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_id_is_read_from_a_traceparent() {
        assert_eq!(
            trace_id_from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(trace_id_from_traceparent("garbage"), None);
        assert_eq!(
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            Some((
                "4bf92f3577b34da6a3ce929d0e0e4736".into(),
                "00f067aa0ba902b7".into()
            ))
        );
    }
}
