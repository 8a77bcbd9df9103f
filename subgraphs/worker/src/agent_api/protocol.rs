//! The agent protocol's messages (version 1), JSON over HTTPS: what an agent sends the
//! platform and what it gets back. Every call carries the agent's token in
//! `x-mediamagic-agent-token` and the `instance` (the agent process) it speaks for; every
//! call about a run names the attempt, and the platform fences it by the lease that
//! attempt holds, exactly as the in-cluster path is fenced.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The path every route of this version sits under.
pub const BASE: &str = "/agent/v1";

/// Where an agent reaches the media service's worker routes (inputs, outputs, tags), with
/// the media token of the attempt it holds: `{MEDIA_BASE}/graphql` and
/// `{MEDIA_BASE}/job-outputs`.
pub const MEDIA_BASE: &str = "/agent/v1/media";

/// Most runs one claim takes.
pub const MAX_CLAIM: u32 = 64;

/// Longest a claim waits for work, in seconds: below the idle timeouts of common proxies
/// and load balancers (60 s), so a long poll is never cut as an idle connection.
pub const MAX_WAIT_SECONDS: u32 = 25;

/// Most log lines in one call.
pub const MAX_LOG_LINES: usize = 1000;

/// `POST /agent/v1/hello` (body `{}`): who the token belongs to, changing nothing (what
/// `mediamagic doctor --role agent` asks).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hello {
    /// The agent's name.
    pub name: String,
    /// The machine types it may claim.
    pub machine_types: Vec<String>,
    /// Where it runs.
    pub site: Option<String>,
}

/// `POST /agent/v1/register`: an agent process says what it offers. Registering again (a
/// restart) replaces what it said before.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// The process's id among the agent's processes (`<host>-<pid>`).
    pub instance: String,
    /// The host's name, for operators.
    pub hostname: String,
    /// The agent's version.
    pub version: String,
    /// `local` or `kubernetes`.
    pub driver: String,
    /// How it isolates runs (`bubblewrap`, `none`, `pod`).
    pub sandbox: String,
    /// Slots per machine type; every machine type must be one the token was issued for.
    pub slots: BTreeMap<String, u32>,
    /// Runtimes installed (`vision`).
    #[serde(default)]
    pub runtimes: Vec<String>,
}

/// The answer to [`Register`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Registered {
    /// The worker id the platform gave this process: its leases carry it.
    pub worker_id: String,
    /// How long a lease lasts without a heartbeat, in seconds.
    pub lease_seconds: i64,
    /// How often to send heartbeats, in milliseconds.
    pub heartbeat_ms: u64,
}

/// `POST /agent/v1/claim`: up to `limit` queued jobs of `machine_type`, waiting up to
/// `wait_seconds` for one when none is queued (answered at once when one is).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The process claiming.
    pub instance: String,
    /// A machine type the token was issued for.
    pub machine_type: String,
    /// Free slots (1 to [`MAX_CLAIM`]).
    pub limit: u32,
    /// Longest to wait for work (0 to [`MAX_WAIT_SECONDS`]).
    #[serde(default)]
    pub wait_seconds: u32,
}

/// The answer to [`Claim`]: empty when nothing came in time.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Claimed {
    /// The runs, each `scheduled` and held by the claiming process.
    pub runs: Vec<ClaimedRun>,
}

/// One claimed attempt.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClaimedRun {
    /// The job.
    pub job: Uuid,
    /// The attempt this process holds.
    pub attempt: i32,
    /// Its machine type.
    pub machine_type: String,
    /// The account that owns it.
    pub owner_id: Uuid,
    /// The model version it runs.
    pub model_version_id: Uuid,
    /// The deployment that made it.
    pub deployment_id: Uuid,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// The model's timeout, in seconds.
    pub timeout_seconds: i32,
    /// W3C trace context of the request that queued it.
    #[serde(default)]
    pub trace_context: Option<serde_json::Value>,
    /// The platform's half of the run's plan: what runs, the arguments, the inputs' URLs.
    pub plan: crate::plan::PreparedRun,
    /// The attempt's token for the media routes under [`MEDIA_BASE`] (valid while the lease
    /// holds and for [`MEDIA_TOKEN_SECONDS`]; each heartbeat answers a fresh one).
    pub media_token: String,
}

/// How long a media token given to an agent lasts, in seconds.
pub const MEDIA_TOKEN_SECONDS: i64 = 300;

/// An attempt an agent holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRef {
    /// The job.
    pub job: Uuid,
    /// The attempt.
    pub attempt: i32,
}

/// `POST /agent/v1/heartbeat`: the process is alive, and renews the lease of every run it
/// holds in one call.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// The process.
    pub instance: String,
    /// Every run it holds.
    #[serde(default)]
    pub runs: Vec<RunRef>,
    /// Its GPUs' latest sample (for `cluster`), when it has GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<Vec<GpuState>>,
}

/// One GPU of an agent's host as its last sample read it, with the runs holding it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuState {
    /// The reading (index, UUID, name, memory, utilisation).
    #[serde(flatten)]
    pub reading: crate::drivers::gpus::nvidia_smi::GpuReading,
    /// Runs holding it now.
    pub runs: u32,
}

/// Most GPUs one heartbeat may report.
pub const MAX_GPUS: usize = 64;

/// Longest text field of a GPU reading (name, UUID, bus id, MIG profile), in bytes.
pub const MAX_GPU_TEXT: usize = 200;

/// `POST /agent/v1/cancels`: waits (up to `wait_seconds`, at most [`MAX_WAIT_SECONDS`])
/// until one of `runs` must stop, so a cancel reaches the agent at once rather than at its
/// next heartbeat. Answers [`HeartbeatAnswer`] with the runs to stop (cancel, or lease gone)
/// as soon as there is one, and with none when the wait ends; it renews the leases it reads,
/// as a heartbeat does.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancels {
    /// The process.
    pub instance: String,
    /// The runs it holds.
    pub runs: Vec<RunRef>,
    /// How long to wait for a cancel.
    pub wait_seconds: u32,
}

/// The answer to [`Heartbeat`]: one state per run, in the order sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeartbeatAnswer {
    /// What each run should do.
    pub runs: Vec<RunState>,
}

/// What a run should do after a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    /// The job.
    pub job: Uuid,
    /// The attempt.
    pub attempt: i32,
    /// Keep going, stop and report cancelled, or stop: the lease is gone (another worker
    /// may hold the job now; report nothing more).
    pub state: RunDirective,
    /// Why, for the log (a cancel's reason).
    #[serde(default)]
    pub reason: Option<String>,
    /// A fresh media token for the run (while it goes on).
    #[serde(default)]
    pub media_token: Option<String>,
}

/// See [`RunState::state`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunDirective {
    /// Keep going.
    Continue,
    /// Stop the run and finish it as cancelled.
    Cancel,
    /// Stop the run; its lease is gone.
    Lost,
}

/// `POST /agent/v1/runs/{job}/{attempt}/start`: the program starts (`scheduled` → `running`).
/// Also the body of `.../node`: where the program runs, once known (a Kubernetes pod's
/// node), for a run the agent holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// The process.
    pub instance: String,
    /// Where it runs (a node name), for operators.
    #[serde(default)]
    pub node: Option<String>,
}

/// `POST /agent/v1/runs/{job}/{attempt}/progress`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// The process.
    pub instance: String,
    /// 0 to 1.
    pub fraction: f64,
    /// What it is doing.
    #[serde(default)]
    pub message: Option<String>,
}

/// `POST /agent/v1/runs/{job}/{attempt}/logs`: lines numbered from `first` (the attempt's
/// first line is 1). Sending a batch again stores only the lines not stored yet, so an
/// agent resends until it gets an answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logs {
    /// The process.
    pub instance: String,
    /// The number of the first line.
    pub first: i64,
    /// At most [`MAX_LOG_LINES`].
    pub lines: Vec<LogLine>,
}

/// One line of a run's output.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogLine {
    /// `stdout`, `stderr`, or `system` (the worker's own lines about the run).
    pub stream: String,
    /// The text (cut to the platform's line limit).
    pub line: String,
}

/// `POST /agent/v1/runs/{job}/{attempt}/finish`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finish {
    /// The process.
    pub instance: String,
    /// How it ended.
    pub outcome: Outcome,
}

/// How a run ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    /// The program succeeded; its outputs are registered media.
    Succeeded {
        /// The output media, registered through the media service's worker routes.
        #[serde(default)]
        outputs: Vec<Uuid>,
        /// The structured result, checked against the model's schema.
        #[serde(default)]
        result: Option<serde_json::Value>,
    },
    /// The program failed (not retried).
    Failed {
        /// A stable code (`EXIT_STATUS`).
        code: String,
        /// For the job's owner.
        message: String,
    },
    /// The infrastructure failed (retried while attempts remain).
    Infrastructure {
        /// For the job's owner, on the last attempt.
        message: String,
    },
    /// Stopped after a cancel.
    Cancelled,
}

/// `POST /agent/v1/runs/{job}/{attempt}/release` and `POST /agent/v1/stop`: only the
/// process.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// The process.
    pub instance: String,
}

/// The answer about one run: its job's status after the call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunAnswer {
    /// The job.
    pub job: Uuid,
    /// Its status (`running`, `succeeded`, `queued` ...).
    pub status: String,
}

/// Every refusal: a stable code (`UNAUTHENTICATED`, `FORBIDDEN`, `CONFLICT` when the lease
/// is gone, `BAD_USER_INPUT`, `UNAVAILABLE`) and a message.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// See [`ErrorBody`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: String,
    /// For the operator.
    pub message: String,
}
