//! The Media Magic service kit: everything a subgraph needs around its own domain.
//!
//! Each module owns one concern: [`config`] (layered, typed configuration with redacted
//! secrets), [`telemetry`] (logs, request ids, trace context), [`metrics`] (Prometheus),
//! [`health`] (liveness and readiness), [`db`] (diesel-async pool and embedded migrations),
//! [`auth`] (the acting account from the router's internal token), [`tokens`] (Biscuit
//! formats shared by the router and the accounts subgraph), [`error`] (client-safe errors
//! with stable codes), [`server`] (the HTTP app around a GraphQL schema, graceful shutdown)
//! and, behind the `testing` feature, [`testing`] (private Postgres and Redis for tests).

pub mod auth;
pub mod body;
pub mod config;
pub mod db;
pub mod db_roles;
pub mod error;
pub mod events;
pub mod health;
pub mod idempotency;
pub mod local_services;
pub mod metrics;
pub mod otel;
pub mod pagination;
pub mod redis;
pub mod redis_link;
pub mod retention;
pub mod server;
pub mod subgraph_schema;
pub mod telemetry;
pub mod tokens;

#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{AccountKind, Actor, ActorExt, Scope};
pub use error::{ApiError, ApiResult};
