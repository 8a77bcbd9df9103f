//! Cluster drivers: where a run's program executes. [`Driver::run`] takes a [`RunPlan`] and
//! reports through a [`RunContext`]; the pipeline around it (claim, inputs lookup, output
//! registration, finish) is the same for every driver.

pub mod cgroups;
pub mod egress;
pub mod gpus;
pub mod http;
pub mod kubernetes;
pub mod local;
pub mod probe;
pub mod process;
pub mod sandbox;

use crate::{
    domain::run::{RunEnd, RunEvent, RunPlan},
    media_client::MediaSession,
};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a run reports to and hears from the worker.
pub struct RunContext {
    /// Logs, progress, placement.
    pub events: mpsc::Sender<RunEvent>,
    /// Fires on a cancel request (the run ends `Cancelled`).
    pub cancel: CancellationToken,
    /// Fires when the worker shuts down (the run ends `Released`).
    pub release: CancellationToken,
    /// The media service, acting as the job's owner.
    pub media: MediaSession,
}

impl RunContext {
    /// Writes a `system` log line.
    pub async fn log(&self, line: String) {
        let _ = self
            .events
            .send(RunEvent::Log {
                stream: "system",
                line,
            })
            .await;
    }
}

/// Why a program stopped before it finished.
#[derive(Debug)]
pub enum Interrupted {
    /// A cancel request or the worker's shutdown.
    Stopped,
    /// The model's timeout passed.
    TimedOut(Duration),
    /// It could not run or failed in a way the driver already classified.
    Failed(RunEnd),
}

/// A finished run: how it ended and what keeps its files until they are registered.
pub struct DriverRun {
    /// How it ended.
    pub end: RunEnd,
    /// The local working directory, removed when this is dropped.
    pub workdir: Option<tempfile::TempDir>,
}

/// The configured driver.
#[derive(Clone)]
pub enum Driver {
    /// Child processes on this machine.
    Local(local::LocalDriver),
    /// batch/v1 Jobs on a Kubernetes cluster.
    Kubernetes(kubernetes::KubernetesDriver),
}

impl Driver {
    /// The driver's name (`local`, `kubernetes`).
    pub fn name(&self) -> &'static str {
        match self {
            Driver::Local(_) => "local",
            Driver::Kubernetes(_) => "kubernetes",
        }
    }

    /// How tenant programs are isolated, as `cluster` shows it.
    pub fn sandbox(&self) -> String {
        match self {
            Driver::Local(driver) => driver.sandbox(),
            Driver::Kubernetes(_) => "pod (restricted security context)".into(),
        }
    }

    /// The host's GPUs the driver hands out to runs (the local driver on a GPU host).
    pub fn gpus(&self) -> Option<std::sync::Arc<gpus::GpuPool>> {
        match self {
            Driver::Local(driver) => driver.gpus().cloned(),
            Driver::Kubernetes(_) => None,
        }
    }

    /// Prepares what can be prepared before the plan of attempt `attempt` of `job` is known
    /// (the local sandbox's launcher); pass it to [`Driver::run`].
    pub fn warm_up(&self, job: uuid::Uuid, attempt: i32) -> Option<sandbox::Launcher> {
        match self {
            Driver::Local(driver) => driver.launcher(job, attempt),
            Driver::Kubernetes(_) => None,
        }
    }

    /// Runs one attempt of a job.
    pub async fn run(
        &self,
        plan: &RunPlan,
        ctx: &RunContext,
        warm: Option<sandbox::Launcher>,
    ) -> DriverRun {
        match self {
            Driver::Local(driver) => {
                let run = driver.run(plan, ctx, warm).await;
                DriverRun {
                    end: run.end,
                    workdir: run.workdir,
                }
            }
            Driver::Kubernetes(driver) => driver.run(plan, ctx).await,
        }
    }
}
