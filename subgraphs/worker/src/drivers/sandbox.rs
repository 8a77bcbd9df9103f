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
    /// A name for the run's cgroup (unique per run).
    pub name: String,
}

/// A command ready to spawn, and what must live as long as the run.
pub struct Prepared {
    /// `argv` of the launcher chain (first element: the program to execute).
    pub argv: Vec<String>,
    /// The run's cgroup (dropped after the run: kills leftovers, removes the group).
    pub cgroup: Option<RunCgroup>,
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

    /// The launcher chain for `run`: `sh` (joins the cgroup, then execs) → `prlimit` →
    /// `setpriv` (uid switch when root, parent-death signal) → `bwrap` → the program.
    pub fn prepare(&self, run: &SandboxedProgram<'_>) -> Result<Prepared, Refused> {
        let tools = self.tools.as_ref().map_err(|missing| Refused {
            code: "SANDBOX_UNAVAILABLE",
            message: format!(
                "this worker cannot sandbox programs ({missing}); an operator must install it"
            ),
        })?;
        if run.network && !self.egress_guarded() {
            return Err(Refused {
                code: "NETWORK_UNAVAILABLE",
                message: "this worker cannot give sandboxed runs guarded network egress \
                          (it needs root and iptables); the model declares `network`"
                    .into(),
            });
        }
        let limits = run.limits;
        let cgroup = match &self.cgroups {
            Some(root) => Some(
                root.create(
                    &run.name,
                    limits.memory_mb.saturating_mul(1 << 20),
                    limits.processes,
                )
                .map_err(|e| Refused {
                    code: "SANDBOX_UNAVAILABLE",
                    message: format!("cannot create the run's cgroup: {e}"),
                })?,
            ),
            None => None,
        };
        let mut argv: Vec<String> = Vec::new();
        if cgroup.is_some() {
            // The launcher joins the group before anything of the run exists, so no
            // process of it starts outside (a pre_exec hook would need unsafe code).
            argv.extend([
                "/bin/sh".into(),
                "-c".into(),
                "for f in $MM_CGROUP_PROCS; do echo $$ > \"$f\" || exit 125; done; \
                 unset MM_CGROUP_PROCS; exec \"$@\""
                    .into(),
                "mm-launch".into(),
            ]);
        }
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
        Ok(Prepared { argv, cgroup })
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
        if run.network {
            for file in NETWORK_FILES {
                bind_ro(file);
            }
        }
        let workdir = run.workdir.display().to_string();
        args.extend([
            "--proc".into(),
            "/proc".into(),
            "--dev".into(),
            "/dev".into(),
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

/// The environment the launcher chain itself needs (the program's is set by bwrap).
pub fn launcher_env(prepared: &Prepared) -> Vec<(String, String)> {
    match &prepared.cgroup {
        Some(group) => {
            let files: Vec<String> = group
                .procs_files()
                .iter()
                .map(|f| f.display().to_string())
                .collect();
            vec![
                ("MM_CGROUP_PROCS".into(), files.join(" ")),
                ("PATH".into(), "/usr/bin:/bin".into()),
            ]
        }
        None => vec![("PATH".into(), "/usr/bin:/bin".into())],
    }
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
            name: "test".into(),
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
        };
        let args = vec!["-i".to_owned(), "/job/inputs/a.mp4".to_owned()];
        let argv = sandbox
            .prepare(&program(Path::new("/work/run"), &args, false))
            .map(|p| p.argv)
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
