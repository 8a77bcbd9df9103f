//! Media Magic's REST compatibility surfaces: the seed systems' HTTP APIs, kept working
//! against this platform with only their base URL changed.
//!
//! - [`seed000`]: Media Magic's `/api/v1` (auth, tokens, teams, media, models, deployments,
//!   jobs, billing usage); its `/upload` is the media service's own route.
//! - [`seed003`]: seed 003's media management API (presigned upload, finalize, presigned
//!   download, tags) under `/media-management`.
//! - [`converter`]: seeds 001/002's mp4-to-mp3 converter under `/converter`.
//! - [`separation`]: seed 004's music separation API at `/` and `/apiv1`.
//!
//! The router's `mediamagic_forward` plugin sends these paths here with the client's
//! credential headers; every handler is a thin translation to the GraphQL operation a web
//! app would send to the router ([`client`]), so auth, tenancy, limits and errors are the
//! platform's own. Errors become HTTP statuses with a JSON body ([`error`]).

pub mod client;
pub mod config;
pub mod converter;
pub mod demucs;
pub mod error;
pub mod files;
pub mod seed000;
pub mod seed003;
pub mod separation;
pub mod shapes;

use axum::{Router, middleware, routing::get};
use mediamagic_kit::{
    metrics::{Metrics, metrics_handler, track_http},
    telemetry::{ServiceName, request_context},
};
use std::sync::Arc;

pub use client::Platform;
pub use config::CompatConfig;

/// What the surfaces need.
#[derive(Clone)]
pub struct CompatDeps {
    /// The router's GraphQL API.
    pub platform: Platform,
    /// Settings.
    pub config: Arc<CompatConfig>,
}

/// The service: every surface, `/healthz`, `/readyz` and `/metrics`.
pub fn app(deps: CompatDeps, metrics: Metrics) -> Router {
    Router::new()
        .merge(seed000::routes(deps.clone()))
        .merge(seed003::routes(deps.clone()))
        .merge(converter::routes(deps.clone()))
        .merge(separation::routes(deps))
        .route("/openapi.yaml", get(openapi))
        .route("/metrics", get(metrics_handler).with_state(metrics.clone()))
        .route("/healthz", get(|| async { "ok" }))
        // Stateless: ready as soon as it listens (the router it calls has its own probe).
        .route("/readyz", get(|| async { "ok" }))
        .layer(middleware::from_fn_with_state(metrics, track_http))
        .layer(middleware::from_fn_with_state(
            ServiceName::new("compat"),
            request_context,
        ))
}

/// The OpenAPI 3.1 description of every surface (checked in as `compat/openapi.yaml`).
pub const OPENAPI: &str = include_str!("../openapi.yaml");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/yaml")],
        OPENAPI,
    )
}
