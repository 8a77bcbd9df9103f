//! The HTTP app around a subgraph's GraphQL schema, and serving it with graceful shutdown.
//!
//! [`service_app`] mounts `POST/GET /graphql`, `GET /ws` (graphql-transport-ws), `/metrics`,
//! `/healthz` and `/readyz`, and the subgraph's own extra routes, with request ids, spans and
//! HTTP metrics on every route.

use crate::{
    auth::{INTERNAL_TOKEN_HEADER, forwarded_token, identity_for_websocket, identity_from_headers},
    db::DbPool,
    error::ApiError,
    health,
    metrics::{Metrics, metrics_handler, track_http},
    telemetry::{ServiceName, request_context},
    tokens::TokenVerifier,
};
use async_graphql::{
    Data, Executor, ObjectType, Schema, SubscriptionType, http::ALL_WEBSOCKET_PROTOCOLS,
};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::{
    Router,
    extract::{State, WebSocketUpgrade},
    http::HeaderMap,
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use std::future::Future;
use tokio::net::TcpListener;

/// What every service's HTTP app needs from the kit.
#[derive(Clone)]
pub struct KitState {
    /// Database pool (for readiness).
    pub pool: DbPool,
    /// The service's Redis link, when it has one (reported by readiness).
    pub redis: Option<crate::redis_link::RedisLink>,
    /// Verifier of the router's internal tokens.
    pub verifier: TokenVerifier,
    /// The service's metrics.
    pub metrics: Metrics,
}

#[derive(Clone)]
struct GraphqlState<E> {
    executor: E,
    verifier: TokenVerifier,
}

/// The standard app for a subgraph schema.
pub fn service_app<Q, M, S>(schema: Schema<Q, M, S>, kit: KitState, extra: Router) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let graphql = GraphqlState {
        executor: schema,
        verifier: kit.verifier.clone(),
    };
    Router::new()
        .route(
            "/graphql",
            get(graphql_handler::<Schema<Q, M, S>>).post(graphql_handler::<Schema<Q, M, S>>),
        )
        .route("/ws", get(ws_handler::<Q, M, S>))
        .with_state(graphql)
        .route(
            "/metrics",
            get(metrics_handler).with_state(kit.metrics.clone()),
        )
        .merge(extra)
        .route("/healthz", get(health::healthz))
        .route(
            "/readyz",
            get(health::readyz).with_state(health::Readiness {
                pool: kit.pool.clone(),
                redis: kit.redis.clone(),
            }),
        )
        .layer(middleware::from_fn_with_state(
            kit.metrics.clone(),
            track_http,
        ))
        .layer(middleware::from_fn_with_state(
            ServiceName::new(kit.metrics.service()),
            request_context,
        ))
}

/// Whether the operation a request would run is a mutation (or its document does not say).
fn runs_a_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let is_mutation = |ty: OperationType| ty == OperationType::Mutation;
    match &document.operations {
        DocumentOperations::Single(op) => is_mutation(op.node.ty),
        DocumentOperations::Multiple(ops) => match request.operation_name.as_deref() {
            Some(name) => ops.get(name).is_some_and(|op| is_mutation(op.node.ty)),
            None => ops.values().any(|op| is_mutation(op.node.ty)),
        },
    }
}

async fn graphql_handler<E: Executor>(
    State(state): State<GraphqlState<E>>,
    method: axum::http::Method,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let identity = match identity_from_headers(&state.verifier, &headers) {
        Ok(identity) => identity,
        Err(err) => return graphql_error_response(err),
    };
    let request = request.into_inner();
    // A GET can be made by a link or an image tag: it never changes anything.
    if method == axum::http::Method::GET && runs_a_mutation(&request) {
        return graphql_error_response(ApiError::bad_input(
            "query",
            "mutations must be sent with POST",
        ));
    }
    if crate::error::holds_unstorable_text(&request) {
        return graphql_error_response(ApiError::BadUserInput {
            message: crate::error::UNSTORABLE_TEXT.into(),
            field: None,
        });
    }
    let mut request = request.data(identity);
    if let Some(token) = forwarded_token(&headers) {
        request = request.data(token);
    }
    match tokio::time::timeout(GRAPHQL_TIMEOUT, state.executor.execute(request)).await {
        Ok(response) => GraphQLResponse::from(with_codes(response)).into_response(),
        // A hung dependency: answer instead of holding the caller. A transaction still
        // open is dropped with the future (rolled back); one that committed has happened.
        Err(_) => {
            tracing::warn!("a GraphQL request ran past its timeout");
            graphql_error_response(ApiError::Unavailable(format!(
                "the request did not finish within {} s; it may not have taken effect \
                 (retry mutations with their idempotency key)",
                GRAPHQL_TIMEOUT.as_secs()
            )))
        }
    }
}

/// Gives every error a stable `extensions.code`. Resolvers' errors carry theirs
/// ([`ApiError`]); the ones without are async-graphql's own: refusals of the request (a
/// document that does not parse or validate, a variable or argument of the wrong type or out
/// of range), which are the client's (`BAD_USER_INPUT`), or anything else (`INTERNAL`,
/// logged). Without a code the router reports them as `DOWNSTREAM_SERVICE_ERROR`, and the
/// REST surfaces as a server error.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_some() {
            continue;
        }
        let clients = error.path.is_empty()
            || error.message.starts_with("Invalid value for argument")
            || error.message.starts_with("Failed to parse");
        if clients {
            extensions.set("code", "BAD_USER_INPUT");
        } else {
            tracing::error!(message = %error.message, "a GraphQL error without a code");
            extensions.set("code", "INTERNAL");
            error.message = "internal error".into();
        }
    }
    response
}

/// Longest a GraphQL query or mutation may run on a subgraph (under the router's 30 s
/// subgraph timeout, so the caller gets this code rather than a gateway error).
pub const GRAPHQL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(25);

async fn ws_handler<Q, M, S>(
    State(state): State<GraphqlState<Schema<Q, M, S>>>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    // The router may send the internal token as an upgrade header or in connection_init.
    let from_headers = identity_for_websocket(&state.verifier, &headers);
    let identity = match from_headers {
        Ok(identity) => identity,
        Err(err) => return graphql_error_response(err),
    };
    let verifier = state.verifier.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, state.executor.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let mut data = Data::default();
                    let token = payload
                        .get(INTERNAL_TOKEN_HEADER)
                        .or_else(|| {
                            payload
                                .get("headers")
                                .and_then(|h| h.get(INTERNAL_TOKEN_HEADER))
                        })
                        .and_then(|v| v.as_str());
                    match token {
                        Some(token) => {
                            let mut map = HeaderMap::new();
                            let value = token.parse().map_err(|_| {
                                async_graphql::Error::new("malformed internal token")
                            })?;
                            map.insert(INTERNAL_TOKEN_HEADER, value);
                            let identity = identity_for_websocket(&verifier, &map)
                                .map_err(async_graphql::Error::from)?;
                            data.insert(identity);
                        }
                        None => data.insert(identity),
                    }
                    Ok(data)
                })
                .serve()
        })
}

/// An error refused before a GraphQL operation runs, as a GraphQL response with the matching
/// HTTP status (internal detail logged, never sent).
pub fn graphql_error_response(err: ApiError) -> Response {
    if let ApiError::Internal(detail) = &err {
        tracing::error!(error = ?detail, "internal error");
    }
    let status = err.http_status();
    let mut extensions = serde_json::json!({"code": err.code()});
    if let ApiError::BadUserInput {
        field: Some(field), ..
    } = &err
    {
        extensions["field"] = serde_json::Value::from(field.as_str());
    }
    let body = serde_json::json!({
        "errors": [{"message": err.message(), "extensions": extensions}]
    });
    (status, axum::Json(body)).into_response()
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Without TCP_NODELAY a response written in two parts (headers, then a body) waits for
    // the client's delayed ACK: about 40 ms on every such request.
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod get_tests {
    use super::runs_a_mutation;

    #[test]
    fn mutations_are_told_apart_from_queries() {
        let request = async_graphql::Request::new;
        assert!(runs_a_mutation(&request("mutation { logOut }")));
        assert!(!runs_a_mutation(&request("{ me { id } }")));
        assert!(runs_a_mutation(
            &request("query A { me { id } } mutation B { logOut }").operation_name("B")
        ));
        assert!(!runs_a_mutation(
            &request("query A { me { id } } mutation B { logOut }").operation_name("A")
        ));
    }
}
