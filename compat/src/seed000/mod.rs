//! Seed 000's REST API under `/api/v1`: every example of the seed document, same paths,
//! methods, headers and JSON shapes, each a call to the same GraphQL operation a web app
//! would send.

pub mod auth;
pub mod deployments;
pub mod media;
pub mod models;
pub mod teams;
pub mod tokens;

use crate::{CompatDeps, error::RestError, shapes::JsonLimit};
use axum::{
    Extension, Router,
    routing::{delete, get, post},
};

/// The `/api/v1` routes.
pub fn routes(deps: CompatDeps) -> Router {
    let limit = deps.config.max_json_bytes;
    Router::new()
        .route("/api/v1/auth/login", get(auth::login).post(auth::login))
        .route("/api/v1/auth/callback", get(auth::callback))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", delete(tokens::revoke))
        .route(
            "/api/v1/teams",
            get(teams::list_teams).post(teams::create_team),
        )
        .route("/api/v1/teams/{id}", get(teams::get_team))
        .route("/api/v1/teams/{id}/token", post(teams::team_token))
        .route("/api/v1/teams/{id}/invites", post(teams::invite))
        .route("/api/v1/invites/accept", post(teams::accept))
        .route("/api/v1/media", get(media::list))
        .route(
            "/api/v1/media/{id}",
            get(media::get).put(media::update).delete(media::delete),
        )
        .route("/api/v1/models", get(models::list).post(models::create))
        .route(
            "/api/v1/models/{id}",
            get(models::get).put(models::update).delete(models::delete),
        )
        .route(
            "/api/v1/deployments",
            get(deployments::list).post(deployments::create),
        )
        .route("/api/v1/deployments/{id}", get(deployments::get))
        .route("/api/v1/jobs", get(deployments::list_jobs))
        .route("/api/v1/jobs/{id}", get(deployments::get_job))
        .route("/api/v1/jobs/{id}/cancel", post(deployments::cancel_job))
        .route("/api/v1/billing/usage", get(deployments::usage))
        .route("/api/v1/{*rest}", axum::routing::any(unknown))
        .layer(Extension(JsonLimit(limit)))
        .with_state(deps)
}

async fn unknown() -> RestError {
    RestError::not_found("no such /api/v1 route; see docs/rest-surfaces.md")
}
