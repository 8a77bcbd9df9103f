//! Endpoints only the router calls, guarded by the shared internal secret:
//! `POST /internal/api-keys/verify` (look up a presented API key),
//! `POST /internal/sessions/check` (whether a session token is live, from Postgres: the
//! router asks on a cache miss) and `POST /internal/oidc/provision` (the user for an OIDC
//! identity, created on first sight).

use crate::{AccountsDeps, commands};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use mediamagic_kit::ApiError;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Header carrying the router's shared secret.
pub const INTERNAL_SECRET_HEADER: &str = "x-mediamagic-internal-secret";

/// The internal routes.
pub fn routes(deps: AccountsDeps) -> Router {
    Router::new()
        .route("/internal/api-keys/verify", post(verify_key))
        .route("/internal/sessions/check", post(check_session))
        .route("/internal/oidc/provision", post(provision_oidc))
        .with_state(deps)
}

#[derive(Deserialize)]
struct VerifyKey {
    key: String,
}

#[derive(Deserialize)]
struct CheckSession {
    revocation_id: String,
}

#[derive(Deserialize)]
struct ProvisionOidc {
    issuer: String,
    subject: String,
    email: String,
    name: Option<String>,
}

fn authorised(deps: &AccountsDeps, headers: &HeaderMap) -> bool {
    let presented = headers
        .get(INTERNAL_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Compare digests so the comparison time does not depend on the secret's prefix.
    Sha256::digest(presented.as_bytes()) == Sha256::digest(deps.internal_secret.as_bytes())
}

fn error(err: ApiError) -> Response {
    if let ApiError::Internal(detail) = &err {
        tracing::error!(error = ?detail, "internal endpoint failed");
    }
    (
        err.http_status(),
        Json(serde_json::json!({"code": err.code(), "message": err.message()})),
    )
        .into_response()
}

async fn verify_key(
    State(deps): State<AccountsDeps>,
    headers: HeaderMap,
    Json(body): Json<VerifyKey>,
) -> Response {
    if !authorised(&deps, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match commands::keys::verify_api_key(&deps, &body.key).await {
        Ok(identity) => Json(identity).into_response(),
        Err(err) => error(err),
    }
}

async fn check_session(
    State(deps): State<AccountsDeps>,
    headers: HeaderMap,
    Json(body): Json<CheckSession>,
) -> Response {
    if !authorised(&deps, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match commands::auth::session_is_live(&deps, &body.revocation_id).await {
        Ok(live) => Json(serde_json::json!({"live": live})).into_response(),
        Err(err) => error(err),
    }
}

async fn provision_oidc(
    State(deps): State<AccountsDeps>,
    headers: HeaderMap,
    Json(body): Json<ProvisionOidc>,
) -> Response {
    if !authorised(&deps, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match commands::auth::provision_oidc_user(
        &deps,
        &body.issuer,
        &body.subject,
        &body.email,
        body.name.as_deref(),
    )
    .await
    {
        Ok(user_id) => Json(serde_json::json!({"user_id": user_id})).into_response(),
        Err(err) => error(err),
    }
}
