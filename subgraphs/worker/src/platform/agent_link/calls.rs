//! The calls about one run an agent holds (start, node, progress, logs, finish, release),
//! each retried with backoff while the platform cannot be reached, for as long as a lease
//! lasts.

use super::AgentLink;
use crate::agent_api::{
    client::AgentCallError,
    protocol::{LogLine, Outcome, RunRef},
};
use mediamagic_jobs::{commands::queue::RunOutcome, domain::Lease};
use mediamagic_kit::ApiError;
use std::time::{Duration, Instant};
use uuid::Uuid;

impl AgentLink {
    /// Calls `call` again while the platform cannot be reached (or is unavailable), with
    /// backoff, for as long as a lease lasts.
    async fn retrying<T, F, Fut>(&self, mut call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AgentCallError>>,
    {
        let deadline = Instant::now() + self.lease_lasts();
        let mut pause = Duration::from_millis(250);
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(e) => {
                    let passing = matches!(e, AgentCallError::Unreachable(_))
                        || e.code() == Some("UNAVAILABLE");
                    if !passing || Instant::now() + pause >= deadline {
                        return Err(api_error(e));
                    }
                    tracing::info!(error = %e, "the platform is away; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    fn run(lease: &Lease) -> RunRef {
        RunRef {
            job: lease.job,
            attempt: lease.attempt,
        }
    }

    pub(in crate::platform) async fn start(&self, lease: &Lease) -> Result<(), ApiError> {
        let run = Self::run(lease);
        self.retrying(|| self.client.start(run, None))
            .await
            .map(|_| ())
    }

    pub(in crate::platform) async fn node(
        &self,
        lease: &Lease,
        node: &str,
    ) -> Result<(), ApiError> {
        let run = Self::run(lease);
        self.retrying(|| self.client.node(run, node.to_owned()))
            .await
            .map(|_| ())
    }

    pub(in crate::platform) async fn progress(
        &self,
        lease: &Lease,
        fraction: f64,
        message: Option<String>,
    ) -> Result<(), ApiError> {
        let run = Self::run(lease);
        self.retrying(|| self.client.progress(run, fraction, message.clone()))
            .await
            .map(|_| ())
    }

    /// Sends lines numbered after those sent before; resent batches are stored once.
    pub(in crate::platform) async fn logs(
        &self,
        lease: &Lease,
        lines: Vec<(String, String)>,
    ) -> Result<(), ApiError> {
        let count = i64::try_from(lines.len()).unwrap_or(i64::MAX);
        let first = {
            let mut runs = self.lock();
            let Some(slot) = runs.get_mut(&(lease.job, lease.attempt)) else {
                return Err(ApiError::Conflict(
                    "this agent does not hold the run".into(),
                ));
            };
            let first = slot.next_line;
            slot.next_line += count;
            first
        };
        let lines: Vec<LogLine> = lines
            .into_iter()
            .map(|(stream, line)| LogLine { stream, line })
            .collect();
        let run = Self::run(lease);
        self.retrying(|| self.client.logs(run, first, lines.clone()))
            .await
            .map(|_| ())
    }

    pub(in crate::platform) async fn finish(
        &self,
        lease: &Lease,
        outcome: RunOutcome,
    ) -> Result<(), ApiError> {
        let outcome = match outcome {
            RunOutcome::Succeeded { outputs, result } => Outcome::Succeeded { outputs, result },
            RunOutcome::Failed { code, message } => Outcome::Failed { code, message },
            RunOutcome::InfrastructureFailed { message } => Outcome::Infrastructure { message },
            RunOutcome::Cancelled => Outcome::Cancelled,
        };
        let run = Self::run(lease);
        let finished = self
            .retrying(|| self.client.finish(run, outcome.clone()))
            .await
            .map(|_| ());
        self.forget(lease.job, lease.attempt);
        finished
    }

    pub(in crate::platform) async fn release(&self, lease: &Lease) -> Result<(), ApiError> {
        let run = Self::run(lease);
        let released = self.retrying(|| self.client.release(run)).await.map(|_| ());
        self.forget(lease.job, lease.attempt);
        released
    }

    pub(in crate::platform) fn forget(&self, job: Uuid, attempt: i32) {
        self.lock().remove(&(job, attempt));
    }
}

/// A refusal as the pipeline's error type (CONFLICT: the lease is gone).
pub(super) fn api_error(e: AgentCallError) -> ApiError {
    match e {
        AgentCallError::Unreachable(m) => ApiError::Unavailable(m),
        AgentCallError::Refused { code, message, .. } => match code.as_str() {
            "CONFLICT" => ApiError::Conflict(message),
            "UNAUTHENTICATED" => ApiError::Unauthenticated(message),
            "FORBIDDEN" => ApiError::Forbidden(message),
            "BAD_USER_INPUT" => ApiError::BadUserInput {
                message,
                field: None,
            },
            "NOT_FOUND" => ApiError::NotFound(message),
            _ => ApiError::Unavailable(format!("{code}: {message}")),
        },
    }
}
