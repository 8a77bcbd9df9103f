//! The accounts subgraph: users, teams (seed 000's organisations), memberships, invites,
//! API keys and session tokens.
//!
//! Layers: `graphql` (schema, resolvers, loaders) and `internal` (HTTP endpoints the router
//! calls) sit on `commands` (the operations and their rules), which use `db` (diesel
//! queries on the `accounts` Postgres schema) and `domain` (parsed input types).

pub mod commands;
pub mod config;
pub(crate) mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod internal;

use mediamagic_kit::{
    db::DbPool,
    events::{Trigger, webhook},
    metrics::Metrics,
    redis_link::RedisLink,
    server::{KitState, service_app},
    tokens::{TokenIssuer, TokenVerifier},
};
use std::sync::Arc;

pub use config::AccountsConfig;
pub use graphql::{AccountsSchema, build_schema};

/// Everything the accounts subgraph needs at run time.
#[derive(Clone)]
pub struct AccountsDeps {
    /// Postgres pool.
    pub pool: DbPool,
    /// Redis: the router's credential cache, where revocations are written (best effort;
    /// the truth is in Postgres and the event handlers write them again).
    pub redis: RedisLink,
    /// Signs session tokens with the platform root key.
    pub sessions: Arc<TokenIssuer>,
    /// Verifies the router's internal tokens.
    pub internal: TokenVerifier,
    /// Shared secret the router presents on `/internal/*`.
    pub internal_secret: Arc<String>,
    /// Settings.
    pub config: Arc<AccountsConfig>,
    /// Password hashes computed at once (argon2 takes ~19 MiB each; see
    /// `accounts.max_concurrent_hashes`).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// The platform's retention settings (the defaults of every account's policy).
    pub retention: Arc<mediamagic_kit::retention::RetentionConfig>,
}

/// The accounts service's HTTP app: GraphQL, probes, metrics, the router's endpoints and the
/// event webhooks (`POST /events/<trigger>`, guarded by `webhook_secret`).
pub fn app(
    deps: AccountsDeps,
    metrics: Metrics,
    triggers: Vec<Trigger>,
    webhook_secret: String,
) -> axum::Router {
    let schema = build_schema(Some(deps.clone()), Some(&metrics));
    let kit = KitState {
        pool: deps.pool.clone(),
        redis: Some(deps.redis.clone()),
        verifier: deps.internal.clone(),
        metrics,
    };
    let extra = internal::routes(deps).merge(webhook::routes(triggers, webhook_secret));
    service_app(schema, kit, extra)
}
