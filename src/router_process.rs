//! Running the `mediamagic-router` binary: writes its config (a base YAML plus the subgraph
//! URLs of this run), passes secrets through the environment, and waits until it is ready.

use crate::secrets::Keys;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// The dev router config, embedded so `mediamagic dev` works from any directory.
pub const DEV_CONFIG: &str = include_str!("../router/config/dev.yaml");
/// The checked-in supergraph, embedded for the same reason.
pub const SUPERGRAPH: &str = include_str!("../schema/supergraph.graphql");

/// What the router needs to start.
pub struct RouterLaunch<'a> {
    /// The router binary.
    pub binary: PathBuf,
    /// Base config YAML (without `override_subgraph_urls`).
    pub base_config: String,
    /// Directory to write the effective config and supergraph into.
    pub work_dir: &'a Path,
    /// Interface to listen on.
    pub host: &'a str,
    /// Port to listen on.
    pub port: u16,
    /// `(subgraph name, GraphQL URL)` of every running subgraph.
    pub subgraphs: Vec<(&'static str, String)>,
    /// `(service name, base URL)` of every running service, for the forward plugin.
    pub services: Vec<(&'static str, String)>,
    /// Key material.
    pub keys: &'a Keys,
    /// Redis URL.
    pub redis_url: &'a str,
    /// Base URL of the accounts service.
    pub accounts_url: String,
}

/// The `mediamagic-router` next to the running executable (or in its parent, for test
/// binaries under `target/<profile>/deps`).
pub fn default_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    for _ in 0..2 {
        let candidate = dir.join("mediamagic-router");
        if candidate.exists() {
            return candidate;
        }
        if let Some(parent) = dir.parent() {
            dir = parent.to_path_buf();
        }
    }
    PathBuf::from("mediamagic-router")
}

/// Starts the router and waits for `/readiness`.
pub async fn spawn(launch: RouterLaunch<'_>) -> anyhow::Result<Child> {
    std::fs::create_dir_all(launch.work_dir)?;
    let supergraph_path = launch.work_dir.join("supergraph.graphql");
    std::fs::write(&supergraph_path, SUPERGRAPH)?;
    let mut config = launch.base_config.clone();
    config.push_str("\noverride_subgraph_urls:\n  subgraphs:\n");
    for (name, url) in &launch.subgraphs {
        config.push_str(&format!("    {name}:\n      url: \"{url}\"\n"));
    }
    let config_path = launch.work_dir.join("router.yaml");
    std::fs::write(&config_path, config)?;
    let log_path = launch.work_dir.join("router.log");
    let log = std::fs::File::create(&log_path)?;
    let mut command = Command::new(&launch.binary);
    // The forward plugin reaches each service at its base URL.
    for (name, url) in &launch.services {
        command.env(
            format!("MEDIAMAGIC__SERVICES__{}", name.to_ascii_uppercase()),
            url,
        );
    }
    let mut child = command
        .env("ROUTER_CONFIG_FILE_PATH", &config_path)
        .env("SUPERGRAPH_FILE_PATH", &supergraph_path)
        .env("HOST", launch.host)
        .env("PORT", launch.port.to_string())
        .env(
            "MEDIAMAGIC__AUTH__ROOT_PUBLIC_KEY",
            &launch.keys.root_public_key,
        )
        .env(
            "MEDIAMAGIC__AUTH__INTERNAL_PRIVATE_KEY",
            &launch.keys.internal_private_key,
        )
        .env(
            "MEDIAMAGIC__AUTH__INTERNAL_SECRET",
            &launch.keys.internal_secret,
        )
        .env("MEDIAMAGIC__AUTH__ACCOUNTS_URL", &launch.accounts_url)
        .env("MEDIAMAGIC__REDIS__URL", launch.redis_url)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!(
                "could not start {}: {e} (build it with `cargo build --bins`)",
                launch.binary.display()
            )
        })?;
    let url = format!("http://{}:{}/readiness", launch.host, launch.port);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            anyhow::bail!("the router exited with {status}; its log:\n{log}");
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            anyhow::bail!("the router did not become ready in 60 s; its log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
