//! `mediamagic dev` as a user runs it, for the journeys: the real binary with its embedded
//! defaults, its own Postgres and Redis under a data directory, every port free, waited for
//! until it prints `ready`, stopped with Ctrl-C.

use crate::workspace_binary;
use std::{path::Path, process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, ChildStdout, Command},
};

/// The services `dev` starts, with the `[listen]` key of each port.
const PORTS: &[&str] = &[
    "ROUTER_PORT",
    "ACCOUNTS_PORT",
    "MODELS_PORT",
    "MEDIA_PORT",
    "JOBS_PORT",
    "WORKER_PORT",
    "BILLING_PORT",
    "COMPAT_PORT",
];

/// Where dev's stderr goes (its JSON logs), in its data directory.
fn stderr_log(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("dev-stderr.log")
}

/// One port per service, each free now and below the kernel's ephemeral range (32768 and up
/// by default). Dev binds them only after its migrations, seconds later: a port the OS chose
/// for us could by then be the source port of any outgoing connection of a test running
/// beside this one, and dev would exit with "address in use". Ports below the range are
/// never handed out that way.
fn ports_outside_ephemeral_range() -> Vec<u16> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    // Test binaries run one after another; the process id spreads their choices apart.
    let start = std::process::id().wrapping_mul(7_919);
    let mut ports = Vec::new();
    while ports.len() < PORTS.len() {
        let offset = start.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % SPAN;
        let port = u16::try_from(FIRST + offset).expect("port fits");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            ports.push(port);
        }
    }
    ports
}

/// A running `mediamagic dev`.
pub struct DevProcess {
    child: Child,
    lines: tokio::io::Lines<BufReader<ChildStdout>>,
    /// What it printed before `ready`.
    pub banner: Vec<String>,
    /// The router's port.
    pub router_port: u16,
    ports: Vec<(&'static str, u16)>,
}

impl DevProcess {
    /// Starts `mediamagic dev` on `data_dir` with every port free.
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[]).await
    }

    /// [`DevProcess::start`] with extra environment (a config file through
    /// `MEDIAMAGIC_CONFIG`, as an operator would add settings).
    pub async fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let ports = PORTS
            .iter()
            .copied()
            .zip(ports_outside_ephemeral_range())
            .collect();
        Self::start_on(data_dir, ports, env).await
    }

    /// Starts it again on the same data and ports (after [`DevProcess::stop`]).
    pub async fn restart(data_dir: &Path, ports: Vec<(&'static str, u16)>) -> Self {
        Self::start_on(data_dir, ports, &[]).await
    }

    /// [`DevProcess::restart`] with the extra environment it was started with.
    pub async fn restart_with(
        data_dir: &Path,
        ports: Vec<(&'static str, u16)>,
        env: &[(&str, &str)],
    ) -> Self {
        Self::start_on(data_dir, ports, env).await
    }

    /// Its ports, to start it again on the same ones.
    pub fn ports(&self) -> Vec<(&'static str, u16)> {
        self.ports.clone()
    }

    async fn start_on(
        data_dir: &Path,
        ports: Vec<(&'static str, u16)>,
        env: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new(workspace_binary("mediamagic"));
        command
            .arg("dev")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env("MEDIAMAGIC__DEV__DATA_DIR", data_dir)
            // Only the log format differs from a user's `mediamagic dev`: no setting here may
            // make a seed's documented request pass that a fresh stack would refuse.
            .env("MEDIAMAGIC__LOG__FORMAT", "json");
        for (name, port) in &ports {
            command.env(format!("MEDIAMAGIC__LISTEN__{name}"), port.to_string());
        }
        command.envs(env.iter().copied());
        std::fs::create_dir_all(data_dir).expect("dev's data directory");
        let mut child = command
            .stdout(Stdio::piped())
            // Kept beside the data, so a start that fails can say why.
            .stderr(std::fs::File::create(stderr_log(data_dir)).expect("dev's stderr log"))
            .kill_on_drop(true)
            .spawn()
            .expect("mediamagic dev starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let banner = tokio::time::timeout(Duration::from_secs(120), async {
            let mut seen = Vec::new();
            while let Some(line) = lines.next_line().await.expect("dev output") {
                if line == "ready" {
                    return seen;
                }
                seen.push(line);
            }
            let log = std::fs::read_to_string(stderr_log(data_dir)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            panic!(
                "dev exited before it was ready: {seen:?}\nits last stderr lines, newest first:\n{}",
                tail.join("\n")
            );
        })
        .await
        .expect("dev is ready within 120 s");
        let router_port = ports
            .iter()
            .find(|(name, _)| *name == "ROUTER_PORT")
            .map(|(_, port)| *port)
            .expect("router port");
        Self {
            child,
            lines,
            banner,
            router_port,
            ports,
        }
    }

    /// The router's public base URL.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.router_port)
    }

    /// Ctrl-C, then waits for a clean exit and the `stopped` line.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("pid").to_string();
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .await
            .expect("kill runs");
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("dev stops within 60 s of Ctrl-C")
            .expect("exit status");
        assert!(status.success(), "dev exits cleanly: {status}");
        let mut rest = Vec::new();
        while let Ok(Some(line)) = self.lines.next_line().await {
            rest.push(line);
        }
        assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
    }
}
