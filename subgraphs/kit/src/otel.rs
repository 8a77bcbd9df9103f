//! OpenTelemetry traces, off by default (`[tracing] enabled = true` and an OTLP/HTTP
//! endpoint turn them on): a `tracing-opentelemetry` layer exporting every span of the
//! service in batches to `<otlp_endpoint>/v1/traces`, W3C trace context read from incoming
//! requests (`traceparent`, the router's) and written on outgoing ones (callbacks, the
//! worker's calls), and remote span contexts for work that continues a request later
//! (event handlers, job runs).

use opentelemetry::{
    Context, KeyValue,
    propagation::{Extractor, Injector, TextMapPropagator},
    trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider,
    },
};
use opentelemetry_sdk::{
    propagation::TraceContextPropagator,
    runtime::TokioCurrentThread,
    trace::{Sampler, SdkTracerProvider, span_processor_with_async_runtime::BatchSpanProcessor},
};
use serde::Deserialize;
use std::sync::OnceLock;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{Layer, registry::LookupSpan};

/// Trace export settings (`[tracing]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracingConfig {
    /// Export traces (off by default).
    #[serde(default)]
    pub enabled: bool,
    /// Base URL of an OTLP/HTTP collector; spans go to `<otlp_endpoint>/v1/traces`.
    #[serde(default = "default_endpoint")]
    pub otlp_endpoint: String,
    /// Fraction of new traces kept (0 to 1); a request that arrives sampled stays sampled.
    #[serde(default = "default_ratio")]
    pub sampling_ratio: f64,
}

impl Default for TracingConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            otlp_endpoint: default_endpoint(),
            sampling_ratio: default_ratio(),
        }
    }
}

fn default_endpoint() -> String {
    "http://127.0.0.1:4318".into()
}

fn default_ratio() -> f64 {
    1.0
}

/// Why tracing could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("tracing: {0}")]
pub struct TracingSetupError(String);

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Whether spans are exported in this process.
pub fn enabled() -> bool {
    PROVIDER.get().is_some()
}

/// The layer exporting spans of `service` (the resource's `service.name`), or `None` when
/// tracing is off. Must run inside a Tokio runtime.
pub fn layer<S>(
    config: &TracingConfig,
    service: &str,
) -> Result<Option<Box<dyn Layer<S> + Send + Sync>>, TracingSetupError>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    if !config.enabled {
        return Ok(None);
    }
    use opentelemetry_otlp::WithExportConfig;
    let endpoint = format!("{}/v1/traces", config.otlp_endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| TracingSetupError(e.to_string()))?;
    let processor = BatchSpanProcessor::builder(exporter, TokioCurrentThread).build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            config.sampling_ratio.clamp(0.0, 1.0),
        ))))
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service.to_owned())
                .build(),
        )
        .build();
    let tracer = provider.tracer("mediamagic");
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let _ = PROVIDER.set(provider);
    Ok(Some(
        tracing_opentelemetry::layer().with_tracer(tracer).boxed(),
    ))
}

/// Sends the spans still queued (call before the process exits).
pub fn flush() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.force_flush();
    }
}

struct HeaderReader<'a>(&'a http::HeaderMap);

impl Extractor for HeaderReader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct HeaderWriter<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderWriter<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Makes `span` a child of the trace context the caller sent in `headers` (if any).
pub fn continue_from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
    if !enabled() {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&HeaderReader(headers));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
}

/// Writes the current span's trace context into `headers` (`traceparent`).
pub fn inject_current(headers: &mut http::HeaderMap) {
    if !enabled() {
        return;
    }
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderWriter(headers));
}

/// The current span's (trace id, span id) in hex, when tracing is on and it is recorded.
pub fn current_ids() -> Option<(String, String)> {
    ids_of(&tracing::Span::current())
}

/// `span`'s (trace id, span id) in hex, when tracing is on and it is recorded.
pub fn ids_of(span: &tracing::Span) -> Option<(String, String)> {
    if !enabled() {
        return None;
    }
    let context = span.context();
    let span = context.span();
    let ids = span.span_context();
    ids.is_valid()
        .then(|| (ids.trace_id().to_string(), ids.span_id().to_string()))
}

/// A remote span context from hex ids (a request's, kept with an event or a job).
pub fn remote(trace_id: &str, span_id: &str) -> Option<SpanContext> {
    let trace_id = TraceId::from_hex(trace_id).ok()?;
    let span_id = SpanId::from_hex(span_id).ok()?;
    let context = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    context.is_valid().then_some(context)
}

/// Makes `span` a child of the remote span `(trace id, span id)`: work that continues a
/// request (an event handler).
pub fn continue_remote(span: &tracing::Span, trace_id: &str, span_id: &str) {
    if let (true, Some(remote)) = (enabled(), remote(trace_id, span_id)) {
        let _ = span.set_parent(Context::new().with_remote_span_context(remote));
    }
}

/// Links `span` to the remote span `(trace id, span id)`: work caused by a request but
/// traced on its own (a job run, which may start long after the request ended).
pub fn link_remote(span: &tracing::Span, trace_id: &str, span_id: &str, why: &'static str) {
    if let (true, Some(remote)) = (enabled(), remote(trace_id, span_id)) {
        span.add_link_with_attributes(remote, vec![KeyValue::new("mediamagic.link", why)]);
    }
}
