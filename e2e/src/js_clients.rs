//! Real JavaScript clients from npm (`e2e/clients`, installed by scripts/install-deps.sh),
//! driven by tests the way a web app would use them.

use serde_json::Value;
use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
};

/// The npm package of the clients, with its dependencies installed.
pub fn clients_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients");
    assert!(
        dir.join("node_modules/graphql-ws").is_dir(),
        "e2e/clients has no node_modules: run scripts/install-deps.sh (npm ci there)"
    );
    dir
}

/// The standard graphql-ws client (`e2e/clients/graphql-ws-subscribe.mjs`) running one
/// subscription; its events are JSON lines on stdout.
pub struct GraphqlWsClient {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl GraphqlWsClient {
    /// Connects to `ws_url` with `connection_params` and subscribes.
    pub fn start(ws_url: &str, connection_params: &Value, query: &str, variables: &Value) -> Self {
        let dir = clients_dir();
        let mut child = Command::new("node")
            .arg(dir.join("graphql-ws-subscribe.mjs"))
            .arg(ws_url)
            .arg(connection_params.to_string())
            .arg(query)
            .arg(variables.to_string())
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (scripts/install-deps.sh installs Node.js)");
        let stdout = child.stdout.take().expect("stdout");
        Self {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next event (`{"event": "connected" | "next" | "error" | "closed" | "complete"}`);
    /// `None` once the client has exited.
    pub async fn event(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("a graphql-ws client event in time")
            .expect("client stdout")?;
        Some(serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}")))
    }

    /// Every remaining event, until the client exits; with its exit code.
    pub async fn finish(mut self) -> (Vec<Value>, i32) {
        let mut events = Vec::new();
        while let Some(event) = self.event().await {
            events.push(event);
        }
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the client exits")
            .expect("exit status");
        (events, status.code().unwrap_or(-1))
    }
}
