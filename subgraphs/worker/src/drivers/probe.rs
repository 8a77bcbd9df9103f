//! Whether this machine can run a job the way the local driver would: `/bin/true` through
//! the sandbox (limits, the uid switch, bubblewrap's namespaces) in a working directory like a
//! run's. `mediamagic doctor` reports it.

use super::sandbox::{Sandbox, SandboxedProgram};
use crate::config::{SandboxMode, WorkerConfig};
use std::time::Duration;

/// Runs the probe; what the sandbox is on success, what failed otherwise.
pub async fn probe(config: &WorkerConfig) -> Result<String, String> {
    let sandbox = Sandbox::detect(config);
    let described = sandbox.describe();
    if sandbox.mode() == SandboxMode::None {
        return Ok(described);
    }
    let root = config.work_dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&root).map_err(|e| format!("work dir {}: {e}", root.display()))?;
    let workdir = tempfile::Builder::new()
        .prefix("mm-doctor-")
        .tempdir_in(&root)
        .map_err(|e| format!("work dir {}: {e}", root.display()))?;
    std::fs::create_dir(workdir.path().join("inputs")).map_err(|e| e.to_string())?;
    sandbox
        .hand_over(workdir.path())
        .map_err(|e| format!("cannot hand the work dir to the sandbox uid: {e}"))?;
    let argv = sandbox
        .prepare(&SandboxedProgram {
            workdir: workdir.path(),
            program: "true",
            args: &[],
            env: &[("PATH".into(), config.model_path())],
            limits: crate::config::RunLimits::default(),
            network: false,
            devices: &[],
            read_only: &[],
        })
        .map_err(|refused| refused.message)?;
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let run = tokio::process::Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .map_err(|_| "the sandboxed probe did not finish in 10 s".to_owned())?
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    if output.status.success() {
        Ok(described)
    } else {
        Err(format!(
            "a sandboxed `true` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
