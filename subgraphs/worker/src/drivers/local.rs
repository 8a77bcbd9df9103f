//! The local driver (the embedded default): each run gets a private working directory with
//! its inputs fetched under `inputs/`; `exec` models run as a child process there (see
//! [`super::process`]), `http` models get a multipart POST (see [`super::http`]); the
//! declared outputs are then found in the directory. The directory goes when the run's
//! outputs are registered (it lives in [`LocalRun`]).

use super::{
    Interrupted, RunContext, http,
    process::{self, ProcessEnd, ProcessSpec},
};
use crate::{
    config::WorkerConfig,
    domain::{
        outputs,
        run::{RunEnd, RunEvent, RunOutput, RunPlan},
    },
    error::WorkerError,
};
use mediamagic_models::domain::render::Invocation;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// Seconds past the model's timeout after which the driver stops a run by itself.
const TIMEOUT_BACKSTOP_SECONDS: u64 = 5;

/// Runs jobs as local processes.
#[derive(Clone)]
pub struct LocalDriver {
    config: Arc<WorkerConfig>,
    setpriv: Option<PathBuf>,
    http: reqwest::Client,
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
        Self {
            config,
            setpriv,
            // Model servers may take long; the model's timeout bounds the call instead.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    /// Runs one attempt.
    pub async fn run(&self, plan: &RunPlan, ctx: &RunContext) -> LocalRun {
        let workdir = match self.workdir(plan) {
            Ok(dir) => dir,
            Err(e) => {
                return LocalRun {
                    end: RunEnd::Infrastructure(format!("cannot make a working directory: {e}")),
                    workdir: None,
                };
            }
        };
        let end = match self.run_in(plan, ctx, &workdir).await {
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
        Ok(dir)
    }

    async fn run_in(
        &self,
        plan: &RunPlan,
        ctx: &RunContext,
        workdir: &tempfile::TempDir,
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
        let invocation = plan.invocation(|input| {
            inputs_dir
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
                self.exec(plan, ctx, workdir, program, args, timeout)
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
        Ok(outputs_end(found, plan, self.config.max_outputs))
    }

    /// Runs an `exec` model; `None` when it exited successfully.
    async fn exec(
        &self,
        plan: &RunPlan,
        ctx: &RunContext,
        workdir: &tempfile::TempDir,
        program: String,
        args: Vec<String>,
        timeout: Duration,
    ) -> Result<Option<RunEnd>, WorkerError> {
        let home = workdir.path().to_string_lossy().into_owned();
        let spec = ProcessSpec {
            program,
            args,
            dir: workdir.path().to_path_buf(),
            env: vec![
                ("PATH".into(), self.config.program_path.clone()),
                ("HOME".into(), home.clone()),
                ("TMPDIR".into(), home),
                ("LANG".into(), "C.UTF-8".into()),
                ("MEDIAMAGIC_JOB_ID".into(), plan.job_id.to_string()),
                ("MEDIAMAGIC_ATTEMPT".into(), plan.attempt.to_string()),
            ],
        };
        let child = match process::spawn(&spec, self.setpriv.as_deref()) {
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
        let grace = Duration::from_millis(self.config.kill_grace_ms);
        let result = process::supervise(child, ctx.events.clone(), stop, timeout, grace)
            .await
            .map_err(|e| WorkerError::Driver(format!("waiting for the program failed: {e}")))?;
        Ok(match result.end {
            ProcessEnd::Exited(status) if status.success() => None,
            ProcessEnd::Exited(status) => {
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

/// Fires when the run is cancelled or the worker gives it back.
fn stop_token(ctx: &RunContext) -> tokio_util::sync::CancellationToken {
    let stop = tokio_util::sync::CancellationToken::new();
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
fn outputs_end(found: Vec<outputs::ProducedFile>, plan: &RunPlan, max: usize) -> RunEnd {
    if found.is_empty() {
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
    RunEnd::Succeeded(found.into_iter().map(RunOutput::Local).collect())
}

/// This machine's name, as `node` of local runs.
pub fn local_node_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
