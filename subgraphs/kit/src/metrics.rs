//! Prometheus metrics every service exposes on `/metrics`: HTTP requests by route and status
//! with a latency histogram, and GraphQL operations by their first root field and outcome
//! (never by client-chosen names: those would make series without bound).

use async_graphql::{
    Response as GqlResponse, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery},
    parser::types::ExecutableDocument,
};
use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

/// The metrics of one service.
#[derive(Clone)]
pub struct Metrics {
    /// Everything registered for this service; subgraphs add their own metrics here.
    pub registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    graphql_operations: IntCounterVec,
    service: String,
}

impl Metrics {
    /// Registers the kit's metrics, labelled with the service name.
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(
            Some("mediamagic".into()),
            Some([("service".to_owned(), service.to_owned())].into()),
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and method",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route", "method"],
        )?;
        let graphql_operations = IntCounterVec::new(
            Opts::new(
                "graphql_operations_total",
                "GraphQL operations by their first root field and outcome (ok or error)",
            ),
            &["operation", "outcome"],
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(graphql_operations.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_duration,
            graphql_operations,
            service: service.to_owned(),
        })
    }

    /// The service these metrics are labelled with.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The text exposition of every registered metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        // Encoding into a Vec cannot fail for the text format.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8_lossy(&buffer).into_owned()
    }

    /// An async-graphql extension counting operations of this service.
    pub fn graphql_extension(&self) -> GraphqlMetrics {
        GraphqlMetrics(self.graphql_operations.clone())
    }
}

/// `GET /metrics`.
pub async fn metrics_handler(State(metrics): State<Metrics>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
        .into_response()
}

/// Middleware recording every request by matched route (not raw path, to bound cardinality).
pub async fn track_http(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .http_duration
        .with_label_values(&[route.as_str(), method.as_str()])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .http_requests
        .with_label_values(&[route.as_str(), method.as_str(), response.status().as_str()])
        .inc();
    response
}

/// Extension factory counting GraphQL operations by name and outcome.
pub struct GraphqlMetrics(IntCounterVec);

impl ExtensionFactory for GraphqlMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GraphqlMetricsExtension(self.0.clone(), Mutex::default()))
    }
}

/// Counts one request; remembers each operation's first root field from parsing.
struct GraphqlMetricsExtension(IntCounterVec, Mutex<Vec<(Option<String>, String)>>);

/// The first root field of every operation of `document`, by operation name.
fn first_root_fields(document: &ExecutableDocument) -> Vec<(Option<String>, String)> {
    use async_graphql::parser::types::Selection;
    document
        .operations
        .iter()
        .filter_map(|(name, operation)| {
            let field =
                operation
                    .node
                    .selection_set
                    .node
                    .items
                    .iter()
                    .find_map(|item| match &item.node {
                        Selection::Field(field) => Some(field.node.name.node.to_string()),
                        _ => None,
                    })?;
            Some((name.map(|n| n.to_string()), field))
        })
        .collect()
}

#[async_graphql::async_trait::async_trait]
impl Extension for GraphqlMetricsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.1.lock().unwrap_or_else(|e| e.into_inner()) = first_root_fields(&document);
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> GqlResponse {
        let response = next.run(ctx, operation_name).await;
        let outcome = if response.errors.is_empty() {
            "ok"
        } else {
            "error"
        };
        // Labelled by the operation's first root field: only valid operations execute, so
        // the label is a field of this schema (a bounded set), never client-chosen text.
        let field = self
            .1
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(name, _)| operation_name.is_none() || name.as_deref() == operation_name)
            .map(|(_, field)| field.clone())
            .filter(|f| !f.is_empty() && f.len() <= 64)
            .unwrap_or_else(|| "other".to_owned());
        self.0.with_label_values(&[field.as_str(), outcome]).inc();
        response
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::first_root_fields;

    #[test]
    fn operations_are_labelled_by_their_first_root_field_never_by_their_name() {
        let document = async_graphql::parser::parse_query(
            "query Anything_A_Client_Likes__1 { me { id } teams { id } } mutation M { logOut }",
        )
        .unwrap();

        let fields = first_root_fields(&document);

        assert!(fields.contains(&(Some("Anything_A_Client_Likes__1".into()), "me".into())));
        assert!(fields.contains(&(Some("M".into()), "logOut".into())));
    }
}
