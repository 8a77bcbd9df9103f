//! The local driver (the embedded default): each run gets a private working directory with
//! its inputs fetched under `inputs/`; `exec` models run as a child process there inside
//! the [`super::sandbox`] (see [`super::process`]), `http` models get a multipart POST from
//! the worker itself (see [`super::http`]); the declared outputs are then found in the
//! directory. The directory goes when the run's outputs are registered (it lives in
//! [`LocalRun`]).

use super::{
    Interrupted, RunContext,
    cgroups::CgroupLimitHit,
    gpus::GpuPool,
    http,
    process::{self, ProcessEnd, ProcessSpec},
    sandbox::{Launcher, Sandbox, SandboxedProgram},
};
use crate::{
    config::{RunLimits, SandboxMode, WorkerConfig},
    domain::{
        outputs,
        run::{RunEnd, RunEvent, RunOutput, RunPlan},
    },
    error::WorkerError,
};
use mediamagic_models::domain::render::Invocation;
use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio_util::sync::CancellationToken;

/// Most entries a run's working directory may hold (counted with its output size).
const MAX_WORKDIR_ENTRIES: u64 = 100_000;

/// Seconds past the model's timeout after which the driver stops a run by itself.
const TIMEOUT_BACKSTOP_SECONDS: u64 = 5;

/// Runs jobs as local processes.
#[derive(Clone)]
pub struct LocalDriver {
    config: Arc<WorkerConfig>,
    setpriv: Option<PathBuf>,
    sandbox: Arc<Sandbox>,
    http: reqwest::Client,
    /// The host's GPUs, when it has any (`worker.gpus`).
    gpus: Option<Arc<GpuPool>>,
}

/// A finished local run: how it ended, and its working directory (removed on drop).
pub struct LocalRun {
    /// How it ended.
    pub end: RunEnd,
    /// Keeps the outputs on disk until they are registered.
    pub workdir: Option<tempfile::TempDir>,
}

impl LocalDriver {
    /// A driver with `config`'s limits and program path.
    pub fn new(config: Arc<WorkerConfig>) -> Self {
        let setpriv = process::find_setpriv();
        if setpriv.is_none() {
            tracing::warn!(
                "util-linux `setpriv` not found: programs of a worker killed with SIGKILL keep running"
            );
        }
        let sandbox = Arc::new(Sandbox::detect(&config));
        let allow_private = config.allow_private_model_servers;
        Self {
            config,
            setpriv,
            sandbox,
            // Model servers may take long; the model's timeout bounds the call instead. Names
            // resolve only to addresses the SSRF rule accepts (no second lookup).
            http: mediamagic_jobs::domain::callback::pinned_client(allow_private, None)
                .unwrap_or_default(),
            gpus: None,
        }
    }

    /// The driver handing out `gpus` to runs of their machine type.
    pub fn with_gpus(mut self, gpus: Option<Arc<GpuPool>>) -> Self {
        self.gpus = gpus;
        self
    }

    /// The host's GPUs this driver hands out.
    pub fn gpus(&self) -> Option<&Arc<GpuPool>> {
        self.gpus.as_ref()
    }

    /// The sandbox in force, as `cluster` shows it.
    pub fn sandbox(&self) -> String {
        self.sandbox.describe()
    }

    /// Starts the sandbox launcher of attempt `attempt` of `job` ahead of its plan (see
    /// [`Sandbox::launch`]); `None` without the sandbox or when it cannot start (the run
    /// then starts one itself, or says why it cannot).
    pub fn launcher(&self, job: uuid::Uuid, attempt: i32) -> Option<Launcher> {
        if self.sandbox.mode() != SandboxMode::Bubblewrap {
            return None;
        }
        self.sandbox.launch(&cgroup_name(job, attempt)).ok()
    }

    /// Runs one attempt (with the launcher started for it, if any).
    pub async fn run(
        &self,
        plan: &RunPlan,
        ctx: &RunContext,
        launcher: Option<Launcher>,
    ) -> LocalRun {
        let workdir = match self.workdir(plan) {
            Ok(dir) => dir,
            Err(e) => {
                return LocalRun {
                    end: RunEnd::Infrastructure(format!("cannot make a working directory: {e}")),
                    workdir: None,
                };
            }
        };
        let end = match self.run_in(plan, ctx, &workdir, launcher).await {
            Ok(end) => end,
            Err(WorkerError::Rejected(message)) => RunEnd::Failed {
                code: "INPUT_UNAVAILABLE".into(),
                message,
            },
            Err(e) => RunEnd::Infrastructure(e.to_string()),
        };
        LocalRun {
            end,
            workdir: Some(workdir),
        }
    }

    fn workdir(&self, plan: &RunPlan) -> std::io::Result<tempfile::TempDir> {
        let root = self
            .config
            .work_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&root)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("mm-job-{}-{}-", plan.job_id, plan.attempt))
            .tempdir_in(root)?;
        std::fs::create_dir(dir.path().join("inputs"))?;
        self.sandbox.hand_over(dir.path())?;
        Ok(dir)
    }

    async fn run_in(
        &self,
        plan: &RunPlan,
        ctx: &RunContext,
        workdir: &tempfile::TempDir,
        launcher: Option<Launcher>,
    ) -> Result<RunEnd, WorkerError> {
        let inputs_dir = workdir.path().join("inputs");
        for input in &plan.inputs {
            ctx.log(format!("fetching input `{}` ({})", input.arg, input.name))
                .await;
            let path = inputs_dir.join(input.local_name());
            tokio::select! {
                fetched = ctx.media.download(&input.url, &path, self.config.max_input_bytes) => fetched?,
                _ = ctx.cancel.cancelled() => return Ok(RunEnd::Cancelled),
                _ = ctx.release.cancelled() => return Ok(RunEnd::Released),
            }
        }
        // Paths as the program sees them (inside the sandbox, its directory is /job); an
        // http model's files are read by the worker itself.
        let seen_inputs = match plan.run.invocation {
            mediamagic_models::domain::render::InvocationKind::Exec => {
                self.sandbox.job_dir(workdir.path()).join("inputs")
            }
            mediamagic_models::domain::render::InvocationKind::Http => inputs_dir.clone(),
        };
        let invocation = plan.invocation(|input| {
            seen_inputs
                .join(input.local_name())
                .to_string_lossy()
                .into_owned()
        });
        let invocation = match invocation {
            Ok(invocation) => invocation,
            Err(e) => {
                return Ok(RunEnd::Failed {
                    code: "BAD_COMMAND".into(),
                    message: e.to_string(),
                });
            }
        };
        // The jobs sweeper stops runs at the model's timeout (CANCELLED, code TIMEOUT); this
        // backstop holds when the sweeper cannot be reached.
        let timeout =
            Duration::from_secs(plan.run.timeout_seconds.max(1) as u64 + TIMEOUT_BACKSTOP_SECONDS);
        let end = match invocation {
            Invocation::Exec { program, args } => {
                self.exec(plan, ctx, workdir, program, args, timeout, launcher)
                    .await?
            }
            Invocation::Http { url, fields } => {
                let stop = stop_token(ctx);
                let call = http::call(
                    &self.http,
                    &url,
                    &fields,
                    workdir.path(),
                    self.config.allow_private_model_servers,
                    timeout,
                    &stop,
                );
                match call.await {
                    Ok(()) => None,
                    Err(how) => Some(self.stopped_end(ctx, how)),
                }
            }
        };
        if let Some(end) = end {
            return Ok(end);
        }
        let found = outputs::collect(workdir.path(), &plan.run.outputs, &inputs_dir)
            .map_err(|e| WorkerError::Driver(format!("reading the outputs failed: {e}")))?;
        Ok(outputs_end(
            found,
            plan,
            self.config.max_outputs,
            workdir.path(),
            self.config.max_result_bytes,
        ))
    }

    /// Runs an `exec` model; `None` when it exited successfully.
    #[allow(clippy::too_many_arguments)]
    async fn exec(
        &self,
        plan: &RunPlan,
        ctx: &RunContext,
        workdir: &tempfile::TempDir,
        program: String,
        args: Vec<String>,
        timeout: Duration,
        mut launcher: Option<Launcher>,
    ) -> Result<Option<RunEnd>, WorkerError> {
        let seen_dir = self.sandbox.job_dir(workdir.path());
        let home = seen_dir.to_string_lossy().into_owned();
        let tmp = match self.sandbox.mode() {
            SandboxMode::Bubblewrap => "/tmp".to_owned(),
            SandboxMode::None => workdir.path().join(".tmp").to_string_lossy().into_owned(),
        };
        // A run of the GPU machine type holds one GPU slot while it runs.
        let gpu = match &self.gpus {
            Some(pool) if pool.machine_type() == plan.run.machine_type => match pool.acquire() {
                Some(lease) => Some(lease),
                None => {
                    return Ok(Some(RunEnd::Infrastructure(
                        "every GPU of this worker is taken".into(),
                    )));
                }
            },
            _ => None,
        };
        if let Some(lease) = &gpu {
            ctx.log(format!(
                "running on GPU {} ({})",
                lease.gpu().index,
                lease.gpu().name
            ))
            .await;
        }
        let gpu_env = gpu.as_ref().map(|l| l.env()).unwrap_or_default();
        let devices = gpu.as_ref().map(|l| l.devices()).unwrap_or_default();
        let read_only = gpu.as_ref().map(|l| l.driver_paths()).unwrap_or_default();
        let mut spec = ProcessSpec {
            program,
            args,
            dir: workdir.path().to_path_buf(),
            env: vec![
                ("PATH".into(), self.config.model_path()),
                ("HOME".into(), home),
                ("TMPDIR".into(), tmp),
                ("LANG".into(), "C.UTF-8".into()),
                ("MEDIAMAGIC_JOB_ID".into(), plan.job_id.to_string()),
                ("MEDIAMAGIC_ATTEMPT".into(), plan.attempt.to_string()),
            ],
        };
        spec.env.extend(gpu_env);
        let limits = self
            .config
            .limits_for(&plan.run.machine_type, &plan.run.limits);
        let (spawned, cgroup) = match self.sandbox.mode() {
            SandboxMode::None => (process::spawn(&spec, self.setpriv.as_deref()), None),
            SandboxMode::Bubblewrap => {
                // Checked here for a clear BAD_COMMAND: the sandbox sees the same /usr.
                if let Err(e) = process::resolve(&spec.program, &spec.env) {
                    return Ok(Some(RunEnd::Failed {
                        code: "BAD_COMMAND".into(),
                        message: format!("cannot start `{}`: {e}", spec.program),
                    }));
                }
                let argv = self.sandbox.prepare(&SandboxedProgram {
                    workdir: workdir.path(),
                    program: &spec.program,
                    args: &spec.args,
                    env: &spec.env,
                    limits,
                    network: plan.run.network,
                    devices: &devices,
                    read_only: &read_only,
                });
                let argv = match argv {
                    Ok(argv) => argv,
                    Err(refused) => {
                        return Ok(Some(RunEnd::Failed {
                            code: refused.code.into(),
                            message: refused.message,
                        }));
                    }
                };
                // Started when the job was claimed, or now.
                let launcher = match launcher.take() {
                    Some(launcher) => launcher,
                    None => match self.sandbox.launch(&cgroup_name(plan.job_id, plan.attempt)) {
                        Ok(launcher) => launcher,
                        Err(refused) => {
                            return Ok(Some(RunEnd::Failed {
                                code: refused.code.into(),
                                message: refused.message,
                            }));
                        }
                    },
                };
                match launcher.start(&argv, &limits).await {
                    Ok((child, cgroup)) => (Ok(child), cgroup),
                    Err(e) => (Err(e), None),
                }
            }
        };
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                return Ok(Some(RunEnd::Failed {
                    code: "BAD_COMMAND".into(),
                    message: format!("cannot start `{}`: {e}", spec.program),
                }));
            }
        };
        let _ = ctx.events.send(RunEvent::Node(local_node_name())).await;
        let stop = stop_token(ctx);
        let too_large = Arc::new(AtomicBool::new(false));
        let watchdog = tokio::spawn(watch_output(
            workdir.path().to_path_buf(),
            limits,
            Duration::from_millis(self.config.output_check_ms.max(50)),
            stop.clone(),
            too_large.clone(),
        ));
        let grace = Duration::from_millis(self.config.kill_grace_ms);
        let result = process::supervise(child, ctx.events.clone(), stop, timeout, grace).await;
        watchdog.abort();
        let hit = cgroup.as_ref().and_then(|group| group.limit_hit());
        // Kills anything left in the group and removes it, off the job's path: the group
        // can be removed only once the kernel has reaped its last process.
        if let Some(group) = cgroup {
            tokio::task::spawn_blocking(move || drop(group));
        }
        let result = result
            .map_err(|e| WorkerError::Driver(format!("waiting for the program failed: {e}")))?;
        if too_large.load(Ordering::SeqCst) {
            return Ok(Some(RunEnd::Failed {
                code: "OUTPUT_TOO_LARGE".into(),
                message: format!(
                    "the run wrote more than its limit of {} MiB (or {MAX_WORKDIR_ENTRIES} files) \
                     into its working directory and was stopped",
                    limits.output_mb
                ),
            }));
        }
        Ok(match result.end {
            ProcessEnd::Exited(status) if status.success() => None,
            ProcessEnd::Exited(status) => {
                let sandboxed = self.sandbox.mode() == SandboxMode::Bubblewrap;
                if let Some(end) = limit_end(hit, status, sandboxed, &limits) {
                    return Ok(Some(end));
                }
                let summary = match status.code() {
                    Some(code) => format!("the program exited with status {code}"),
                    None => "the program was killed by a signal".to_owned(),
                };
                Some(RunEnd::Failed {
                    code: "EXIT_STATUS".into(),
                    message: result.tail.message(&summary),
                })
            }
            ProcessEnd::Stopped => Some(self.stopped_end(ctx, Interrupted::Stopped)),
            ProcessEnd::TimedOut => Some(self.stopped_end(ctx, Interrupted::TimedOut(timeout))),
        })
    }

    fn stopped_end(&self, ctx: &RunContext, how: Interrupted) -> RunEnd {
        match how {
            Interrupted::Failed(end) => end,
            Interrupted::TimedOut(timeout) => RunEnd::Failed {
                code: "TIMEOUT".into(),
                message: format!(
                    "the model's timeout of {} s was reached and the run was stopped",
                    timeout.as_secs()
                ),
            },
            Interrupted::Stopped if ctx.release.is_cancelled() && !ctx.cancel.is_cancelled() => {
                RunEnd::Released
            }
            Interrupted::Stopped => RunEnd::Cancelled,
        }
    }
}

/// A unique cgroup name for a run.
fn cgroup_name(job: uuid::Uuid, attempt: i32) -> String {
    format!("job-{job}-{attempt}-{}", uuid::Uuid::new_v4().simple())
}

/// The failure of a run that exited unsuccessfully because it hit one of its limits.
fn limit_end(
    hit: Option<CgroupLimitHit>,
    status: std::process::ExitStatus,
    sandboxed: bool,
    limits: &RunLimits,
) -> Option<RunEnd> {
    use std::os::unix::process::ExitStatusExt;
    let failed = |code: &str, message: String| RunEnd::Failed {
        code: code.into(),
        message,
    };
    match hit {
        Some(CgroupLimitHit::Memory) => {
            return Some(failed(
                "OUT_OF_MEMORY",
                format!(
                    "the run used more than its memory limit of {} MiB and was killed",
                    limits.memory_mb
                ),
            ));
        }
        Some(CgroupLimitHit::Processes) => {
            return Some(failed(
                "TOO_MANY_PROCESSES",
                format!(
                    "the run tried to have more than {} processes or threads at once",
                    limits.processes
                ),
            ));
        }
        None => {}
    }
    // bubblewrap exits with 128 + the signal that killed the program.
    let signal = status.signal().or_else(|| {
        status
            .code()
            .filter(|c| sandboxed && *c > 128)
            .map(|c| c - 128)
    })?;
    match signal {
        24 => Some(failed(
            "CPU_TIME_EXCEEDED",
            format!(
                "a process of the run used more than {} CPU seconds and was stopped",
                limits.cpu_seconds
            ),
        )),
        25 => Some(failed(
            "FILE_TOO_LARGE",
            format!(
                "the run tried to write a file larger than {} MiB",
                limits.file_size_mb
            ),
        )),
        _ => None,
    }
}

/// Measures the working directory every `every` and fires `stop` (setting `too_large`) once
/// it holds more than the run's output limit.
async fn watch_output(
    dir: PathBuf,
    limits: RunLimits,
    every: Duration,
    stop: CancellationToken,
    too_large: Arc<AtomicBool>,
) {
    let max_bytes = limits.output_mb.saturating_mul(1 << 20);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let measured = dir.clone();
        let Ok((bytes, entries)) = tokio::task::spawn_blocking(move || {
            outputs::disk_usage(&measured, &measured.join("inputs"), MAX_WORKDIR_ENTRIES)
        })
        .await
        else {
            return;
        };
        if bytes > max_bytes || entries > MAX_WORKDIR_ENTRIES {
            too_large.store(true, Ordering::SeqCst);
            stop.cancel();
            return;
        }
    }
}

/// Fires when the run is cancelled or the worker gives it back.
fn stop_token(ctx: &RunContext) -> CancellationToken {
    let stop = CancellationToken::new();
    let (cancel, release, fire) = (ctx.cancel.clone(), ctx.release.clone(), stop.clone());
    tokio::spawn(async move {
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = release.cancelled() => {}
            _ = fire.cancelled() => {}
        }
        fire.cancel();
    });
    stop
}

/// The end of a run that exited successfully, given the files it left.
fn outputs_end(
    found: Vec<outputs::ProducedFile>,
    plan: &RunPlan,
    max: usize,
    workdir: &std::path::Path,
    max_result_bytes: usize,
) -> RunEnd {
    // A model that declares no outputs (it works by side effects) succeeds without any.
    if found.is_empty() && !plan.run.outputs.is_empty() {
        let patterns: Vec<&str> = plan
            .run
            .outputs
            .iter()
            .map(|o| o.pattern.as_str())
            .collect();
        return RunEnd::Failed {
            code: "OUTPUT_MISSING".into(),
            message: format!(
                "the program produced none of its declared outputs ({})",
                patterns.join(", ")
            ),
        };
    }
    if found.len() > max {
        return RunEnd::Failed {
            code: "TOO_MANY_OUTPUTS".into(),
            message: format!(
                "the program produced {} outputs; at most {max} are kept",
                found.len()
            ),
        };
    }
    let result = plan
        .run
        .result
        .as_ref()
        .map(|spec| crate::domain::result::read(spec, workdir, max_result_bytes));
    RunEnd::succeeded(found.into_iter().map(RunOutput::Local).collect(), result)
}

/// This machine's name, as `node` of local runs.
pub fn local_node_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
