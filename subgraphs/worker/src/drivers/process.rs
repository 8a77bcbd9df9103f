//! Running one program as a child process: no shell, a cleared environment, its own process
//! group, output read line by line into [`RunEvent`]s, and stopping it with SIGTERM then
//! SIGKILL after a grace period. Where util-linux's `setpriv` exists the child also gets a
//! parent-death signal, so a worker killed with SIGKILL leaves no program running.

use crate::domain::{
    progress::{LineKind, ProgressParser},
    run::{RunEvent, Tail},
};
use nix::{
    sys::signal::{Signal, killpg},
    unistd::Pid,
};
use std::{
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt},
    process::{Child, Command},
    sync::mpsc,
};
use tokio_util::sync::CancellationToken;

/// Longest line read from a program; longer ones are split.
const MAX_LINE: usize = 64 * 1024;
/// Most log bytes one run keeps; later lines are dropped (progress lines still count), so a
/// program cannot flood the database through its output.
pub const MAX_LOG_BYTES: u64 = 16 * 1024 * 1024;

/// What to start.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Working directory.
    pub dir: PathBuf,
    /// The whole environment of the child.
    pub env: Vec<(String, String)>,
}

/// Why waiting for a program stopped.
#[derive(Debug)]
pub enum ProcessEnd {
    /// It exited by itself.
    Exited(ExitStatus),
    /// `stop` fired and it was stopped.
    Stopped,
    /// It ran past its time and was stopped.
    TimedOut,
}

/// The finished run of a program.
#[derive(Debug)]
pub struct ProcessResult {
    /// How it ended.
    pub end: ProcessEnd,
    /// Its last lines of output.
    pub tail: Tail,
}

/// `setpriv`, when this machine has it.
pub fn find_setpriv() -> Option<PathBuf> {
    ["/usr/bin/setpriv", "/bin/setpriv"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Starts `spec`; `Err` when the program cannot be started (not found, not executable).
pub fn spawn(spec: &ProcessSpec, setpriv: Option<&Path>) -> std::io::Result<Child> {
    let program = resolve(&spec.program, &spec.env)?.display().to_string();
    let mut argv = match setpriv {
        Some(setpriv) => vec![
            setpriv.display().to_string(),
            "--pdeathsig".into(),
            "KILL".into(),
            "--".into(),
            program,
        ],
        None => vec![program],
    };
    argv.extend(spec.args.iter().cloned());
    spawn_argv(&argv, &spec.env, &spec.dir)
}

/// Starts `argv` (a launcher chain such as the sandbox's) with exactly `env`, in `dir`, in
/// a process group of its own.
pub fn spawn_argv(argv: &[String], env: &[(String, String)], dir: &Path) -> std::io::Result<Child> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"))?;
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    command.spawn()
}

/// The program's path: as given when it has a `/`, else looked up in the child's `PATH`.
pub fn resolve(program: &str, env: &[(String, String)]) -> std::io::Result<PathBuf> {
    if program.contains('/') {
        return Ok(PathBuf::from(program));
    }
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    path.split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("`{program}` is not in the worker's program path"),
            )
        })
}

/// Waits for `child`, forwarding its output to `events`, until it exits, `stop` fires, or
/// `timeout` passes; a stopped program gets SIGTERM, then SIGKILL after `grace`.
pub async fn supervise(
    mut child: Child,
    events: mpsc::Sender<RunEvent>,
    stop: CancellationToken,
    timeout: Duration,
    grace: Duration,
) -> std::io::Result<ProcessResult> {
    let sink = LineSink::new(events);
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(forward(out, "stdout", sink.clone())));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(forward(err, "stderr", sink.clone())));
    }
    let end = tokio::select! {
        status = child.wait() => ProcessEnd::Exited(status?),
        _ = stop.cancelled() => {
            terminate(&mut child, grace).await;
            ProcessEnd::Stopped
        }
        _ = tokio::time::sleep(timeout) => {
            terminate(&mut child, grace).await;
            ProcessEnd::TimedOut
        }
    };
    // A grandchild may hold the pipes open after the program exits; do not wait for it.
    for reader in readers {
        let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
    }
    Ok(ProcessResult {
        end,
        tail: sink.take_tail(),
    })
}

/// SIGTERM to the program's process group, SIGKILL after `grace` if it is still there.
async fn terminate(child: &mut Child, grace: Duration) {
    if let Some(pid) = child.id() {
        // The child leads its own process group (process_group(0)), so this reaches
        // whatever it started too.
        let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGTERM);
        if tokio::time::timeout(grace, child.wait()).await.is_ok() {
            return;
        }
        let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
    }
    let _ = child.kill().await;
}

/// Reads `stream` line by line into log and progress events.
async fn forward(mut stream: impl AsyncRead + Unpin, name: &'static str, sink: LineSink) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buffer[..read]);
        while let Some(line) = take_line(&mut pending, false) {
            sink.line(name, &line).await;
        }
    }
    if let Some(line) = take_line(&mut pending, true) {
        sink.line(name, &line).await;
    }
}

/// The next complete line of `pending` (or a forced split of an overlong one).
fn take_line(pending: &mut Vec<u8>, at_end: bool) -> Option<String> {
    let end = match pending.iter().position(|b| *b == b'\n') {
        Some(at) => at + 1,
        None if pending.len() >= MAX_LINE => MAX_LINE,
        None if at_end && !pending.is_empty() => pending.len(),
        None => return None,
    };
    let line: Vec<u8> = pending.drain(..end).collect();
    let text = String::from_utf8_lossy(&line);
    Some(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// Turns a run's output lines into events: protocol lines into progress, the rest into log
/// lines (the last of which are kept for a failure's message). Shared by every stream of a
/// run, so progress read from any of them counts.
#[derive(Clone)]
pub struct LineSink {
    events: mpsc::Sender<RunEvent>,
    tail: Arc<Mutex<Tail>>,
    parser: Arc<Mutex<ProgressParser>>,
    logged: Arc<std::sync::atomic::AtomicU64>,
    limit: u64,
}

impl LineSink {
    /// A sink sending to `events`.
    pub fn new(events: mpsc::Sender<RunEvent>) -> Self {
        Self::with_limit(events, MAX_LOG_BYTES)
    }

    /// A sink that keeps at most `limit` bytes of log lines.
    pub fn with_limit(events: mpsc::Sender<RunEvent>, limit: u64) -> Self {
        Self {
            events,
            tail: Arc::default(),
            parser: Arc::default(),
            logged: Arc::default(),
            limit,
        }
    }

    /// Handles one line of `stream`.
    pub async fn line(&self, stream: &'static str, line: &str) {
        let kind = self
            .parser
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .line(line);
        let event = match kind {
            LineKind::Log => {
                self.tail
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(line);
                let before = self
                    .logged
                    .fetch_add(line.len() as u64 + 1, std::sync::atomic::Ordering::Relaxed);
                if before >= self.limit {
                    return;
                }
                if before + line.len() as u64 + 1 > self.limit {
                    let _ = self
                        .events
                        .send(RunEvent::Log {
                            stream: "system",
                            line: format!(
                                "the run's log reached {} bytes; later lines are not kept",
                                self.limit
                            ),
                        })
                        .await;
                    return;
                }
                RunEvent::Log {
                    stream,
                    line: line.to_owned(),
                }
            }
            LineKind::Progress { fraction, message } => RunEvent::Progress { fraction, message },
            LineKind::Quiet => return,
        };
        // A closed channel means nobody listens any more; the program still runs to its end.
        let _ = self.events.send(event).await;
    }

    /// The last log lines seen.
    pub fn take_tail(&self) -> Tail {
        std::mem::take(&mut *self.tail.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> ProcessSpec {
        ProcessSpec {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            dir: std::env::temp_dir(),
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        }
    }

    #[tokio::test]
    async fn output_becomes_log_and_progress_events_and_the_exit_status_is_kept() {
        let child = spawn(
            &sh("echo hello; echo '::progress 0.5 half' >&2; echo oops >&2; exit 3"),
            find_setpriv().as_deref(),
        )
        .unwrap();
        let (tx, mut rx) = mpsc::channel(16);

        let result = supervise(
            child,
            tx,
            CancellationToken::new(),
            Duration::from_secs(30),
            Duration::from_secs(1),
        )
        .await
        .unwrap();

        let mut events = Vec::new();
        while let Ok(event) = rx.try_recv() {
            events.push(event);
        }
        assert!(events.contains(&RunEvent::Log {
            stream: "stdout",
            line: "hello".into()
        }));
        assert!(events.contains(&RunEvent::Progress {
            fraction: 0.5,
            message: Some("half".into())
        }));
        assert!(matches!(result.end, ProcessEnd::Exited(s) if s.code() == Some(3)));
        assert!(result.tail.message("x").contains("oops"));
    }

    #[tokio::test]
    async fn a_stopped_program_that_ignores_sigterm_is_killed_after_the_grace_period() {
        let child = spawn(&sh("trap '' TERM; sleep 30"), None).unwrap();
        let (tx, _rx) = mpsc::channel(16);
        let stop = CancellationToken::new();
        stop.cancel();

        let started = std::time::Instant::now();
        let result = supervise(
            child,
            tx,
            stop,
            Duration::from_secs(30),
            Duration::from_millis(300),
        )
        .await
        .unwrap();

        assert!(matches!(result.end, ProcessEnd::Stopped));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn log_lines_past_the_limit_are_dropped_with_one_notice_but_the_tail_is_kept() {
        let (tx, mut rx) = mpsc::channel(64);
        let sink = LineSink::with_limit(tx, 20);

        for n in 0..10 {
            sink.line("stdout", &format!("line {n}")).await;
        }

        let mut kept = Vec::new();
        while let Ok(RunEvent::Log { line, .. }) = rx.try_recv() {
            kept.push(line);
        }
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert!(kept[2].contains("not kept"), "{kept:?}");
        assert!(sink.take_tail().message("x").contains("line 9"));
    }

    #[test]
    fn a_program_missing_from_the_path_is_not_found() {
        let mut spec = sh("true");
        spec.program = "no-such-program-here".into();
        let err = spawn(&spec, None).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
