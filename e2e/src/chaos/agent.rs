//! The harness's worker agent: `mediamagic agent` on a test host of its own (a network
//! namespace that reaches only the router's port), holding nothing but the router's URL and
//! an agent token, so that the platform's faults (router and worker service killed) are
//! restarts it must ride out, and a real partition can cut it off past its lease.

use crate::netns::TestHost;
use mediamagic_worker::commands::agents::{self, NewAgent};
use std::{path::PathBuf, process::Stdio};
use tokio::process::{Child, Command};

/// The agent process and its host.
pub(super) struct ChaosAgent {
    host: TestHost,
    token: String,
    config: PathBuf,
    log: PathBuf,
    url: String,
    child: Option<Child>,
}

impl ChaosAgent {
    /// Issues a token (machine type `cpu`) on the platform's database and starts the agent
    /// on `host`, on the router at `router_port` (listening on `host`'s link).
    pub(super) async fn start(
        host: TestHost,
        dir: &std::path::Path,
        database_url: &str,
        router_port: u16,
    ) -> anyhow::Result<Self> {
        let pool = mediamagic_kit::db::pool(database_url, 1)?;
        let created = agents::create(
            &pool,
            NewAgent {
                name: "chaos-agent".into(),
                machine_types: vec!["cpu".into()],
                site: Some("test host".into()),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("issuing the agent's token: {}", e.message()))?;
        let config = dir.join("agent.toml");
        std::fs::write(
            &config,
            "[log]\nformat = \"json\"\nfilter = \"warn\"\n[agent]\n\
             [worker]\nheartbeat_ms = 300\nkill_grace_ms = 500\n\
             machine_types = { cpu = { slots = 4 } }\n",
        )?;
        let mut agent = Self {
            url: format!("http://{}:{router_port}", host.host_ip),
            host,
            token: created.token.reveal().to_owned(),
            config,
            log: dir.join("agent.log"),
            child: None,
        };
        agent.spawn()?;
        Ok(agent)
    }

    /// Starts (or starts again) the process; its log is appended to `agent.log`.
    pub(super) fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut command = Command::from(self.host.command(&crate::workspace_binary("mediamagic")));
        let child = command
            .arg("--config")
            .arg(&self.config)
            .args(["agent", "--url", &self.url])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("MEDIAMAGIC_AGENT_TOKEN", &self.token)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    /// `kill -9`, then a new process with the same token.
    pub(super) async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.start_kill()?;
            let _ = child.wait().await;
        }
        self.spawn()
    }

    /// Cuts the agent's host off for `long`, then joins it again.
    pub(super) async fn partition(&self, long: std::time::Duration) -> anyhow::Result<()> {
        self.host.partition()?;
        tokio::time::sleep(long).await;
        self.host.heal().await
    }
}
