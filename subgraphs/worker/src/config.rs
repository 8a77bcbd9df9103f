//! Worker settings (section `[worker]` of the platform config): which driver runs jobs, the
//! capacity per machine type, timings, and the Kubernetes driver's manifests.

use mediamagic_models::domain::sandbox::ModelLimits;
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
    /// An agent whose token the deployment provides instead of an operator's `mediamagic
    /// agents create` (the chart's in-cluster worker agents): the worker service makes it
    /// live when it starts, and a changed token replaces the old one then. A token an
    /// operator revoked stays refused: start with a new one.
    #[serde(default)]
    pub provided_agent: Option<ProvidedAgentConfig>,
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
    /// Directories of model programs installed outside the system directories (a Python
    /// virtualenv in `/opt/demucs`, say): bound read-only into the sandbox at the same path,
    /// and searched before `program_path`. They and the path to them must be readable (the
    /// programs executable) by `sandbox_uid`; directories under `/tmp` are left out (each run
    /// has its own `/tmp`).
    /// The default lists `/opt/mediamagic/runtimes/vision`, where
    /// `scripts/install-runtime.sh vision` puts the catalogue's neural-network models (a
    /// directory that does not exist is skipped).
    #[serde(default = "default_program_dirs")]
    pub program_dirs: Vec<PathBuf>,
    /// Runtimes this worker offers besides those found in [`Self::program_dirs`] (a
    /// `runtime.json` there): for the Kubernetes driver, whose model images carry them.
    #[serde(default)]
    pub runtimes: Vec<String>,
    /// Largest `result.json` a run may write, in bytes; a larger one fails the job with
    /// RESULT_TOO_LARGE.
    #[serde(default = "default_max_result_bytes")]
    pub max_result_bytes: usize,
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
    /// How the local driver isolates tenant programs: `bubblewrap` (default: own PID,
    /// network, mount and user namespaces, an unprivileged uid, a clean environment,
    /// limits) or `none` (programs run as the worker's own user with its file system in
    /// reach; only for trusted models, logged as a warning and shown in `cluster`).
    #[serde(default)]
    pub sandbox: SandboxMode,
    /// The unprivileged uid (and gid) sandboxed programs run as when the worker runs as
    /// root; a worker that is not root runs them as its own uid, mapped to this one inside.
    #[serde(default = "default_sandbox_uid")]
    pub sandbox_uid: u32,
    /// Resource limits of every run, unless its machine type says otherwise; a model may
    /// only tighten them.
    #[serde(default)]
    pub limits: RunLimits,
    /// How often a run's working directory is measured against `limits.output_mb`, in
    /// milliseconds.
    #[serde(default = "default_output_check_ms")]
    pub output_check_ms: u64,
    /// GraphQL URL of the media subgraph (inputs and outputs); filled in by `dev`/`serve`.
    #[serde(default)]
    pub media_url: Option<String>,
    /// The Kubernetes driver.
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
    /// The local driver on a GPU host: how it finds the GPUs and hands one to each run.
    #[serde(default)]
    pub gpus: crate::drivers::gpus::config::GpuConfig,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            id: None,
            driver: default_driver(),
            machine_types: default_machine_types(),
            provided_agent: None,
            heartbeat_ms: default_heartbeat_ms(),
            poll_ms: default_poll_ms(),
            kill_grace_ms: default_kill_grace_ms(),
            shutdown_grace_seconds: 0,
            work_dir: None,
            program_path: default_path(),
            program_dirs: default_program_dirs(),
            runtimes: Vec::new(),
            max_result_bytes: default_max_result_bytes(),
            max_input_bytes: default_max_input_bytes(),
            max_outputs: default_max_outputs(),
            allow_private_model_servers: false,
            sandbox: SandboxMode::default(),
            sandbox_uid: default_sandbox_uid(),
            limits: RunLimits::default(),
            output_check_ms: default_output_check_ms(),
            media_url: None,
            kubernetes: KubernetesConfig::default(),
            gpus: Default::default(),
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

/// The local driver's isolation of tenant programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    /// bubblewrap namespaces, an unprivileged uid, cgroup and rlimit limits.
    #[default]
    Bubblewrap,
    /// No isolation: an explicit operator choice for trusted models only.
    None,
}

impl SandboxMode {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxMode::Bubblewrap => "bubblewrap",
            SandboxMode::None => "none",
        }
    }
}

/// Resource limits of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunLimits {
    /// Memory of every process of the run together, in MiB (cgroup; OUT_OF_MEMORY).
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    /// Processes and threads alive at once (cgroup; TOO_MANY_PROCESSES).
    #[serde(default = "default_processes")]
    pub processes: u64,
    /// CPU seconds any one process may use (rlimit; CPU_TIME_EXCEEDED).
    #[serde(default = "default_cpu_seconds")]
    pub cpu_seconds: u64,
    /// Open files per process (rlimit).
    #[serde(default = "default_open_files")]
    pub open_files: u64,
    /// Largest file a process may write, in MiB (rlimit; FILE_TOO_LARGE).
    #[serde(default = "default_file_size_mb")]
    pub file_size_mb: u64,
    /// Everything the run leaves in its working directory, in MiB (OUTPUT_TOO_LARGE).
    #[serde(default = "default_output_mb")]
    pub output_mb: u64,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self {
            memory_mb: default_memory_mb(),
            processes: default_processes(),
            cpu_seconds: default_cpu_seconds(),
            open_files: default_open_files(),
            file_size_mb: default_file_size_mb(),
            output_mb: default_output_mb(),
        }
    }
}

impl RunLimits {
    /// These limits with `overrides` applied where given.
    pub fn with(self, overrides: &LimitOverrides) -> Self {
        Self {
            memory_mb: overrides.memory_mb.unwrap_or(self.memory_mb),
            processes: overrides.processes.unwrap_or(self.processes),
            cpu_seconds: overrides.cpu_seconds.unwrap_or(self.cpu_seconds),
            open_files: overrides.open_files.unwrap_or(self.open_files),
            file_size_mb: overrides.file_size_mb.unwrap_or(self.file_size_mb),
            output_mb: overrides.output_mb.unwrap_or(self.output_mb),
        }
    }

    /// These limits tightened by a model's own (a model can never loosen them).
    pub fn tightened_by(self, model: &ModelLimits) -> Self {
        let min = |ours: u64, theirs: Option<i64>| match theirs {
            Some(v) if v > 0 => ours.min(v as u64),
            _ => ours,
        };
        Self {
            memory_mb: min(self.memory_mb, model.memory_mb),
            processes: min(self.processes, model.processes),
            cpu_seconds: min(self.cpu_seconds, model.cpu_seconds),
            open_files: min(self.open_files, model.open_files),
            file_size_mb: min(self.file_size_mb, model.file_size_mb),
            output_mb: min(self.output_mb, model.output_mb),
        }
    }
}

impl WorkerConfig {
    /// The limits of a run of a model with `model` limits on `machine_type`.
    pub fn limits_for(&self, machine_type: &str, model: &ModelLimits) -> RunLimits {
        let machine = self
            .machine_types
            .get(machine_type)
            .map(|m| m.limits)
            .unwrap_or_default();
        self.limits.with(&machine).tightened_by(model)
    }
}

/// A machine type's changes to the worker's [`RunLimits`]; absent fields keep them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    /// Memory in MiB.
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Processes and threads.
    #[serde(default)]
    pub processes: Option<u64>,
    /// CPU seconds per process.
    #[serde(default)]
    pub cpu_seconds: Option<u64>,
    /// Open files per process.
    #[serde(default)]
    pub open_files: Option<u64>,
    /// Largest file in MiB.
    #[serde(default)]
    pub file_size_mb: Option<u64>,
    /// Working directory total in MiB.
    #[serde(default)]
    pub output_mb: Option<u64>,
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
    /// Local driver: this machine type's run limits (over `worker.limits`).
    #[serde(default)]
    pub limits: LimitOverrides,
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
    /// Service account of the pods (its token is never mounted into them).
    #[serde(default)]
    pub service_account: Option<String>,
    /// The non-root uid (and gid) every container of a job pod runs as.
    #[serde(default = "default_sandbox_uid")]
    pub pod_uid: u32,
    /// Seconds a pod may stay unscheduled before the run counts as an infrastructure failure.
    #[serde(default = "default_schedule_timeout")]
    pub schedule_timeout_seconds: u64,
    /// Base URL (`http://media-objects:4013`) that replaces scheme, host and port of the
    /// local-storage object URLs (`/objects/...`) handed to job pods, so they fetch and upload
    /// through the media service's objects-only port (`listen.media_objects_port`), the one
    /// place their NetworkPolicy lets them reach. Other URLs (an S3 store's) are unchanged.
    #[serde(default)]
    pub objects_url: Option<String>,
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
            pod_uid: default_sandbox_uid(),
            objects_url: None,
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
fn default_sandbox_uid() -> u32 {
    65534
}
fn default_output_check_ms() -> u64 {
    500
}
fn default_memory_mb() -> u64 {
    4096
}
fn default_processes() -> u64 {
    512
}
fn default_cpu_seconds() -> u64 {
    86_400
}
fn default_open_files() -> u64 {
    1024
}
fn default_file_size_mb() -> u64 {
    16 * 1024
}
fn default_output_mb() -> u64 {
    32 * 1024
}
fn default_max_input_bytes() -> u64 {
    5 * 1024 * 1024 * 1024
}
fn default_max_outputs() -> usize {
    1000
}
fn default_program_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("/opt/mediamagic/runtimes/vision")]
}
fn default_max_result_bytes() -> usize {
    64 * 1024
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

impl WorkerConfig {
    /// `PATH` as models see it: [`Self::program_dirs`], then [`Self::program_path`].
    pub fn model_path(&self) -> String {
        let mut path: Vec<String> = self
            .program_dirs
            .iter()
            .map(|dir| dir.display().to_string())
            .collect();
        path.push(self.program_path.clone());
        path.join(":")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_tightens_its_machine_types_limits_but_never_loosens_them() {
        let mut config = WorkerConfig::default();
        if let Some(cpu) = config.machine_types.get_mut("cpu") {
            cpu.limits.memory_mb = Some(2048);
        }
        let model = ModelLimits {
            memory_mb: Some(8192),
            processes: Some(16),
            ..Default::default()
        };

        let limits = config.limits_for("cpu", &model);

        assert_eq!(limits.memory_mb, 2048, "the machine type's ceiling holds");
        assert_eq!(limits.processes, 16, "the model's tighter limit applies");
        assert_eq!(limits.open_files, RunLimits::default().open_files);
    }
}

/// An agent the deployment provides (`[worker.provided_agent]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvidedAgentConfig {
    /// Its name in `cluster` and `mediamagic agents list`.
    pub name: String,
    /// The machine types it may claim.
    pub machine_types: Vec<String>,
    /// Its token (`mmagent_` and 64 hex digits; `mediamagic agents token` makes one). Give
    /// it through the environment (`MEDIAMAGIC__WORKER__PROVIDED_AGENT__TOKEN`) from a
    /// secret, never in a file in the image. Only the worker service reads it (other
    /// processes sharing the config file need not hold it).
    #[serde(default)]
    pub token: Option<mediamagic_kit::config::Secret<String>>,
}
