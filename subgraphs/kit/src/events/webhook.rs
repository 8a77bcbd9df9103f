//! Every handler as an HTTP webhook, `POST /events/<trigger>`, taking Hasura's payload, so a
//! Hasura instance configured from `hasura/` can deliver instead of the dispatcher. Requests
//! must carry the shared secret in [`SECRET_HEADER`].

use super::{HasuraEvent, Trigger};
use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::{collections::HashMap, sync::Arc};

/// Header carrying the webhook secret (configure Hasura to send it).
pub const SECRET_HEADER: &str = "x-mediamagic-event-secret";

#[derive(Clone)]
struct Hooks {
    triggers: Arc<HashMap<String, Trigger>>,
    secret: Arc<String>,
}

/// The webhook routes for `triggers`, guarded by `secret`.
pub fn routes(triggers: Vec<Trigger>, secret: String) -> Router {
    let hooks = Hooks {
        triggers: Arc::new(triggers.into_iter().map(|t| (t.name.clone(), t)).collect()),
        secret: Arc::new(secret),
    };
    Router::new()
        .route("/events/{trigger}", post(deliver))
        .with_state(hooks)
}

async fn deliver(
    State(hooks): State<Hooks>,
    Path(trigger): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let presented = headers
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if hooks.secret.is_empty()
        || Sha256::digest(presented.as_bytes()) != Sha256::digest(hooks.secret.as_bytes())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "missing or wrong event secret"})),
        )
            .into_response();
    }
    let Some(handler) = hooks.triggers.get(&trigger) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no handler for trigger `{trigger}`")})),
        )
            .into_response();
    };
    let event: HasuraEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(err) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("not a Hasura event payload: {err}")})),
            )
                .into_response();
        }
    };
    if event.trigger.name != trigger {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "the payload is for another trigger"})),
        )
            .into_response();
    }
    match tokio::time::timeout(handler.config.timeout(), (handler.handler)(event)).await {
        Ok(Ok(())) => Json(json!({"ok": true})).into_response(),
        // Hasura retries on non-2xx answers.
        Ok(Err(message)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": message})),
        )
            .into_response(),
        Err(_) => (
            StatusCode::GATEWAY_TIMEOUT,
            Json(json!({"error": "handler timed out"})),
        )
            .into_response(),
    }
}
