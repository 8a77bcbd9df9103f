//! Worker settings (section `[worker]` of the platform config): which driver runs jobs, the
//! capacity per machine type, timings, and the Kubernetes driver's manifests.

use serde::Deserialize;
use std::{collections::BTreeMap, path::PathBuf};

/// Settings of the worker.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Run a worker with `mediamagic dev` (and in the stack the tests start).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// This worker's id in leases and in `cluster`; `<host>-<pid>-<random>` when empty.
    #[serde(default)]
    pub id: Option<String>,
    /// `local` (child processes on this machine) or `kubernetes` (a batch/v1 Job per run).
    #[serde(default = "default_driver")]
    pub driver: DriverKind,
    /// Machine types this worker takes jobs of, with their capacity and (Kubernetes) pod
    /// settings. By default: `cpu` with 2 slots.
    #[serde(default = "default_machine_types")]
    pub machine_types: BTreeMap<String, MachineTypeConfig>,
    /// How often a running job's lease is renewed, in milliseconds (keep it well under
    /// `jobs.lease_seconds`).
    #[serde(default = "default_heartbeat_ms")]
    pub heartbeat_ms: u64,
    /// How often the worker looks for jobs when no queue signal arrives, in milliseconds.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// After SIGTERM, how long a program may take to exit before SIGKILL, in milliseconds.
    #[serde(default = "default_kill_grace_ms")]
    pub kill_grace_ms: u64,
    /// On shutdown, how long running jobs may take to finish before they are stopped and
    /// given back to the queue, in seconds.
    #[serde(default)]
    pub shutdown_grace_seconds: u64,
    /// Where private working directories are made; the system's temp dir when empty.
    #[serde(default)]
    pub work_dir: Option<PathBuf>,
    /// `PATH` of the programs models run (the rest of the environment is cleared).
    #[serde(default = "default_path")]
    pub program_path: String,
    /// Largest input file fetched, in bytes.
    #[serde(default = "default_max_input_bytes")]
    pub max_input_bytes: u64,
    /// Most output files one run may register.
    #[serde(default = "default_max_outputs")]
    pub max_outputs: usize,
    /// Let `http` models call loopback and private addresses. Off by default: any account
    /// can define a model, and its URL must not reach internal services (SSRF). Turn it on
    /// when your model servers run on a private network and model authors are trusted.
    #[serde(default)]
    pub allow_private_model_servers: bool,
    /// GraphQL URL of the media subgraph (inputs and outputs); filled in by `dev`/`serve`.
    #[serde(default)]
    pub media_url: Option<String>,
    /// The Kubernetes driver.
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            id: None,
            driver: default_driver(),
            machine_types: default_machine_types(),
            heartbeat_ms: default_heartbeat_ms(),
            poll_ms: default_poll_ms(),
            kill_grace_ms: default_kill_grace_ms(),
            shutdown_grace_seconds: 0,
            work_dir: None,
            program_path: default_path(),
            max_input_bytes: default_max_input_bytes(),
            max_outputs: default_max_outputs(),
            allow_private_model_servers: false,
            media_url: None,
            kubernetes: KubernetesConfig::default(),
        }
    }
}

/// The drivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriverKind {
    /// Child processes on this machine.
    Local,
    /// batch/v1 Jobs on a Kubernetes cluster.
    Kubernetes,
}

impl DriverKind {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverKind::Local => "local",
            DriverKind::Kubernetes => "kubernetes",
        }
    }
}

/// One machine type this worker serves.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MachineTypeConfig {
    /// Jobs of this type run at once on this worker.
    pub slots: usize,
    /// Kubernetes: resource requests and limits of the model container, for example
    /// `{ "nvidia.com/gpu" = "1", cpu = "4", memory = "16Gi" }`.
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
    /// Kubernetes: the pod's node selector.
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// Kubernetes: the pod's tolerations.
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
}

/// A Kubernetes toleration.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Toleration {
    /// Taint key.
    pub key: String,
    /// `Equal` or `Exists`.
    #[serde(default = "default_operator")]
    pub operator: String,
    /// Taint value (with `Equal`).
    #[serde(default)]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute` (all when empty).
    #[serde(default)]
    pub effect: Option<String>,
}

/// The Kubernetes driver.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesConfig {
    /// API server URL; in a pod, the in-cluster service account is used when empty.
    #[serde(default)]
    pub api_url: Option<String>,
    /// Bearer token for the API server (in a pod: the service account's token file).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Namespace of the Jobs.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Image of the init container that fetches inputs and the step that uploads outputs
    /// (needs `sh` and `curl`).
    #[serde(default = "default_transfer_image")]
    pub transfer_image: String,
    /// Seconds a finished Job is kept before Kubernetes removes it.
    #[serde(default = "default_ttl_after_finished")]
    pub ttl_seconds_after_finished: i64,
    /// Service account of the pods.
    #[serde(default)]
    pub service_account: Option<String>,
    /// Seconds a pod may stay unscheduled before the run counts as an infrastructure failure.
    #[serde(default = "default_schedule_timeout")]
    pub schedule_timeout_seconds: u64,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        Self {
            api_url: None,
            token_file: None,
            namespace: default_namespace(),
            transfer_image: default_transfer_image(),
            ttl_seconds_after_finished: default_ttl_after_finished(),
            service_account: None,
            schedule_timeout_seconds: default_schedule_timeout(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_driver() -> DriverKind {
    DriverKind::Local
}
fn default_machine_types() -> BTreeMap<String, MachineTypeConfig> {
    [(
        "cpu".to_owned(),
        MachineTypeConfig {
            slots: 2,
            ..Default::default()
        },
    )]
    .into()
}
fn default_heartbeat_ms() -> u64 {
    5_000
}
fn default_poll_ms() -> u64 {
    1_000
}
fn default_kill_grace_ms() -> u64 {
    3_000
}
fn default_path() -> String {
    "/usr/local/bin:/usr/bin:/bin".into()
}
fn default_max_input_bytes() -> u64 {
    5 * 1024 * 1024 * 1024
}
fn default_max_outputs() -> usize {
    1000
}
fn default_operator() -> String {
    "Equal".into()
}
fn default_namespace() -> String {
    "mediamagic-jobs".into()
}
fn default_transfer_image() -> String {
    "curlimages/curl:8.11.1".into()
}
fn default_ttl_after_finished() -> i64 {
    600
}
fn default_schedule_timeout() -> u64 {
    600
}
