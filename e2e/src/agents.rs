//! Worker agents for tests: tokens issued as an operator would (`mediamagic agents create`,
//! through the same library call, on the worker service's role), and `mediamagic agent`
//! processes started with nothing of the platform's but its URL and a token.

use crate::{TestStack, netns::TestHost, workspace_binary};
use mediamagic_worker::commands::agents::{self, NewAgent};
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A pool on the worker service's database role (where agents are kept).
pub fn worker_pool(stack: &TestStack) -> mediamagic_kit::db::DbPool {
    mediamagic_kit::db::pool(&stack.infra.database_url_for("worker"), 2).expect("worker pool")
}

/// Issues agent `name` a token for `machine_types` (at `site`); the token.
pub async fn issue(
    stack: &TestStack,
    name: &str,
    machine_types: &[&str],
    site: Option<&str>,
) -> String {
    let created = agents::create(
        &worker_pool(stack),
        NewAgent {
            name: name.into(),
            machine_types: machine_types.iter().map(|t| t.to_string()).collect(),
            site: site.map(str::to_owned),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("issuing agent {name}: {}", e.message()));
    created.token.reveal().to_owned()
}

/// A `mediamagic agent` process: its config file holds `[agent]` and `worker` (the
/// `[worker]` section's body) and nothing else; its environment holds only `PATH`, `HOME`,
/// `RUST_LOG` and the token, so it can name no database or Redis.
pub struct AgentProcess {
    child: Child,
    config: tempfile::NamedTempFile,
    /// What it printed (its log goes to stdout, errors to stderr).
    output: tempfile::NamedTempFile,
}

impl AgentProcess {
    /// Starts an agent on this machine.
    pub fn start(url: &str, token: &str, agent: &str, worker: &str) -> Self {
        Self::spawn(
            Command::new(workspace_binary("mediamagic")),
            url,
            token,
            agent,
            worker,
        )
    }

    /// Starts an agent inside test host `host`.
    pub fn start_in(host: &TestHost, url: &str, token: &str, agent: &str, worker: &str) -> Self {
        Self::spawn(
            host.command(&workspace_binary("mediamagic")),
            url,
            token,
            agent,
            worker,
        )
    }

    fn spawn(mut command: Command, url: &str, token: &str, agent: &str, worker: &str) -> Self {
        let config = tempfile::Builder::new()
            .suffix(".toml")
            .tempfile()
            .expect("agent config");
        std::fs::write(
            config.path(),
            format!("[agent]\n{agent}\n[worker]\n{worker}\n"),
        )
        .expect("agent config written");
        let output = tempfile::NamedTempFile::new().expect("agent output");
        let reopen = || Stdio::from(output.reopen().expect("agent output"));
        let child = command
            .arg("--config")
            .arg(config.path())
            .args(["agent", "--url", url])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("RUST_LOG", "info")
            .env("MEDIAMAGIC_AGENT_TOKEN", token)
            .stdout(reopen())
            .stderr(reopen())
            .spawn()
            .expect("agent process");
        Self {
            child,
            config,
            output,
        }
    }

    /// The process id (`ip netns exec` runs the agent in its own place).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What its config file says.
    pub fn config_text(&self) -> String {
        std::fs::read_to_string(self.config.path()).unwrap_or_default()
    }

    /// Waits for the process to exit (without blocking a stack on the test's runtime); its
    /// status and what it printed.
    pub async fn exit(&mut self, within: Duration) -> (bool, String) {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("agent status") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("the agent did not exit:\n{}", self.printed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        (status.success(), self.printed())
    }

    /// Waits until it has printed `needle`; everything it printed.
    pub async fn printed_within(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let printed = self.printed();
            if printed.contains(needle) {
                return printed;
            }
            assert!(
                Instant::now() < deadline,
                "the agent did not print `{needle}` within {within:?}:\n{printed}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What it printed so far.
    pub fn printed(&self) -> String {
        std::fs::read_to_string(self.output.path()).unwrap_or_default()
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
