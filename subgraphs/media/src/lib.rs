//! The media subgraph: media files of each account (images, videos, audio) with tags,
//! presigned and direct uploads, streaming downloads, metadata and thumbnails, on local files
//! or any S3-compatible store.
//!
//! Layers: `graphql` and `http` (the HTTP entry points: `http::graphql_multipart`, uploads
//! by the GraphQL multipart request spec; `http::rest`, seed 000's multipart upload;
//! `http::worker`, the worker's own routes) sit on `commands` (`commands::parts`: uploads in
//! S3-style numbered parts), which use
//! `db` (the `media` Postgres schema), `storage` (object_store, signed URLs and the local
//! object routes) and `domain`. `events` processes live media and removes deleted ones;
//! `processing` runs ffprobe and ffmpeg.

pub mod commands;
pub mod config;
pub(crate) mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod http;
pub mod processing;
pub mod storage;

use mediamagic_kit::{
    db::DbPool,
    events::{Trigger, webhook},
    metrics::Metrics,
    server::{KitState, service_app},
    tokens::TokenVerifier,
};
use std::sync::Arc;

pub use config::MediaConfig;
pub use graphql::{MediaSchema, build_schema};
pub use storage::Storage;

/// Everything the media subgraph needs at run time.
#[derive(Clone)]
pub struct MediaDeps {
    /// Postgres pool.
    pub pool: DbPool,
    /// Verifies the router's internal tokens.
    pub internal: TokenVerifier,
    /// Verifies the worker's own tokens (worker routes refuse every request without it).
    pub workers: Option<TokenVerifier>,
    /// Object storage.
    pub storage: Storage,
    /// The base URL clients reach this service at.
    pub public_url: Arc<String>,
    /// Settings.
    pub config: Arc<MediaConfig>,
    /// Uploads that became live media, and their bytes (`mediamagic_media_uploads_total`,
    /// `mediamagic_media_uploaded_bytes_total`).
    pub uploads: UploadMetrics,
}

/// Counters of uploads that became live media (every path: presigned, multipart, REST).
#[derive(Clone)]
pub struct UploadMetrics {
    /// Uploads made live.
    pub count: prometheus::IntCounter,
    /// Their bytes.
    pub bytes: prometheus::IntCounter,
}

impl UploadMetrics {
    /// New counters, not registered yet (see [`UploadMetrics::register`]).
    pub fn new() -> Result<Self, prometheus::Error> {
        Ok(Self {
            count: prometheus::IntCounter::new("media_uploads_total", "Uploads made live")?,
            bytes: prometheus::IntCounter::new(
                "media_uploaded_bytes_total",
                "Bytes of the uploads made live",
            )?,
        })
    }

    /// Registers the counters in `registry`.
    pub fn register(&self, registry: &prometheus::Registry) -> Result<(), prometheus::Error> {
        registry.register(Box::new(self.count.clone()))?;
        registry.register(Box::new(self.bytes.clone()))
    }

    /// Counts one upload of `bytes`.
    pub fn record(&self, bytes: u64) {
        self.count.inc();
        self.bytes.inc_by(bytes);
    }
}

/// Only the signed object routes (`/objects/...`) of `deps`'s storage: what a caller that
/// may reach nothing else of the platform gets (`listen.media_objects_port`).
pub fn objects_app(deps: &MediaDeps) -> axum::Router {
    storage::routes::routes(storage::routes::ObjectRoutes {
        storage: deps.storage.clone(),
        max_upload_bytes: deps.config.max_upload_bytes,
        cors: storage::cors::AllowedOrigins::new(&deps.config.cors_allowed_origins),
    })
}

/// The media service's HTTP app: GraphQL, probes, metrics, the local object routes, the
/// multipart upload and the event webhooks.
pub fn app(
    deps: MediaDeps,
    metrics: Metrics,
    triggers: Vec<Trigger>,
    webhook_secret: String,
) -> axum::Router {
    let schema = build_schema(Some(deps.clone()), Some(&metrics));
    let kit = KitState {
        pool: deps.pool.clone(),
        redis: None,
        verifier: deps.internal.clone(),
        metrics,
    };
    let objects = objects_app(&deps);
    let extra = http::graphql_multipart::routes(deps.clone(), schema.clone())
        .merge(http::worker::routes(deps.clone(), schema.clone()))
        .merge(objects)
        .merge(http::rest::routes(deps))
        .merge(webhook::routes(triggers, webhook_secret));
    service_app(schema, kit, extra)
}
