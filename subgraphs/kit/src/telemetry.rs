//! Logs and request context: JSON logs to stdout (human format in dev), a request id on
//! every request and response, and the W3C trace id propagated from the router; with
//! tracing on ([`crate::otel`]), every request's span is exported as a child of the caller's.

use axum::{
    extract::{Request, State},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use serde::Deserialize;
use std::sync::Arc;
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

/// Installs the global subscriber (logs only). Calling it twice keeps the first one.
pub fn init(config: &LogConfig) {
    let _ = init_with_tracing(config, &crate::otel::TracingConfig::default(), "mediamagic");
}

/// Installs the global subscriber: logs, and spans exported as `service` when `tracing`
/// says so (inside a Tokio runtime). Calling it twice keeps the first one.
pub fn init_with_tracing(
    config: &LogConfig,
    tracing: &crate::otel::TracingConfig,
    service: &str,
) -> Result<(), crate::otel::TracingSetupError> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.filter));
    let spans = crate::otel::layer(tracing, service)?;
    let registry = tracing_subscriber::registry().with(spans).with(filter);
    let _ = match config.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_ansi(colour_allowed()))
            .try_init(),
    };
    Ok(())
}

/// Colour only for a terminal, and never when `NO_COLOR` is set.
fn colour_allowed() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
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

/// Runs `work` with `trace` as the current request's trace context (what changes it makes
/// record on the events they raise): an event handler continuing a request.
pub async fn with_trace<F: std::future::Future>(
    trace: Option<(String, String)>,
    work: F,
) -> F::Output {
    TRACE.scope(trace, work).await
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

/// The service a request span belongs to (the state of [`request_context`]).
#[derive(Clone, Debug)]
pub struct ServiceName(pub Arc<str>);

impl ServiceName {
    /// The name `name`.
    pub fn new(name: &str) -> Self {
        Self(Arc::from(name))
    }
}

/// Middleware: gives each request an id (the caller's when it sent a sane one), runs the
/// request inside a span carrying the id and the trace id (a child of the caller's span
/// when tracing is on), and echoes the id back.
pub async fn request_context(
    State(service): State<ServiceName>,
    mut request: Request,
    next: Next,
) -> Response {
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
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        request.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    // Span names stay few: the path's first segment (`/objects`, not each object).
    let path = request.uri().path();
    let route = path.split('/').nth(1).unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        otel.name = tracing::field::Empty,
        otel.kind = "server",
        mediamagic.service = %service.0,
        request_id = %request_id,
        trace_id = tracing::field::Empty,
        method = %request.method(),
        path = %path,
    );
    // The exported span's name; built only when spans are exported (every request runs this).
    if crate::otel::enabled() {
        span.record(
            "otel.name",
            format!("{} {} /{route}", service.0, request.method()).as_str(),
        );
    }
    crate::otel::continue_from_headers(&span, request.headers());
    // With tracing on, work this request causes (events, jobs) continues from its span.
    let trace = crate::otel::ids_of(&span).or(trace);
    span.record(
        "trace_id",
        trace.as_ref().map(|(t, _)| t.as_str()).unwrap_or_default(),
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
