//! Private Postgres and Redis servers from the machine's own binaries, for `mediamagic dev`
//! and the test harness.
//!
//! Each server runs under a small watchdog shell that stops it when the process that started
//! it disappears, so a killed `dev` or test binary never leaves servers behind. Postgres
//! refuses to run as root, so as root the cluster runs as the `postgres` system user.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

/// Failure to start a local server.
#[derive(Debug, thiserror::Error)]
pub enum LocalServiceError {
    /// A binary is not installed.
    #[error("`{0}` not found: install it (the README's commands do) or set {1}")]
    Missing(&'static str, &'static str),
    /// A command failed.
    #[error("{0}")]
    Failed(String),
    /// The server did not come up in time.
    #[error("{0} did not become ready within {1:?}")]
    Timeout(&'static str, Duration),
}

/// A free TCP port on 127.0.0.1 (free when asked; bind it soon).
pub fn free_port() -> Result<u16, LocalServiceError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| LocalServiceError::Failed(e.to_string()))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| LocalServiceError::Failed(e.to_string()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Directory holding `initdb`, `postgres` and `pg_isready`.
pub fn postgres_bin_dir() -> Result<PathBuf, LocalServiceError> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| dir.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    // Newest major version first.
    candidates.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0),
        )
    });
    candidates
        .into_iter()
        .find(|p| p.join("initdb").exists() && p.join("pg_isready").exists())
        .ok_or(LocalServiceError::Missing("initdb", "DATABASE_URL"))
}

/// Runs `program` with `args` as the postgres user when we are root (the user that owns a
/// cluster this module starts, and so the one that may read its files: pgBackRest too).
pub fn as_postgres_user(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program).args(args);
        cmd
    } else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    }
}

/// Watchdog shell: runs the server, stops it with `signal` when `$WATCH_PID` is gone or the
/// shell is told to stop.
const WATCHDOG: &str = r#"
"$@" & child=$!
trap 'kill -s $STOP_SIGNAL $child 2>/dev/null; wait $child; exit 0' TERM INT
while [ -d "/proc/$WATCH_PID" ] && kill -0 $child 2>/dev/null; do sleep 0.5; done
kill -s $STOP_SIGNAL $child 2>/dev/null; wait $child
"#;

/// A server process started by this module. Dropping it does not stop it; call [`stop`]
/// (or let the watchdog stop it when this process exits).
///
/// [`stop`]: LocalServer::stop
pub struct LocalServer {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// A file the server removes when it has shut down (Postgres's `postmaster.pid`).
    gone_when_removed: Option<PathBuf>,
}

/// How long [`LocalServer::stop`] waits for a server to finish shutting down.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(120);

impl LocalServer {
    /// Asks the server to shut down and waits for it. Postgres is waited for until its
    /// `postmaster.pid` is gone: `runuser` (as root) gives its child only two seconds after
    /// passing the signal on, and a cluster that archives its WAL pushes the last segments
    /// while it shuts down, so the watchdog may be gone before the server is.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        if let Some(file) = &self.gone_when_removed {
            let deadline = Instant::now() + SHUTDOWN_WAIT;
            while file.exists() && Instant::now() < deadline {
                sleep(Duration::from_millis(50));
            }
        }
    }
}

fn spawn_watched(
    mut command: Command,
    stop_signal: &str,
    log: &Path,
) -> Result<Child, LocalServiceError> {
    let log_file =
        std::fs::File::create(log).map_err(|e| LocalServiceError::Failed(e.to_string()))?;
    let err_file = log_file
        .try_clone()
        .map_err(|e| LocalServiceError::Failed(e.to_string()))?;
    // Rebuild as: <runuser...> sh -c WATCHDOG sh <program> <args...>
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let (prefix, server): (Vec<_>, Vec<_>) = if program == "runuser" {
        let split = args
            .iter()
            .position(|a| a == "--")
            .map(|i| i + 1)
            .unwrap_or(0);
        (args[..split].to_vec(), args[split..].to_vec())
    } else {
        (
            Vec::new(),
            std::iter::once(program.clone()).chain(args).collect(),
        )
    };
    let mut cmd = if program == "runuser" {
        let mut c = Command::new("runuser");
        c.args(prefix);
        c.arg("sh");
        c
    } else {
        Command::new("sh")
    };
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("sh")
        .args(server)
        .env("WATCH_PID", std::process::id().to_string())
        .env("STOP_SIGNAL", stop_signal)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(err_file);
    command = cmd;
    command
        .spawn()
        .map_err(|e| LocalServiceError::Failed(format!("could not start server: {e}")))
}

/// Creates a Postgres cluster in `data_dir` unless one is there already.
pub fn init_postgres(data_dir: &Path) -> Result<(), LocalServiceError> {
    if data_dir.join("PG_VERSION").exists() {
        return Ok(());
    }
    let bin = postgres_bin_dir()?;
    std::fs::create_dir_all(data_dir).map_err(|e| LocalServiceError::Failed(e.to_string()))?;
    if is_root() {
        chown_postgres(data_dir)?;
    }
    let dir = data_dir.to_string_lossy().into_owned();
    let output = as_postgres_user(
        &bin.join("initdb"),
        &[
            "-D",
            &dir,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )
    .output()
    .map_err(|e| LocalServiceError::Failed(e.to_string()))?;
    if !output.status.success() {
        return Err(LocalServiceError::Failed(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(())
}

/// Gives `path` (recursively) to the postgres user when we are root, so a cluster this
/// module starts may use it; does nothing otherwise.
pub fn give_to_postgres_user(path: &Path) -> Result<(), LocalServiceError> {
    if is_root() {
        chown_postgres(path)
    } else {
        Ok(())
    }
}

fn chown_postgres(path: &Path) -> Result<(), LocalServiceError> {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(path)
        .status()
        .map_err(|e| LocalServiceError::Failed(e.to_string()))?;
    if !status.success() {
        return Err(LocalServiceError::Failed(
            "could not give the data directory to the postgres user".into(),
        ));
    }
    // Parents must be traversable by the postgres user.
    let mut parent = path.parent();
    while let Some(dir) = parent {
        if dir.as_os_str().is_empty() || dir == Path::new("/") {
            break;
        }
        let _ = Command::new("chmod").arg("o+x").arg(dir).status();
        parent = dir.parent();
    }
    Ok(())
}

/// Starts Postgres on `data_dir` (initialising it if needed) on `port`; `durable` keeps
/// fsync on (dev data), otherwise it trades durability for speed (tests).
pub fn start_postgres(
    data_dir: &Path,
    port: u16,
    durable: bool,
) -> Result<LocalServer, LocalServiceError> {
    start_postgres_with(
        data_dir,
        port,
        &PostgresOptions {
            durable,
            ..PostgresOptions::default()
        },
    )
}

/// How [`start_postgres_with`] runs the server.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// Keep fsync and full-page writes on.
    pub durable: bool,
    /// More server settings (`("archive_mode", "on")`, ...), given as `-c name=value` after
    /// the built-in ones so they win.
    pub settings: Vec<(String, String)>,
    /// How long to wait for connections to be accepted (a cluster recovering to a point in
    /// time accepts none until it has replayed its WAL).
    pub ready_within: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            durable: false,
            settings: Vec::new(),
            ready_within: Duration::from_secs(60),
        }
    }
}

/// [`start_postgres`] with [`PostgresOptions`]. Fails at once, with the server's log, when
/// the server exits before it accepts connections.
pub fn start_postgres_with(
    data_dir: &Path,
    port: u16,
    options: &PostgresOptions,
) -> Result<LocalServer, LocalServiceError> {
    let durable = options.durable;
    let settings = &options.settings;
    init_postgres(data_dir)?;
    let bin = postgres_bin_dir()?;
    let dir = data_dir.to_string_lossy().into_owned();
    let port_s = port.to_string();
    let mut args = vec![
        "-D",
        &dir,
        "-p",
        &port_s,
        "-k",
        &dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "max_connections=400",
        "-c",
        "shared_buffers=64MB",
    ];
    if !durable {
        args.extend([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]);
    }
    let settings: Vec<String> = settings
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    for setting in &settings {
        args.extend(["-c", setting]);
    }
    let log = data_dir
        .parent()
        .unwrap_or(data_dir)
        .join(format!("postgres-{port}.log"));
    let mut child = spawn_watched(as_postgres_user(&bin.join("postgres"), &args), "INT", &log)?;
    let deadline = Instant::now() + options.ready_within;
    loop {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &port_s, "-U", "postgres"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ready {
            return Ok(LocalServer {
                child,
                port,
                gone_when_removed: Some(data_dir.join("postmaster.pid")),
            });
        }
        let exited = matches!(child.try_wait(), Ok(Some(_)));
        if exited || Instant::now() > deadline {
            if !exited {
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                let _ = child.wait();
            }
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let what = if exited {
                "exited"
            } else {
                "did not become ready"
            };
            return Err(LocalServiceError::Failed(format!(
                "postgres {what}; its log:\n{tail}"
            )));
        }
        sleep(Duration::from_millis(100));
    }
}

/// The port of the cluster running on `data_dir`, read from its `postmaster.pid`; `None`
/// when none runs there.
pub fn running_postgres_port(data_dir: &Path) -> Option<u16> {
    let pid_file = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = pid_file.lines();
    let pid = lines.next()?.trim();
    if !Path::new("/proc").join(pid).exists() {
        return None;
    }
    lines.nth(2)?.trim().parse().ok()
}

/// Starts redis-server on `port`, persisting into `dir` when given.
pub fn start_redis(dir: Option<&Path>, port: u16) -> Result<LocalServer, LocalServiceError> {
    let binary =
        which("redis-server").ok_or(LocalServiceError::Missing("redis-server", "REDIS_URL"))?;
    let port_s = port.to_string();
    let mut cmd = Command::new(binary);
    cmd.args([
        "--port",
        &port_s,
        "--bind",
        "127.0.0.1",
        "--protected-mode",
        "no",
    ]);
    let log_dir = match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| LocalServiceError::Failed(e.to_string()))?;
            cmd.arg("--dir")
                .arg(dir)
                .args(["--appendonly", "yes", "--save", ""]);
            dir.to_path_buf()
        }
        None => {
            cmd.args(["--save", "", "--appendonly", "no"]);
            std::env::temp_dir()
        }
    };
    let child = spawn_watched(cmd, "TERM", &log_dir.join(format!("redis-{port}.log")))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(LocalServer {
                child,
                port,
                gone_when_removed: None,
            });
        }
        if Instant::now() > deadline {
            return Err(LocalServiceError::Timeout(
                "redis-server",
                Duration::from_secs(20),
            ));
        }
        sleep(Duration::from_millis(50));
    }
}

/// The full path of `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}
