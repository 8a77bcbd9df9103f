//! The calls about one run an agent holds: its start, node, progress, logs, finish and
//! release (the lease renewals are in `leases.rs`).
//! Each is fenced by the attempt's lease (`queue::*` checks it in the statement that
//! writes), held by the caller's worker id.

use super::{AgentApi, Caller, answer, parse, protocol};
use crate::db;
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use mediamagic_jobs::{
    commands::queue::{self, RunOutcome},
    domain::Lease,
};
use mediamagic_kit::{ApiError, ApiResult};
use uuid::Uuid;

pub(super) async fn act(
    State(api): State<AgentApi>,
    Path((job, attempt, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(act_inner(&api, &headers, &job, &attempt, &action, &body).await)
}

async fn act_inner(
    api: &AgentApi,
    headers: &HeaderMap,
    job: &str,
    attempt: &str,
    action: &str,
    body: &Bytes,
) -> ApiResult<protocol::RunAnswer> {
    let job: Uuid = ApiError::parse_uuid("job", job)?;
    let attempt: i32 = attempt
        .parse()
        .ok()
        .filter(|a| *a >= 1)
        .ok_or_else(|| ApiError::bad_input("attempt", "the attempt is a number from 1"))?;
    let instance = |body: &Bytes| -> ApiResult<String> {
        #[derive(serde::Deserialize)]
        struct Only {
            instance: String,
        }
        serde_json::from_slice::<Only>(body)
            .map(|o| o.instance)
            .map_err(|_| ApiError::bad_input("instance", "the body names the `instance`"))
    };
    let caller = api.caller(headers, &instance(body)?).await?;
    let lease = Lease::new(job, caller.worker_id.as_str(), attempt);
    let status = match action {
        "start" => start(api, &caller, &lease, parse(body)?).await?,
        "node" => node(api, &caller, &lease, parse(body)?).await?,
        "progress" => {
            let request: protocol::Progress = parse(body)?;
            if request.message.as_ref().is_some_and(|m| m.len() > 1000) {
                return Err(ApiError::bad_input(
                    "message",
                    "a progress message is at most 1,000 bytes",
                ));
            }
            queue::progress(&api.deps.jobs, &lease, request.fraction, request.message)
                .await?
                .status
        }
        "logs" => {
            let request: protocol::Logs = parse(body)?;
            if request.lines.len() > protocol::MAX_LOG_LINES {
                return Err(ApiError::bad_input(
                    "lines",
                    format!("send at most {} lines per call", protocol::MAX_LOG_LINES),
                ));
            }
            let lines = request
                .lines
                .into_iter()
                .map(|l| match l.stream.as_str() {
                    "stdout" | "stderr" | "system" => Ok((l.stream, l.line)),
                    _ => Err(ApiError::bad_input(
                        "stream",
                        "a line's stream is `stdout`, `stderr` or `system` (the worker's own)",
                    )),
                })
                .collect::<ApiResult<Vec<_>>>()?;
            queue::append_sent_logs(&api.deps.jobs, &lease, request.first, lines).await?;
            "running".to_owned()
        }
        "finish" => finish(api, &lease, parse(body)?).await?,
        "release" => {
            let _: protocol::Instance = parse(body)?;
            let job = queue::release(&api.deps.jobs, &lease).await?;
            close_run(api, &lease, "released").await?;
            job.status
        }
        other => {
            return Err(ApiError::NotFound(format!(
                "no run call `{other}`: start, node, progress, logs, finish or release"
            )));
        }
    };
    Ok(protocol::RunAnswer { job, status })
}

async fn start(
    api: &AgentApi,
    caller: &Caller,
    lease: &Lease,
    request: protocol::Start,
) -> ApiResult<String> {
    let job = queue::start(&api.deps.jobs, lease).await?;
    if let Some(node) = request.node.filter(|n| !n.is_empty()) {
        if node.len() > 200 {
            return Err(ApiError::bad_input(
                "node",
                "a node name is at most 200 bytes",
            ));
        }
        let mut conn = api.deps.conn().await?;
        db::runs::set_node(&mut conn, lease.job, lease.attempt, &node).await?;
    }
    tracing::debug!(agent = %caller.agent.name, job = %lease.job, "an agent's run started");
    Ok(job.status)
}

/// Where the run's program runs (a Kubernetes node, known once its pod is placed); only
/// for a run the caller holds and that has not ended.
async fn node(
    api: &AgentApi,
    caller: &Caller,
    lease: &Lease,
    request: protocol::Start,
) -> ApiResult<String> {
    let node = request
        .node
        .filter(|n| !n.is_empty() && n.len() <= 200)
        .ok_or_else(|| ApiError::bad_input("node", "name the node, at most 200 bytes"))?;
    let mut conn = api.deps.conn().await?;
    if !db::runs::set_node_held(
        &mut conn,
        lease.job,
        lease.attempt,
        &caller.worker_id,
        &node,
    )
    .await?
    {
        return Err(ApiError::Conflict(
            "this agent holds no open run of that attempt".into(),
        ));
    }
    Ok("running".into())
}

async fn finish(api: &AgentApi, lease: &Lease, request: protocol::Finish) -> ApiResult<String> {
    let (outcome, name) = match request.outcome {
        protocol::Outcome::Succeeded { outputs, result } => {
            (RunOutcome::Succeeded { outputs, result }, "succeeded")
        }
        protocol::Outcome::Failed { code, message } => {
            let stable = !code.is_empty()
                && code.len() <= 64
                && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            if !stable {
                return Err(ApiError::bad_input(
                    "code",
                    "a failure code is UPPER_SNAKE_CASE, 64 at most",
                ));
            }
            (RunOutcome::Failed { code, message }, "failed")
        }
        protocol::Outcome::Infrastructure { message } => (
            RunOutcome::InfrastructureFailed { message },
            "infrastructure",
        ),
        protocol::Outcome::Cancelled => (RunOutcome::Cancelled, "cancelled"),
    };
    // The run closes before the job: billing reads the job's runs when its status changes.
    // Both are safe to repeat. The run is closed only while the lease holds, so an agent
    // cannot close another attempt's run.
    queue::heartbeat(&api.deps.jobs, lease).await?;
    close_run(api, lease, name).await?;
    Ok(queue::finish(&api.deps.jobs, lease, outcome).await?.status)
}

async fn close_run(api: &AgentApi, lease: &Lease, outcome: &str) -> ApiResult<()> {
    let mut conn = api.deps.conn().await?;
    db::runs::finish(&mut conn, lease.job, lease.attempt, outcome).await?;
    Ok(())
}
