//! Probes: `/healthz` answers while the process runs; `/readyz` reports each dependency and
//! answers 200 when the service can serve: the database reachable with every embedded
//! migration applied. Redis is reported too but never makes a service unready: without it
//! the service serves in degraded mode (fallbacks answer, see [`crate::redis_link`]).
//!
//! `{"status": "ready" | "degraded" | "unavailable", "dependencies": {"database": "ok" |
//! "<why not>", "redis": "ok" | "<why not>"}}`.

use crate::{
    db::{DbPool, migrations_applied},
    redis_link::RedisLink,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Longest one dependency check may take (a hung dependency is reported, not waited on).
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/readyz` checks.
#[derive(Clone)]
pub struct Readiness {
    /// The service's database.
    pub pool: DbPool,
    /// Its Redis link, when it uses Redis.
    pub redis: Option<RedisLink>,
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
}

async fn database(pool: &DbPool) -> Result<(), String> {
    let check = async {
        let mut conn = pool.get().await.map_err(|e| format!("unreachable: {e}"))?;
        match migrations_applied(&mut conn).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("migrations pending".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    };
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err("no answer within 2 s".into()))
}

/// `GET /readyz`.
pub async fn readyz(State(readiness): State<Readiness>) -> Response {
    let mut dependencies = Map::new();
    let database = database(&readiness.pool).await;
    let mut report = |name: &str, result: &Result<(), String>| {
        let value = match result {
            Ok(()) => "ok".to_owned(),
            Err(why) => why.clone(),
        };
        dependencies.insert(name.to_owned(), Value::String(value));
    };
    report("database", &database);
    let redis = match &readiness.redis {
        Some(link) => {
            let pinged = tokio::time::timeout(CHECK_TIMEOUT, link.ping())
                .await
                .unwrap_or_else(|_| {
                    Err(crate::redis_link::RedisUnavailable(
                        "no answer within 2 s".into(),
                    ))
                })
                .map_err(|e| e.to_string());
            report("redis", &pinged);
            Some(pinged)
        }
        None => None,
    };
    let (status, verdict) = match (&database, &redis) {
        (Err(reason), _) => {
            tracing::warn!(%reason, "not ready: database");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
        (Ok(()), Some(Err(_))) => (StatusCode::OK, "degraded"),
        _ => (StatusCode::OK, "ready"),
    };
    (
        status,
        Json(json!({"status": verdict, "dependencies": dependencies})),
    )
        .into_response()
}
