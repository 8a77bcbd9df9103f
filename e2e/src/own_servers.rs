//! A Postgres and a Redis of a test's own, for fault tests that stop, restart or freeze
//! them without touching the shared test servers.

use mediamagic_kit::local_services::{LocalServer, free_port, start_postgres, start_redis};
use std::path::Path;

/// A migrated Postgres with its data under `data_dir`, on a free port: (server, URL).
pub async fn postgres(data_dir: &Path) -> anyhow::Result<(LocalServer, String)> {
    let port = free_port()?;
    let data = data_dir.to_path_buf();
    let server = tokio::task::spawn_blocking(move || start_postgres(&data, port, false)).await??;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    mediamagic_kit::db::run_migrations(&url).await?;
    Ok((server, url))
}

/// Starts Postgres again on `data_dir` and `port` (after a stop).
pub async fn restart_postgres(data_dir: &Path, port: u16) -> anyhow::Result<LocalServer> {
    let data = data_dir.to_path_buf();
    Ok(tokio::task::spawn_blocking(move || start_postgres(&data, port, false)).await??)
}

/// A Redis on a free port: (server, URL).
pub fn redis() -> anyhow::Result<(LocalServer, String)> {
    let port = free_port()?;
    let server = start_redis(None, port)?;
    Ok((server, format!("redis://127.0.0.1:{port}")))
}

/// Sends `signal` (`STOP`, `CONT`) to the redis-server listening on `port`; false when
/// there is none.
pub fn signal_redis(port: u16, signal: &str) -> bool {
    std::process::Command::new("pkill")
        .args([
            format!("-{signal}"),
            "-f".into(),
            format!("redis-server 127.0.0.1:{port}"),
        ])
        .status()
        .is_ok_and(|s| s.success())
}
