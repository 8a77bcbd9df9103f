//! GraphQL types: the cluster's picture, and the worker's fields on `Job`.

use super::loaders::{RunLoader, load_failed};
use crate::{WorkerDeps, db::rows::RunRow};
use async_graphql::{Context, ID, Object, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use mediamagic_jobs::{JobRow, graphql::JobLogLine};
use mediamagic_kit::ApiError;

/// The cluster as the workers see it.
#[derive(SimpleObject, Clone, Debug)]
pub struct Cluster {
    /// Drivers of the live workers (`local`, `kubernetes`).
    pub drivers: Vec<String>,
    /// How the live workers isolate tenant programs (`bubblewrap (...)`, `pod (...)`, or
    /// `none (UNSANDBOXED ...)` when an operator turned the sandbox off).
    pub sandboxes: Vec<String>,
    /// Machine types served by live workers or wanted by queued jobs.
    pub machine_types: Vec<MachineType>,
    /// Model runtimes installed on live workers (`vision`).
    pub runtimes: Vec<String>,
    /// Whether each built-in catalogue model can run now: a live worker offers its machine
    /// type with the runtime it needs.
    pub catalogue: Vec<CatalogueAvailability>,
    /// Workers seen lately (admin scope only; empty otherwise).
    pub workers: Vec<Worker>,
    /// Worker agents operators issued tokens to: live ones, then those revoked in the last
    /// hour (admin scope only; empty otherwise).
    pub agents: Vec<Agent>,
}

/// A GPU of a worker (a whole card, or a MIG device of a card in MIG mode), as
/// `nvidia-smi` last reported it.
#[derive(SimpleObject, Clone, Debug, serde::Deserialize)]
pub struct WorkerGpu {
    /// Its card's index on the host.
    pub index: i32,
    /// Its UUID (`GPU-...` or `MIG-...`: what runs see in `CUDA_VISIBLE_DEVICES`).
    pub uuid: String,
    /// The product name.
    pub name: String,
    /// Memory, in MiB.
    pub memory_total_mb: i64,
    /// Memory in use, in MiB.
    pub memory_used_mb: i64,
    /// Utilisation, 0 to 100, when the board reports it.
    pub utilization_percent: Option<i32>,
    /// Runs holding it now.
    pub runs: i32,
    /// Where it sits on its card, when it is a MIG device.
    #[serde(default)]
    pub mig: Option<WorkerGpuMig>,
}

/// A MIG device's place on its card.
#[derive(SimpleObject, Clone, Debug, serde::Deserialize)]
pub struct WorkerGpuMig {
    /// The card's UUID.
    pub parent_uuid: String,
    /// The MIG profile (`1g.5gb`).
    pub profile: String,
    /// Its GPU instance id.
    pub gpu_instance: i32,
    /// Its compute instance id within the GPU instance.
    pub compute_instance: i32,
}

/// A worker agent: a host that works for the platform over HTTPS with a token of its own.
#[derive(SimpleObject, Clone, Debug)]
pub struct Agent {
    /// Its name (`rack-7`).
    pub name: String,
    /// Where it runs, as the operator described it.
    pub site: Option<String>,
    /// The machine types its token may claim.
    pub machine_types: Vec<String>,
    /// Slots its live processes offer.
    pub slots: i32,
    /// Runs its live processes have now.
    pub running_jobs: i32,
    /// Its live processes.
    pub workers: i32,
    /// Its last call.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The version it reported.
    pub version: Option<String>,
    /// When its token was issued.
    pub created_at: DateTime<Utc>,
    /// When it was revoked (its calls are refused since).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Whether a catalogue model can run on the live workers.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct CatalogueAvailability {
    /// The model's slug (`face-detect`).
    pub slug: String,
    /// Its machine type.
    pub machine_type: String,
    /// The runtime it needs, if any.
    pub runtime: Option<String>,
    /// Whether a live worker can run it.
    pub runnable: bool,
    /// What an operator does to make it runnable, when it is not.
    pub hint: Option<String>,
}

/// A machine type: capacity and load.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct MachineType {
    /// Its name (`cpu`, `gpu`).
    pub name: String,
    /// Slots of the live workers serving it (0: queued jobs of it wait for a worker).
    pub capacity: i32,
    /// Jobs of it scheduled or running.
    pub busy: i32,
    /// Jobs of it waiting in the queue.
    pub queued: i32,
    /// Live workers serving it.
    pub workers: i32,
}

/// A worker process.
#[derive(SimpleObject, Clone, Debug)]
pub struct Worker {
    /// Its id (the lease holder name).
    pub id: String,
    /// The machine it runs on.
    pub hostname: String,
    /// Its driver.
    pub driver: String,
    /// How it isolates tenant programs.
    pub sandbox: String,
    /// Slots per machine type.
    pub capacity: Vec<MachineTypeSlots>,
    /// Runs it has now.
    pub busy: i32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it last reported in.
    pub last_heartbeat_at: DateTime<Utc>,
    /// Whether it reported in lately and has not stopped.
    pub alive: bool,
    /// Its GPUs as it last read them (a local worker on a GPU host).
    pub gpus: Vec<WorkerGpu>,
    /// Model runtimes installed on it.
    pub runtimes: Vec<String>,
}

/// Slots of one machine type on a worker.
#[derive(SimpleObject, Clone, Debug)]
pub struct MachineTypeSlots {
    /// The machine type.
    pub machine_type: String,
    /// Its slots.
    pub slots: i32,
}

/// One attempt of a job.
pub struct JobRun(pub RunRow);

#[Object]
impl JobRun {
    /// Its number (1 for the first run).
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// The worker that ran it.
    async fn worker(&self) -> &str {
        &self.0.worker_id
    }
    /// The driver (`local`, `kubernetes`).
    async fn driver(&self) -> &str {
        &self.0.driver
    }
    /// The node (host or Kubernetes node) it ran on, once placed.
    async fn node(&self) -> Option<&str> {
        self.0.node.as_deref()
    }
    /// The machine type.
    async fn machine_type(&self) -> &str {
        &self.0.machine_type
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When it ended.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// `succeeded`, `failed`, `infrastructure`, `cancelled`, `released` (given back when its
    /// worker shut down) or `lost` (its worker died); null while it runs.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
}

/// A page of a job's log.
#[derive(SimpleObject)]
pub struct JobLogPage {
    /// The lines, oldest first.
    pub lines: Vec<JobLogLine>,
    /// Pass as `after` for the next page (null when the page is empty).
    pub end_cursor: Option<String>,
    /// Whether more lines follow this page now.
    pub has_more: bool,
}

/// A job (owned by the jobs subgraph), with where and how it ran.
pub struct Job(pub JobRow);

impl Job {
    async fn runs_of(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RunRow>> {
        let loader = ctx.data::<DataLoader<RunLoader>>()?;
        Ok(loader
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default())
    }

    async fn latest_run(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RunRow>> {
        Ok(self.runs_of(ctx).await?.pop())
    }
}

#[Object(name = "Job")]
impl Job {
    /// The job's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The number of the latest run (null until it first ran).
    async fn attempt(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        Ok(self.latest_run(ctx).await?.map(|r| r.attempt))
    }
    /// The driver of the latest run.
    async fn driver(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.latest_run(ctx).await?.map(|r| r.driver))
    }
    /// The node of the latest run, once placed.
    async fn node(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.latest_run(ctx).await?.and_then(|r| r.node))
    }
    /// Every run, oldest first.
    async fn runs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<JobRun>> {
        Ok(self.runs_of(ctx).await?.into_iter().map(JobRun).collect())
    }
    /// The job's log (every run), oldest first.
    async fn logs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Cursor of the last line already read (`endCursor`).")] after: Option<
            String,
        >,
        #[graphql(desc = "Most lines (default 100, at most 1000).")] limit: Option<i32>,
    ) -> async_graphql::Result<JobLogPage> {
        let deps = ctx.data::<WorkerDeps>()?;
        let after = match after {
            None => 0,
            Some(cursor) => cursor
                .parse::<i64>()
                .map_err(|_| ApiError::bad_input("after", "not a log cursor"))?,
        };
        let limit = match limit {
            None => 100,
            Some(n @ 1..=1000) => i64::from(n),
            Some(_) => return Err(ApiError::bad_input("limit", "limit must be 1 to 1000").into()),
        };
        let mut rows =
            mediamagic_jobs::commands::jobs::logs_after(&deps.jobs, self.0.id, after, limit + 1)
                .await?;
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok(JobLogPage {
            end_cursor: rows.last().map(|r| r.seq.to_string()),
            lines: rows.into_iter().map(JobLogLine).collect(),
            has_more,
        })
    }
}
