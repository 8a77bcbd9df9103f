//! The calls that renew an agent's leases: the heartbeat (every run at once, and the host's
//! GPU readings), and the long poll that answers as soon as a held run must stop (a
//! cancel). Both say per run whether it goes on, must stop, or is no longer the agent's.

use super::{AgentApi, Caller, answer, parse, protocol};
use crate::db;
use axum::{body::Bytes, extract::State, http::HeaderMap, response::Response};
use mediamagic_jobs::{
    commands::queue::{self, Heartbeat},
    domain::Lease,
    pubsub::CANCEL_CHANNEL,
};
use mediamagic_kit::{ApiError, ApiResult};
use std::time::Duration;

/// Most runs one heartbeat may renew (an agent holds at most its slots).
const MAX_HEARTBEAT_RUNS: usize = 256;

/// BAD_USER_INPUT for more runs than one call may name.
fn at_most_max_runs(runs: &[protocol::RunRef]) -> ApiResult<()> {
    if runs.len() > MAX_HEARTBEAT_RUNS {
        return Err(ApiError::bad_input(
            "runs",
            format!("at most {MAX_HEARTBEAT_RUNS} runs per call"),
        ));
    }
    Ok(())
}

pub(super) async fn heartbeat(
    State(api): State<AgentApi>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(heartbeat_inner(&api, &headers, &body).await)
}

async fn heartbeat_inner(
    api: &AgentApi,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<protocol::HeartbeatAnswer> {
    let request: protocol::Heartbeat = parse(body)?;
    let caller = api.caller(headers, &request.instance).await?;
    at_most_max_runs(&request.runs)?;
    api.registered(&caller).await?;
    let mut conn = api.deps.conn().await?;
    let busy = i32::try_from(request.runs.len()).unwrap_or(i32::MAX);
    db::workers::heartbeat(&mut conn, &caller.worker_id, busy).await?;
    if let Some(gpus) = request.gpus {
        if gpus.len() > protocol::MAX_GPUS
            || gpus
                .iter()
                .any(|g| g.reading.longest_text() > protocol::MAX_GPU_TEXT)
        {
            return Err(ApiError::bad_input(
                "gpus",
                format!(
                    "at most {} GPUs, each text field of at most {} bytes",
                    protocol::MAX_GPUS,
                    protocol::MAX_GPU_TEXT
                ),
            ));
        }
        db::workers::set_gpus(
            &mut conn,
            &caller.worker_id,
            crate::liveness::gpus_json(&gpus),
        )
        .await?;
    }
    drop(conn);
    let runs = run_states(api, &caller, request.runs).await?;
    Ok(protocol::HeartbeatAnswer { runs })
}

pub(super) async fn cancels(
    State(api): State<AgentApi>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(cancels_inner(&api, &headers, &body).await)
}

async fn cancels_inner(
    api: &AgentApi,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<protocol::HeartbeatAnswer> {
    let request: protocol::Cancels = parse(body)?;
    let caller = api.caller(headers, &request.instance).await?;
    at_most_max_runs(&request.runs)?;
    if request.wait_seconds > protocol::MAX_WAIT_SECONDS {
        return Err(ApiError::bad_input(
            "wait_seconds",
            format!("wait at most {} seconds", protocol::MAX_WAIT_SECONDS),
        ));
    }
    api.registered(&caller).await?;
    // Subscribed before the first read, so a cancel between the read and the wait is heard.
    let mut signals = api.deps.jobs.hub.subscribe();
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(u64::from(request.wait_seconds));
    let watched = request.runs;
    // Every run at first; then those a signal names (all of them after lost signals).
    let mut check = watched.clone();
    loop {
        let stopping: Vec<protocol::RunState> = run_states(api, &caller, check)
            .await?
            .into_iter()
            .filter(|r| r.state != protocol::RunDirective::Continue)
            .collect();
        if !stopping.is_empty() {
            return Ok(protocol::HeartbeatAnswer { runs: stopping });
        }
        // Until a cancel signal names one of the runs; a lost signal wakes every run.
        let signalled = loop {
            let signal = tokio::select! {
                // The service is stopping: answer now rather than hold it up.
                _ = api.deps.stopping.cancelled() => {
                    return Ok(protocol::HeartbeatAnswer { runs: Vec::new() });
                }
                signal = tokio::time::timeout_at(deadline, signals.recv()) => signal,
            };
            match signal {
                Err(_) => return Ok(protocol::HeartbeatAnswer { runs: Vec::new() }),
                Ok(Ok((channel, payload))) if channel == CANCEL_CHANNEL => {
                    let named: Vec<protocol::RunRef> = watched
                        .iter()
                        .filter(|r| r.job.to_string() == payload)
                        .copied()
                        .collect();
                    if !named.is_empty() {
                        break named;
                    }
                }
                Ok(Ok(_)) => {}
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {
                    break watched.clone();
                }
                Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                    return Ok(protocol::HeartbeatAnswer { runs: Vec::new() });
                }
            }
        };
        check = signalled;
    }
}

/// Renews the lease of each of `runs` held by `caller` and says what each should do, with
/// a fresh media token for the runs that go on or wind down.
async fn run_states(
    api: &AgentApi,
    caller: &Caller,
    requested: Vec<protocol::RunRef>,
) -> ApiResult<Vec<protocol::RunState>> {
    let mut runs = Vec::with_capacity(requested.len());
    for run in requested {
        let lease = Lease::new(run.job, caller.worker_id.as_str(), run.attempt);
        let (state, reason) = match queue::heartbeat(&api.deps.jobs, &lease).await {
            Ok(Heartbeat::Continue) => (protocol::RunDirective::Continue, None),
            Ok(Heartbeat::Cancel(reason)) => (protocol::RunDirective::Cancel, Some(reason)),
            Err(ApiError::Conflict(reason)) => (protocol::RunDirective::Lost, Some(reason)),
            Err(e) => return Err(e),
        };
        // A run that goes on (or winds down) gets a fresh media token; a lost one none.
        let media_token = match state {
            protocol::RunDirective::Lost => None,
            _ => Some(api.media_token(&api.media(&caller.worker_id, run.job, run.attempt))?),
        };
        runs.push(protocol::RunState {
            job: run.job,
            attempt: run.attempt,
            state,
            reason,
            media_token,
        });
    }
    Ok(runs)
}
