//! The agent protocol's client: what an agent process calls, over HTTPS through the
//! platform's router, holding only the platform's URL and its agent token.

use super::protocol::{self, BASE, ErrorBody};
use crate::domain::agent_token::HEADER;
use serde::{Serialize, de::DeserializeOwned};
use std::time::Duration;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentCallError {
    /// The platform could not be reached, or did not answer in time (retry with backoff).
    #[error("the platform cannot be reached: {0}")]
    Unreachable(String),
    /// The platform refused the call: its status, stable code and message.
    #[error("{code} ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The stable code (`UNAUTHENTICATED`, `CONFLICT` ...).
        code: String,
        /// What the platform said.
        message: String,
    },
}

impl AgentCallError {
    /// The stable code of a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            AgentCallError::Refused { code, .. } => Some(code),
            AgentCallError::Unreachable(_) => None,
        }
    }
}

/// A client of one agent process.
#[derive(Clone)]
pub struct AgentClient {
    http: reqwest::Client,
    base: String,
    token: String,
    instance: String,
}

impl AgentClient {
    /// A client of the platform at `url` (its router's base URL) for process `instance`.
    pub fn new(http: reqwest::Client, url: &str, token: &str, instance: &str) -> Self {
        Self {
            http,
            base: format!("{}{BASE}", url.trim_end_matches('/')),
            token: token.to_owned(),
            instance: instance.to_owned(),
        }
    }

    /// The process this client speaks for.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        timeout: Duration,
    ) -> Result<T, AgentCallError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(HEADER, &self.token)
            // The run's trace continues on the platform (its finish, and so its callback).
            .headers(crate::media_client::trace_headers())
            .timeout(timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| AgentCallError::Unreachable(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AgentCallError::Unreachable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| AgentCallError::Refused {
                status: status.as_u16(),
                code: "BAD_ANSWER".into(),
                message: format!("the platform's answer is not what this agent expects: {e}"),
            });
        }
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => (
                format!("HTTP_{}", status.as_u16()),
                String::from_utf8_lossy(&bytes).chars().take(300).collect(),
            ),
        };
        Err(AgentCallError::Refused {
            status: status.as_u16(),
            code,
            message,
        })
    }

    const QUICK: Duration = Duration::from_secs(30);

    /// Who the token belongs to (changes nothing).
    pub async fn hello(&self) -> Result<protocol::Hello, AgentCallError> {
        self.call("/hello", &serde_json::json!({}), Self::QUICK)
            .await
    }

    /// Registers this process (again, after a restart).
    pub async fn register(
        &self,
        mut request: protocol::Register,
    ) -> Result<protocol::Registered, AgentCallError> {
        request.instance = self.instance.clone();
        self.call("/register", &request, Self::QUICK).await
    }

    /// Claims up to `limit` runs of `machine_type`, waiting up to `wait` for one.
    pub async fn claim(
        &self,
        machine_type: &str,
        limit: u32,
        wait: Duration,
    ) -> Result<protocol::Claimed, AgentCallError> {
        let wait_seconds = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX);
        let request = protocol::Claim {
            instance: self.instance.clone(),
            machine_type: machine_type.to_owned(),
            limit,
            wait_seconds,
        };
        self.call("/claim", &request, wait + Self::QUICK).await
    }

    /// Renews the leases of `runs`; says what each should do.
    pub async fn heartbeat(
        &self,
        runs: Vec<protocol::RunRef>,
        gpus: Option<Vec<protocol::GpuState>>,
    ) -> Result<protocol::HeartbeatAnswer, AgentCallError> {
        let request = protocol::Heartbeat {
            instance: self.instance.clone(),
            runs,
            gpus,
        };
        self.call("/heartbeat", &request, Self::QUICK).await
    }

    /// Waits up to `wait` for one of `runs` to be cancelled (or lost); the runs to stop.
    pub async fn cancels(
        &self,
        runs: Vec<protocol::RunRef>,
        wait: Duration,
    ) -> Result<protocol::HeartbeatAnswer, AgentCallError> {
        let wait_seconds = u32::try_from(wait.as_secs())
            .unwrap_or(protocol::MAX_WAIT_SECONDS)
            .min(protocol::MAX_WAIT_SECONDS);
        let request = protocol::Cancels {
            instance: self.instance.clone(),
            runs,
            wait_seconds,
        };
        let timeout = Duration::from_secs(u64::from(wait_seconds)) + Self::QUICK;
        self.call("/cancels", &request, timeout).await
    }

    async fn run_call<B: Serialize>(
        &self,
        run: protocol::RunRef,
        action: &str,
        body: &B,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let path = format!("/runs/{}/{}/{action}", run.job, run.attempt);
        self.call(&path, body, Self::QUICK).await
    }

    /// The run's program starts, on `node`.
    pub async fn start(
        &self,
        run: protocol::RunRef,
        node: Option<String>,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let body = protocol::Start {
            instance: self.instance.clone(),
            node,
        };
        self.run_call(run, "start", &body).await
    }

    /// Where the run's program runs.
    pub async fn node(
        &self,
        run: protocol::RunRef,
        node: String,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let body = protocol::Start {
            instance: self.instance.clone(),
            node: Some(node),
        };
        self.run_call(run, "node", &body).await
    }

    /// Reports progress.
    pub async fn progress(
        &self,
        run: protocol::RunRef,
        fraction: f64,
        message: Option<String>,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let body = protocol::Progress {
            instance: self.instance.clone(),
            fraction,
            message,
        };
        self.run_call(run, "progress", &body).await
    }

    /// Sends log lines numbered from `first`.
    pub async fn logs(
        &self,
        run: protocol::RunRef,
        first: i64,
        lines: Vec<protocol::LogLine>,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let body = protocol::Logs {
            instance: self.instance.clone(),
            first,
            lines,
        };
        self.run_call(run, "logs", &body).await
    }

    /// Ends the run.
    pub async fn finish(
        &self,
        run: protocol::RunRef,
        outcome: protocol::Outcome,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let body = protocol::Finish {
            instance: self.instance.clone(),
            outcome,
        };
        self.run_call(run, "finish", &body).await
    }

    /// Gives the run's job back to the queue (this process is stopping).
    pub async fn release(
        &self,
        run: protocol::RunRef,
    ) -> Result<protocol::RunAnswer, AgentCallError> {
        let body = protocol::Instance {
            instance: self.instance.clone(),
        };
        self.run_call(run, "release", &body).await
    }

    /// Records that this process stopped.
    pub async fn stop(&self) -> Result<serde_json::Value, AgentCallError> {
        let body = protocol::Instance {
            instance: self.instance.clone(),
        };
        self.call("/stop", &body, Self::QUICK).await
    }
}
