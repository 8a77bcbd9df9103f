//! The agent protocol's platform side: the HTTP routes an agent calls (through the router's
//! `/agent/v1/` route, with its agent token) to register, claim with long polling, renew
//! its leases, and report each run's start, progress, logs and end. Served by the worker
//! service, which owns the `worker` schema (agents, workers, runs) and drives the queue
//! through the jobs library; the agent holds no database or Redis credential.
//!
//! Every run call is fenced by the lease of the attempt it names, held by the worker id
//! the platform derives from the token and the instance (`<agent id>/<instance>`): an agent
//! cannot name another agent's leases, and a call of an attempt whose lease is gone
//! changes nothing (CONFLICT).

mod claim;
pub mod client;
mod leases;
pub mod protocol;
mod runs;

use crate::{
    WorkerDeps,
    commands::agents,
    db::{self, rows::AgentRow},
    domain::agent_token::{self, HEADER},
};
use axum::{
    Json, Router,
    body::Bytes,
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::post,
};
use mediamagic_kit::{ApiError, ApiResult};
use protocol::{BASE, ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use uuid::Uuid;

/// Longest between two records of an agent's last call.
const SEEN_EVERY: Duration = Duration::from_secs(5);

/// The routes' state.
#[derive(Clone)]
pub(crate) struct AgentApi {
    deps: WorkerDeps,
    /// When each agent's last call was recorded (one write every [`SEEN_EVERY`]).
    seen: Arc<Mutex<HashMap<Uuid, Instant>>>,
}

/// The agent routes, under [`BASE`].
pub fn routes(deps: WorkerDeps) -> Router {
    let state = AgentApi {
        deps,
        seen: Arc::default(),
    };
    Router::new()
        .route(&format!("{BASE}/hello"), post(hello))
        .route(&format!("{BASE}/register"), post(register))
        .route(&format!("{BASE}/claim"), post(claim::claim))
        .route(&format!("{BASE}/heartbeat"), post(leases::heartbeat))
        .route(&format!("{BASE}/cancels"), post(leases::cancels))
        .route(&format!("{BASE}/stop"), post(stop))
        .route(
            &format!("{BASE}/runs/{{job}}/{{attempt}}/{{action}}"),
            post(runs::act),
        )
        .with_state(state)
}

/// The caller: a live agent and the worker id its process speaks as.
pub(crate) struct Caller {
    agent: AgentRow,
    worker_id: String,
}

impl Caller {
    /// FORBIDDEN unless the agent's token was issued for every one of `machine_types`.
    fn may_run<'a>(&self, mut machine_types: impl Iterator<Item = &'a String>) -> ApiResult<()> {
        match machine_types.find(|t| !self.agent.machine_types.contains(t)) {
            None => Ok(()),
            Some(other) => Err(ApiError::Forbidden(format!(
                "this agent's token was not issued for machine type `{other}` (it may run: {})",
                self.agent.machine_types.join(", ")
            ))),
        }
    }
}

impl AgentApi {
    /// The live agent whose token the request carries (recording that it called), and the
    /// worker id of `instance`.
    async fn caller(&self, headers: &HeaderMap, instance: &str) -> ApiResult<Caller> {
        let presented = headers.get(HEADER).and_then(|v| v.to_str().ok());
        let agent = agents::authenticate(&self.deps.pool, presented).await?;
        let worker_id = agent_token::worker_id(agent.id, instance)
            .map_err(|m| ApiError::bad_input("instance", m))?;
        self.record_seen(&agent, None).await;
        Ok(Caller { agent, worker_id })
    }

    async fn record_seen(&self, agent: &AgentRow, version: Option<&str>) {
        let due = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            let due = version.is_some()
                || seen
                    .get(&agent.id)
                    .is_none_or(|at| at.elapsed() >= SEEN_EVERY);
            if due {
                seen.insert(agent.id, Instant::now());
            }
            due
        };
        if due
            && let Ok(mut conn) = self.deps.conn().await
            && let Err(e) = db::agents::seen(&mut conn, agent.id, version).await
        {
            tracing::warn!(agent = %agent.name, error = ?e, "could not record an agent's call");
        }
    }

    /// The media session of `attempt` of `job` held by `worker_id`: the plan's inputs, and
    /// the media token handed to the agent (minted with the worker key, which stays here).
    fn media(&self, worker_id: &str, job: Uuid, attempt: i32) -> crate::media_client::MediaSession {
        crate::media_client::MediaSession::new(
            self.deps.http.clone(),
            self.deps.media_url.clone(),
            self.deps.worker_key.clone(),
            Arc::new(worker_id.to_owned()),
            job,
            attempt,
        )
    }

    /// A media token for an agent, valid for [`protocol::MEDIA_TOKEN_SECONDS`] (and only
    /// while the lease holds: the media service checks it).
    fn media_token(&self, media: &crate::media_client::MediaSession) -> ApiResult<String> {
        media
            .token_for(chrono::Duration::seconds(protocol::MEDIA_TOKEN_SECONDS))
            .map_err(ApiError::internal)
    }

    /// CONFLICT unless `worker_id` is a registered, running process of the caller's agent.
    async fn registered(&self, caller: &Caller) -> ApiResult<crate::db::rows::WorkerRow> {
        let mut conn = self.deps.conn().await?;
        db::agents::workers_of(&mut conn, caller.agent.id)
            .await?
            .into_iter()
            .find(|w| w.id == caller.worker_id)
            .ok_or_else(|| {
                ApiError::Conflict(
                    "this instance is not registered (or was stopped): register it first".into(),
                )
            })
    }
}

/// A JSON body, or BAD_USER_INPUT saying what is wrong with it.
pub(crate) fn parse<T: DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadUserInput {
        message: format!("the request body is not what this call takes: {e}"),
        field: None,
    })
}

/// The protocol's error body with the matching status (internal detail logged, not sent).
pub(crate) fn refusal(err: ApiError) -> Response {
    if let ApiError::Internal(detail) = &err {
        tracing::error!(error = ?detail, "internal error on an agent route");
    }
    let body = ErrorBody {
        error: ErrorDetail {
            code: err.code().to_owned(),
            message: err.message(),
        },
    };
    (err.http_status(), Json(body)).into_response()
}

/// A result as the protocol's answer.
pub(crate) fn answer<T: serde::Serialize>(result: ApiResult<T>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => refusal(e),
    }
}

async fn register(
    axum::extract::State(api): axum::extract::State<AgentApi>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(register_inner(&api, &headers, &body).await)
}

async fn register_inner(
    api: &AgentApi,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<protocol::Registered> {
    let request: protocol::Register = parse(body)?;
    let caller = api.caller(headers, &request.instance).await?;
    caller.may_run(request.slots.keys())?;
    if !matches!(request.driver.as_str(), "local" | "kubernetes") {
        return Err(ApiError::bad_input(
            "driver",
            "the driver is `local` or `kubernetes`",
        ));
    }
    let short = |field: &str, value: &str| {
        (value.chars().count() <= 100)
            .then_some(())
            .ok_or_else(|| ApiError::bad_input(field, format!("{field} is at most 100 characters")))
    };
    short("hostname", &request.hostname)?;
    short("version", &request.version)?;
    short("sandbox", &request.sandbox)?;
    if request.runtimes.len() > 32 || request.runtimes.iter().any(|r| r.len() > 100) {
        return Err(ApiError::bad_input(
            "runtimes",
            "at most 32 runtimes of 100 characters",
        ));
    }
    let now = chrono::Utc::now();
    let mut conn = api.deps.conn().await?;
    db::workers::register(
        &mut conn,
        &crate::db::rows::WorkerRow {
            id: caller.worker_id.clone(),
            hostname: request.hostname,
            driver: request.driver,
            sandbox: request.sandbox,
            capacity: serde_json::to_value(&request.slots).map_err(ApiError::internal)?,
            busy: 0,
            started_at: now,
            last_heartbeat_at: now,
            stopped_at: None,
            runtimes: request.runtimes,
            agent_id: Some(caller.agent.id),
            gpus: serde_json::json!([]),
        },
    )
    .await?;
    drop(conn);
    api.record_seen(&caller.agent, Some(&request.version)).await;
    Ok(protocol::Registered {
        worker_id: caller.worker_id,
        lease_seconds: api.deps.jobs.config.lease_seconds,
        heartbeat_ms: api.deps.config.heartbeat_ms.max(100),
    })
}

async fn hello(
    axum::extract::State(api): axum::extract::State<AgentApi>,
    headers: HeaderMap,
) -> Response {
    let presented = headers.get(HEADER).and_then(|v| v.to_str().ok());
    answer(
        agents::authenticate(&api.deps.pool, presented)
            .await
            .map(|agent| protocol::Hello {
                name: agent.name,
                machine_types: agent.machine_types,
                site: agent.site,
            }),
    )
}

async fn stop(
    axum::extract::State(api): axum::extract::State<AgentApi>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let stopped = async {
        let request: protocol::Instance = parse(&body)?;
        let caller = api.caller(&headers, &request.instance).await?;
        let mut conn = api.deps.conn().await?;
        db::workers::stopped(&mut conn, &caller.worker_id).await?;
        Ok(serde_json::json!({"stopped": caller.worker_id}))
    };
    answer(stopped.await)
}
