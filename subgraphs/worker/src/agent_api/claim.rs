//! `POST /agent/v1/claim`: a batch claim with long polling. The call claims at once; when
//! nothing is queued it waits for a queue signal of the machine type (or re-reads on the
//! hub's poll interval, should a signal be lost) until `wait_seconds` pass. Each claimed
//! attempt gets its `worker.runs` row and the platform's half of its plan here; one that
//! cannot run (its model version gone, an input deleted) is ended here, as the in-cluster
//! worker ends it, and not handed out.

use super::{AgentApi, answer, parse, protocol};
use crate::{
    db::{self, rows::RunRow, rows::WorkerRow},
    domain::run::RunEnd,
    plan,
};
use axum::{body::Bytes, extract::State, http::HeaderMap, response::Response};
use mediamagic_jobs::{
    commands::queue::{self, RunOutcome},
    domain::Lease,
    pubsub::queue_channel,
};
use mediamagic_kit::{ApiError, ApiResult};
use std::time::Duration;
use tokio::time::Instant;

pub(super) async fn claim(
    State(api): State<AgentApi>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(claim_inner(&api, &headers, &body).await)
}

async fn claim_inner(
    api: &AgentApi,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<protocol::Claimed> {
    let request: protocol::Claim = parse(body)?;
    let caller = api.caller(headers, &request.instance).await?;
    caller.may_run(std::iter::once(&request.machine_type))?;
    if !(1..=protocol::MAX_CLAIM).contains(&request.limit) {
        return Err(ApiError::bad_input(
            "limit",
            format!("claim 1 to {} runs at a time", protocol::MAX_CLAIM),
        ));
    }
    if request.wait_seconds > protocol::MAX_WAIT_SECONDS {
        return Err(ApiError::bad_input(
            "wait_seconds",
            format!("wait at most {} seconds", protocol::MAX_WAIT_SECONDS),
        ));
    }
    let worker = api.registered(&caller).await?;
    let deadline = Instant::now() + Duration::from_secs(u64::from(request.wait_seconds));
    let channel = queue_channel(&request.machine_type);
    // Subscribed before the first claim, so a job queued between the claim and the wait
    // still wakes this call.
    let mut signals = api.deps.jobs.hub.subscribe();
    loop {
        let claimed = queue::claim_batch(
            &api.deps.jobs,
            &request.machine_type,
            &caller.worker_id,
            request.limit as usize,
            false,
        )
        .await?;
        if !claimed.is_empty() {
            let runs = hand_out(api, &worker, claimed).await?;
            // Every claimed run was unrunnable and ended here: look for more.
            if !runs.is_empty() || Instant::now() >= deadline {
                return Ok(protocol::Claimed { runs });
            }
            continue;
        }
        let poll = Instant::now() + api.deps.jobs.hub.poll_interval();
        let until = poll.min(deadline);
        if Instant::now() >= deadline {
            return Ok(protocol::Claimed::default());
        }
        if api.deps.stopping.is_cancelled() {
            return Ok(protocol::Claimed::default());
        }
        loop {
            let signal = tokio::select! {
                // The service is stopping: answer now rather than hold it up.
                _ = api.deps.stopping.cancelled() => return Ok(protocol::Claimed::default()),
                signal = tokio::time::timeout_at(until, signals.recv()) => signal,
            };
            match signal {
                Ok(Ok((signalled, _))) if signalled == channel => break,
                Ok(Ok(_)) => continue,
                // Missed signals, or the hub is gone: claim again to find out.
                Ok(Err(_)) | Err(_) => break,
            }
        }
    }
}

/// Records each claimed attempt's run and prepares its plan (side by side); answers with
/// those that can run.
async fn hand_out(
    api: &AgentApi,
    worker: &WorkerRow,
    claimed: Vec<queue::ClaimedJob>,
) -> ApiResult<Vec<protocol::ClaimedRun>> {
    let mut conn = api.deps.conn().await?;
    for queue::ClaimedJob { job, .. } in &claimed {
        let run = RunRow {
            job_id: job.id,
            attempt: job.attempts,
            worker_id: worker.id.clone(),
            driver: worker.driver.clone(),
            node: None,
            machine_type: job.machine_type.clone(),
            started_at: chrono::Utc::now(),
            finished_at: None,
            outcome: None,
        };
        db::runs::start(&mut conn, &run).await?;
    }
    drop(conn);
    let prepared = futures::future::join_all(claimed.into_iter().map(|claimed| async move {
        let media = api.media(&worker.id, claimed.job.id, claimed.job.attempts);
        let plan = plan::prepare(&api.deps, &claimed.job, &media).await;
        (claimed, media, plan)
    }))
    .await;
    let mut runs = Vec::with_capacity(prepared.len());
    for (queue::ClaimedJob { job, control }, media, plan) in prepared {
        let lease = Lease::new(job.id, worker.id.as_str(), job.attempts);
        let plan = match plan {
            Ok(plan) => plan,
            Err(end) => {
                end_unrunnable(api, &lease, end).await?;
                continue;
            }
        };
        let media_token = api.media_token(&media)?;
        runs.push(protocol::ClaimedRun {
            job: job.id,
            attempt: job.attempts,
            machine_type: job.machine_type,
            owner_id: job.owner_id,
            model_version_id: job.model_version_id,
            deployment_id: job.deployment_id,
            queued_at: control.queued_at,
            timeout_seconds: control.timeout_seconds,
            trace_context: control.trace_context,
            plan,
            media_token,
        });
    }
    Ok(runs)
}

/// Ends a claimed job that cannot run, as the in-cluster worker does.
async fn end_unrunnable(api: &AgentApi, lease: &Lease, end: RunEnd) -> ApiResult<()> {
    let (outcome, name) = match end {
        RunEnd::Failed { code, message } => (RunOutcome::Failed { code, message }, "failed"),
        RunEnd::Infrastructure(message) => (
            RunOutcome::InfrastructureFailed { message },
            "infrastructure",
        ),
        other => (
            RunOutcome::InfrastructureFailed {
                message: format!("the run could not be prepared: {other:?}"),
            },
            "infrastructure",
        ),
    };
    let mut conn = api.deps.conn().await?;
    db::runs::finish(&mut conn, lease.job, lease.attempt, name).await?;
    drop(conn);
    queue::finish(&api.deps.jobs, lease, outcome).await?;
    Ok(())
}
