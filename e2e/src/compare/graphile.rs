//! graphile-worker (npm, `e2e/bench/peers`) as a process: migrated into a database, then a
//! worker whose JSON lines (see `graphile-bench.mjs`) the pairs read.

use serde_json::Value;
use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
};

/// The peers' npm package, installed.
pub fn peers_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/peers"));
    assert!(
        dir.join("node_modules/graphile-worker").is_dir(),
        "e2e/bench/peers has no node_modules: npm ci there (e2e/bench/run.sh and \
         scripts/install-deps.sh do)"
    );
    dir
}

/// Installs graphile-worker's schema into `database_url`.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let output = Command::new("node")
        .arg(peers_dir().join("graphile-bench.mjs"))
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .output()
        .await?;
    anyhow::ensure!(
        output.status.success(),
        "graphile-worker migrate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// A running graphile-worker.
pub struct GraphileWorker {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl GraphileWorker {
    /// Starts a worker with `concurrency`; `expect` (a drain) makes it report only the
    /// drain's summary; `batched` turns on its documented fast settings (a local queue and
    /// batched completion). Returns once it is ready.
    pub async fn start(
        database_url: &str,
        concurrency: usize,
        expect: Option<usize>,
        batched: bool,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new("node");
        command
            .arg(peers_dir().join("graphile-bench.mjs"))
            .arg("work")
            .env("DATABASE_URL", database_url)
            .env("CONCURRENCY", concurrency.to_string())
            .env("NODE_ENV", "production")
            .env("BATCHED", if batched { "1" } else { "0" })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(n) = expect {
            command.env("EXPECT", n.to_string());
        }
        let mut child = command.spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut worker = Self {
            child,
            lines: BufReader::new(stdout).lines(),
        };
        loop {
            let line = worker.next(Duration::from_secs(60)).await?;
            if line["ready"] == true {
                return Ok(worker);
            }
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or_default()
    }

    /// The next JSON line, within `wait` (graphile-worker's own log lines are skipped).
    pub async fn next(&mut self, wait: Duration) -> anyhow::Result<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.next_line())
                .await
                .map_err(|_| anyhow::anyhow!("graphile-worker said nothing for {wait:?}"))??
                .ok_or_else(|| anyhow::anyhow!("graphile-worker exited"))?;
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                return Ok(value);
            }
        }
    }
}
