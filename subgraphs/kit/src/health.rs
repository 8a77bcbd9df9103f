//! Probes: `/healthz` answers while the process runs; `/readyz` answers 200 only when the
//! database is reachable and every embedded migration is applied.

use crate::db::{DbPool, migrations_applied};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// `GET /healthz`.
pub async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
}

/// `GET /readyz`.
pub async fn readyz(State(pool): State<DbPool>) -> Response {
    let verdict = async {
        let mut conn = pool.get().await.map_err(|e| format!("database: {e}"))?;
        match migrations_applied(&mut conn).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("migrations pending".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }
    .await;
    match verdict {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))).into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "reason": reason})),
            )
                .into_response()
        }
    }
}
