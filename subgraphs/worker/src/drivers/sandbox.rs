//! The local driver's sandbox for tenant programs, built on well-known tools rather than
//! namespace code of our own: bubblewrap (`bwrap`) for namespaces and mounts, util-linux's
//! `setpriv` for the unprivileged uid and the parent-death signal, `prlimit` for rlimits,
//! and a cgroup per run (see [`super::cgroups`]) for memory and processes.
//!
//! A sandboxed run sees: the system directories read-only, its working directory at
//! [`JOB_DIR`] (the only writable place, with its inputs read-only and its own `/tmp`), a
//! fresh `/proc` of its own PID namespace, a minimal `/dev`, and no network (only its own
//! `lo`) unless the model declares it, in which case it shares the host's network but the
//! [`super::egress`] guard refuses loopback and private ranges for the sandbox uid. Its
//! environment is exactly what the driver passes. Killing the outermost process (bwrap)
//! ends the PID namespace, and with it every process the run started.

use super::{cgroups::CgroupRoot, cgroups::RunCgroup};
use crate::config::{RunLimits, SandboxMode, WorkerConfig};
use std::{
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

/// Where a sandboxed run's working directory appears inside the sandbox.
pub const JOB_DIR: &str = "/job";

/// System directories bound read-only into every sandbox (those that exist).
const SYSTEM_DIRS: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/fonts",
    "/usr/share/zoneinfo",
];

/// Bound too when the model has network egress: name resolution.
const NETWORK_FILES: &[&str] = &["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf"];

/// What the local driver runs tenant programs with, found once at start.
#[derive(Clone, Debug)]
pub struct Sandbox {
    mode: SandboxMode,
    /// `Err` says what to install.
    tools: Result<Tools, String>,
    cgroups: Option<CgroupRoot>,
    as_root: bool,
    uid: u32,
    /// Operator-installed program directories, bound read-only (`worker.program_dirs`).
    program_dirs: Vec<String>,
}

#[derive(Clone, Debug)]
struct Tools {
    bwrap: PathBuf,
    setpriv: PathBuf,
    prlimit: PathBuf,
}

/// A run's program, as the sandbox should start it.
pub struct SandboxedProgram<'a> {
    /// The run's working directory on the host.
    pub workdir: &'a Path,
    /// The program (a path, or a name looked up in `PATH`).
    pub program: &'a str,
    /// Its arguments.
    pub args: &'a [String],
    /// Its whole environment.
    pub env: &'a [(String, String)],
    /// The run's limits.
    pub limits: RunLimits,
    /// Whether the model declared network egress.
    pub network: bool,
    /// Device nodes the run may use, `(host path, path inside)`: its GPU's.
    pub devices: &'a [(PathBuf, String)],
    /// More host paths shown read-only (the GPU driver's libraries outside `/usr`).
    pub read_only: &'a [PathBuf],
}

/// A run's launcher, started early (see [`Sandbox::launch`]): waiting in its cgroup for the
/// program. Dropping it kills it.
pub struct Launcher {
    child: Option<tokio::process::Child>,
    cgroup: Option<RunCgroup>,
}

impl Launcher {
    /// Sets the run's limits on its cgroup, sends `argv` and lets the launcher exec it;
    /// returns the running child and the cgroup (drop it after the run, off the async path).
    pub async fn start(
        mut self,
        argv: &[String],
        limits: &RunLimits,
    ) -> std::io::Result<(tokio::process::Child, Option<RunCgroup>)> {
        use tokio::io::AsyncWriteExt;
        if let Some(group) = &self.cgroup {
            group.set_limits(limits.memory_mb.saturating_mul(1 << 20), limits.processes)?;
        }
        let mut payload = Vec::new();
        for arg in argv {
            payload.extend_from_slice(arg.as_bytes());
            payload.push(0);
        }
        let mut child = self
            .child
            .take()
            .ok_or_else(|| std::io::Error::other("the launcher was used"))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("the launcher has no stdin"))?;
        stdin.write_all(&payload).await?;
        stdin.shutdown().await?;
        drop(stdin);
        Ok((child, self.cgroup.take()))
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        // Unused: its child dies (kill_on_drop); the group goes off the async path.
        if let Some(group) = self.cgroup.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn_blocking(move || drop(group));
                }
                Err(_) => drop(group),
            }
        }
    }
}

/// Why a sandboxed run cannot start (a job failure with this code and message).
#[derive(Debug)]
pub struct Refused {
    /// `SANDBOX_UNAVAILABLE` or `NETWORK_UNAVAILABLE`.
    pub code: &'static str,
    /// What the operator must do.
    pub message: String,
}

impl Sandbox {
    /// The sandbox `config` asks for, with the tools and cgroups this machine has; logs
    /// what is missing and, loudly, when sandboxing is off.
    pub fn detect(config: &WorkerConfig) -> Self {
        let as_root = std::fs::metadata("/proc/self")
            .map(|m| m.uid() == 0)
            .unwrap_or(false);
        let tools = find_tools();
        let cgroups = CgroupRoot::detect(Path::new("/sys/fs/cgroup"));
        match config.sandbox {
            SandboxMode::None => tracing::warn!(
                "worker.sandbox = \"none\": tenant programs run UNSANDBOXED as the worker's own \
                 user, with its environment cleared but its files and network in reach; use \
                 only with trusted models"
            ),
            SandboxMode::Bubblewrap => {
                if let Err(missing) = &tools {
                    tracing::error!(
                        "{missing}: the worker will refuse every exec model until it is installed"
                    );
                }
                if cgroups.is_none() {
                    tracing::warn!(
                        "no writable cgroup hierarchy: sandboxed runs are limited by rlimits only \
                         (address space instead of memory, no process limit)"
                    );
                }
            }
        }
        Self {
            mode: config.sandbox,
            tools,
            cgroups,
            as_root,
            uid: config.sandbox_uid,
            program_dirs: usable_program_dirs(&config.program_dirs),
        }
    }

    /// The mode in force.
    pub fn mode(&self) -> SandboxMode {
        self.mode
    }

    /// What `cluster` shows: the mode, and whether it can run programs here.
    pub fn describe(&self) -> String {
        match (self.mode, &self.tools) {
            (SandboxMode::None, _) => "none (UNSANDBOXED: trusted models only)".into(),
            (SandboxMode::Bubblewrap, Err(missing)) => {
                format!("bubblewrap (unavailable: {missing})")
            }
            (SandboxMode::Bubblewrap, Ok(_)) if self.cgroups.is_some() => {
                "bubblewrap (cgroup limits)".into()
            }
            (SandboxMode::Bubblewrap, Ok(_)) => "bubblewrap (rlimits only)".into(),
        }
    }

    /// The directory the run sees as its working directory.
    pub fn job_dir(&self, workdir: &Path) -> PathBuf {
        match self.mode {
            SandboxMode::Bubblewrap => PathBuf::from(JOB_DIR),
            SandboxMode::None => workdir.to_path_buf(),
        }
    }

    /// Gives the sandbox uid the run's working directory (its only writable place) and
    /// keeps its inputs read-only; a no-op without the uid switch.
    pub fn hand_over(&self, workdir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(workdir.join(".tmp"))?;
        if self.mode == SandboxMode::Bubblewrap && self.as_root {
            std::os::unix::fs::chown(workdir, Some(self.uid), Some(self.uid))?;
            std::os::unix::fs::chown(workdir.join(".tmp"), Some(self.uid), Some(self.uid))?;
        }
        Ok(())
    }

    /// Starts the launcher of a run before its program is known: it joins a fresh cgroup
    /// named `name` at once, then waits for the program's argument vector on its stdin
    /// (NUL-separated, until EOF) and execs it. Moving a process into a cgroup waits for an
    /// RCU grace period in the kernel (~12 ms on cgroup v1 here), so starting the launcher
    /// when the job is claimed hides that wait behind planning and the input downloads.
    pub fn launch(&self, name: &str) -> Result<Launcher, Refused> {
        let unavailable = |message: String| Refused {
            code: "SANDBOX_UNAVAILABLE",
            message,
        };
        self.tools()?;
        let defaults = crate::config::RunLimits::default();
        let cgroup = match &self.cgroups {
            Some(root) => Some(
                root.create(
                    name,
                    defaults.memory_mb.saturating_mul(1 << 20),
                    defaults.processes,
                )
                .map_err(|e| unavailable(format!("cannot create the run's cgroup: {e}")))?,
            ),
            None => None,
        };
        let procs: Vec<String> = cgroup
            .iter()
            .flat_map(|group| group.procs_files())
            .map(|f| f.display().to_string())
            .collect();
        let mut command = tokio::process::Command::new("/bin/bash");
        command
            .args([
                "-c",
                // Joins the group before anything of the run exists (a pre_exec hook would
                // need unsafe code), then runs what the worker sends.
                "for f in $MM_CGROUP_PROCS; do echo $$ > \"$f\" || exit 125; done; \
                 mapfile -d '' -t argv || exit 125; [ ${#argv[@]} -gt 0 ] || exit 125; \
                 exec \"${argv[@]}\" </dev/null",
                "mm-launch",
            ])
            .current_dir("/")
            .env_clear()
            .env("MM_CGROUP_PROCS", procs.join(" "))
            .env("PATH", "/usr/bin:/bin")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let child = command
            .spawn()
            .map_err(|e| unavailable(format!("cannot start the sandbox launcher (bash): {e}")))?;
        Ok(Launcher {
            child: Some(child),
            cgroup,
        })
    }

    /// The command chain for `run`: `prlimit` → `setpriv` (uid switch when root,
    /// parent-death signal) → `bwrap` → the program; a [`Launcher`] runs it.
    pub fn prepare(&self, run: &SandboxedProgram<'_>) -> Result<Vec<String>, Refused> {
        let tools = self.tools()?;
        if run.network && !self.egress_guarded() {
            return Err(Refused {
                code: "NETWORK_UNAVAILABLE",
                message: "this worker cannot give sandboxed runs guarded network egress \
                          (it needs root and iptables); the model declares `network`"
                    .into(),
            });
        }
        let limits = run.limits;
        let mut argv: Vec<String> = Vec::new();
        let mib = |v: u64| v.saturating_mul(1 << 20);
        argv.push(tools.prlimit.display().to_string());
        argv.push(format!("--nofile={0}:{0}", limits.open_files));
        argv.push(format!("--fsize={0}:{0}", mib(limits.file_size_mb)));
        // The soft limit sends SIGXCPU (CPU_TIME_EXCEEDED); the hard one kills.
        argv.push(format!(
            "--cpu={}:{}",
            limits.cpu_seconds,
            limits.cpu_seconds.saturating_add(5)
        ));
        argv.push("--core=0".into());
        if self.cgroups.is_none() {
            argv.push(format!("--as={0}:{0}", mib(limits.memory_mb)));
        }
        argv.push("--".into());
        argv.push(tools.setpriv.display().to_string());
        if self.as_root {
            argv.extend([
                format!("--reuid={}", self.uid),
                format!("--regid={}", self.uid),
                "--clear-groups".into(),
            ]);
        }
        argv.extend(["--pdeathsig".into(), "KILL".into(), "--".into()]);
        argv.push(tools.bwrap.display().to_string());
        argv.extend(self.bwrap_args(run));
        argv.push("--".into());
        argv.push(run.program.to_owned());
        argv.extend(run.args.iter().cloned());
        Ok(argv)
    }

    /// The sandbox tools, or SANDBOX_UNAVAILABLE naming what to install.
    fn tools(&self) -> Result<&Tools, Refused> {
        self.tools.as_ref().map_err(|missing| Refused {
            code: "SANDBOX_UNAVAILABLE",
            message: format!(
                "this worker cannot sandbox programs ({missing}); an operator must install it"
            ),
        })
    }

    fn egress_guarded(&self) -> bool {
        self.as_root && super::egress::ensure(self.uid).is_ok()
    }

    fn bwrap_args(&self, run: &SandboxedProgram<'_>) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "--unshare-all".into(),
            "--die-with-parent".into(),
            "--new-session".into(),
            "--cap-drop".into(),
            "ALL".into(),
        ];
        if run.network {
            args.push("--share-net".into());
        }
        if !self.as_root {
            // Without the uid switch outside, show the sandbox uid inside at least.
            args.extend([
                "--uid".into(),
                self.uid.to_string(),
                "--gid".into(),
                self.uid.to_string(),
            ]);
        }
        let mut bind_ro = |path: &str| {
            if Path::new(path).exists() {
                args.extend(["--ro-bind".into(), path.into(), path.into()]);
            }
        };
        for dir in SYSTEM_DIRS {
            bind_ro(dir);
        }
        for dir in &self.program_dirs {
            bind_ro(dir);
        }
        if run.network {
            for file in NETWORK_FILES {
                bind_ro(file);
            }
        }
        for path in run.read_only {
            bind_ro(&path.display().to_string());
        }
        let workdir = run.workdir.display().to_string();
        args.extend([
            "--proc".into(),
            "/proc".into(),
            "--dev".into(),
            "/dev".into(),
        ]);
        // After the run's own /dev exists: only the nodes of the run's GPU go into it.
        for (host, inside) in run.devices {
            args.extend([
                "--dev-bind".into(),
                host.display().to_string(),
                inside.clone(),
            ]);
        }
        args.extend([
            "--bind".into(),
            workdir.clone(),
            JOB_DIR.into(),
            "--ro-bind".into(),
            format!("{workdir}/inputs"),
            format!("{JOB_DIR}/inputs"),
            "--bind".into(),
            format!("{workdir}/.tmp"),
            "/tmp".into(),
            // The sandbox's own root (where bwrap made the mount points) becomes read-only.
            "--remount-ro".into(),
            "/".into(),
            "--chdir".into(),
            JOB_DIR.into(),
            "--clearenv".into(),
        ]);
        for (key, value) in run.env {
            args.extend(["--setenv".into(), key.clone(), value.clone()]);
        }
        args
    }
}

/// The program directories a sandbox can show: each run gets its own `/tmp`, `/job`,
/// `/proc` and `/dev`, which would hide a directory under them (logged and left out).
fn usable_program_dirs(dirs: &[PathBuf]) -> Vec<String> {
    dirs.iter()
        .filter(|dir| {
            let hidden = [
                Path::new("/tmp"),
                Path::new(JOB_DIR),
                Path::new("/proc"),
                Path::new("/dev"),
            ]
            .iter()
            .any(|private| dir.starts_with(private));
            if hidden || !dir.is_absolute() {
                tracing::error!(
                    dir = %dir.display(),
                    "worker.program_dirs: not an absolute path outside /tmp, /job, /proc and \
                     /dev (each run has its own); left out"
                );
            }
            !hidden && dir.is_absolute()
        })
        .map(|dir| dir.display().to_string())
        .collect()
}

fn find_tools() -> Result<Tools, String> {
    let find = |name: &str, package: &str| {
        ["/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin"]
            .iter()
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| format!("`{name}` not found (apt-get install {package})"))
    };
    Ok(Tools {
        bwrap: find("bwrap", "bubblewrap")?,
        setpriv: find("setpriv", "util-linux")?,
        prlimit: find("prlimit", "util-linux")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program<'a>(workdir: &'a Path, args: &'a [String], network: bool) -> SandboxedProgram<'a> {
        SandboxedProgram {
            workdir,
            program: "ffmpeg",
            args,
            env: &[],
            limits: RunLimits::default(),
            network,
            devices: &[],
            read_only: &[],
        }
    }

    #[test]
    fn without_bubblewrap_the_worker_refuses_to_run_a_program_and_names_the_package() {
        let sandbox = Sandbox {
            mode: SandboxMode::Bubblewrap,
            tools: Err("`bwrap` not found (apt-get install bubblewrap)".into()),
            cgroups: None,
            as_root: false,
            uid: 65534,
            program_dirs: Vec::new(),
        };
        let refused = sandbox
            .prepare(&program(Path::new("/tmp/x"), &[], false))
            .err()
            .map(|r| (r.code, r.message));
        let (code, message) = refused.unwrap_or_default();
        assert_eq!(code, "SANDBOX_UNAVAILABLE");
        assert!(message.contains("apt-get install bubblewrap"), "{message}");
        assert!(sandbox.describe().contains("unavailable"));
    }

    #[test]
    fn the_launcher_chain_limits_switches_nothing_without_root_and_hides_the_network() {
        let sandbox = Sandbox {
            mode: SandboxMode::Bubblewrap,
            tools: Ok(Tools {
                bwrap: "/usr/bin/bwrap".into(),
                setpriv: "/usr/bin/setpriv".into(),
                prlimit: "/usr/bin/prlimit".into(),
            }),
            cgroups: None,
            as_root: false,
            uid: 65534,
            program_dirs: Vec::new(),
        };
        let args = vec!["-i".to_owned(), "/job/inputs/a.mp4".to_owned()];
        let argv = sandbox
            .prepare(&program(Path::new("/work/run"), &args, false))
            .unwrap_or_default();
        let joined = argv.join(" ");

        assert_eq!(argv.first().map(String::as_str), Some("/usr/bin/prlimit"));
        assert!(
            joined.contains("--as="),
            "rlimit memory without a cgroup: {joined}"
        );
        assert!(!joined.contains("--reuid"), "{joined}");
        assert!(joined.contains("--unshare-all"), "{joined}");
        assert!(!joined.contains("--share-net"), "{joined}");
        assert!(joined.contains("--bind /work/run /job"), "{joined}");
        assert!(
            joined.contains("--ro-bind /work/run/inputs /job/inputs"),
            "{joined}"
        );
        assert!(joined.contains("--clearenv"), "{joined}");
        assert!(
            joined.ends_with("-- ffmpeg -i /job/inputs/a.mp4"),
            "{joined}"
        );
    }
}
