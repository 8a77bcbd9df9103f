//! `mediamagic dev`: the whole stack on one machine with embedded defaults.
//!
//! Starts (unless `DATABASE_URL` / `REDIS_URL` are set) a private Postgres cluster and
//! redis-server under the data directory, applies migrations, serves every subgraph, runs the
//! router, prints the GraphQL URL and a ready line, and on Ctrl-C stops everything it started.
//! A second run reuses the data. With `[backup] enabled` the cluster archives its WAL and a
//! schedule takes backups ([`crate::backup`]).

use crate::{
    backup::{BackupError, pgbackrest::Repository, schedule},
    config::PlatformConfig,
    router_process::{self, RouterLaunch},
    secrets::Keys,
    stack::{self, Infra},
};
use diesel_async_free::ensure_database;
use mediamagic_kit::{
    db,
    local_services::{self, PostgresOptions},
    server::shutdown_signal,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs the stack until Ctrl-C or SIGTERM.
pub async fn run(mut config: PlatformConfig) -> anyhow::Result<()> {
    // A developer's callback receiver runs on this machine (seed 004's sample points at one);
    // production refuses loopback and private callback addresses.
    config.jobs.allow_private_callbacks = true;
    dev_defaults(&mut config);
    let data_dir = std::path::absolute(&config.dev.data_dir)?;
    std::fs::create_dir_all(&data_dir)?;
    let keys = Keys::for_dev(&config.auth, &data_dir)?;

    let mut started = Started(Vec::new());
    let backups = match (config.backup.enabled, &config.database.url) {
        (false, _) => None,
        (true, Some(_)) => return Err(BackupError::ExternalDatabase.into()),
        (true, None) => Some(Repository::new(&config, true)?),
    };
    let database_url = match &config.database.url {
        Some(url) => url.expose().clone(),
        None => {
            let port = local_services::free_port()?;
            let dir = data_dir.join("postgres");
            let options = PostgresOptions {
                durable: true,
                settings: match &backups {
                    Some(repo) => {
                        repo.write_conf(Some(port))?;
                        repo.archive_settings()?
                    }
                    None => Vec::new(),
                },
                ..PostgresOptions::default()
            };
            let server = tokio::task::spawn_blocking(move || {
                local_services::start_postgres_with(&dir, port, &options)
            })
            .await??;
            started.0.push(server);
            let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
            ensure_database(&admin, "mediamagic").await?;
            format!("postgres://postgres@127.0.0.1:{port}/mediamagic")
        }
    };
    let redis_url = match &config.redis.url {
        Some(url) => url.expose().clone(),
        None => {
            let port = local_services::free_port()?;
            let dir = data_dir.join("redis");
            let server =
                tokio::task::spawn_blocking(move || local_services::start_redis(Some(&dir), port))
                    .await??;
            started.0.push(server);
            format!("redis://127.0.0.1:{port}")
        }
    };

    let applied = db::run_migrations(&database_url).await?;
    tracing::info!(?applied, "migrations applied");
    let infra = Infra {
        database_url,
        role_urls: stack::role_urls(&config)?,
        redis_url,
        keys,
    };
    let host = config.listen.host.clone();
    let shutdown = CancellationToken::new();
    let backup_schedule = match backups {
        Some(repo) => Some(schedule::start(repo, config.backup.clone(), shutdown.clone()).await?),
        None => None,
    };

    // The REST surfaces call the router this command starts.
    if config.compat.graphql_url.is_none() {
        let reachable = match host.as_str() {
            "0.0.0.0" | "::" => "127.0.0.1",
            other => other,
        };
        config.compat.graphql_url = Some(format!(
            "http://{reachable}:{}/graphql",
            config.listen.router_port
        ));
    }
    let subgraphs = stack::start_services(
        &config,
        &infra,
        &host,
        |name| stack::configured_port(&config, name).unwrap_or_default(),
        &shutdown,
    )
    .await?;
    let accounts_url = subgraphs
        .iter()
        .find(|s| s.name == "accounts")
        .map(|s| s.url())
        .ok_or_else(|| anyhow::anyhow!("the accounts subgraph did not start"))?;

    let base_config = match &config.router.config_file {
        Some(path) => std::fs::read_to_string(path)?,
        None => router_process::DEV_CONFIG.to_owned(),
    };
    let mut router = router_process::spawn(RouterLaunch {
        binary: config
            .router
            .binary
            .clone()
            .unwrap_or_else(router_process::default_binary),
        base_config,
        work_dir: &data_dir.join("router"),
        host: &host,
        port: config.listen.router_port,
        subgraphs: stack::graphql_urls(&subgraphs),
        services: stack::base_urls(&subgraphs),
        keys: &infra.keys,
        redis_url: &infra.redis_url,
        accounts_url,
    })
    .await?;

    println!("Media Magic is running (data in {}).", data_dir.display());
    println!(
        "  GraphQL:    http://{host}:{}/graphql",
        config.listen.router_port
    );
    println!(
        "  Playground: http://{host}:{}/playground",
        config.listen.router_port
    );
    println!(
        "  REST:       http://{host}:{0}/api/v1, http://{host}:{0}/converter, http://{host}:{0}/apiv1",
        config.listen.router_port
    );
    for service in &subgraphs {
        let kind = if stack::SUBGRAPHS.contains(&service.name) {
            "subgraph"
        } else {
            "service"
        };
        println!("  {} {kind}: {}", service.name, service.url());
    }
    println!("ready");

    tokio::select! {
        () = shutdown_signal() => {}
        status = router.wait() => tracing::error!(?status, "the router exited"),
    }
    println!("stopping");
    if let Some(pid) = router.id() {
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), router.wait()).await;
    let _ = router.kill().await;
    shutdown.cancel();
    for subgraph in subgraphs {
        let _ = tokio::time::timeout(Duration::from_secs(10), subgraph.task).await;
    }
    if let Some(task) = backup_schedule {
        // A backup in progress is cut short; the next start takes one when due.
        task.abort();
        let _ = task.await;
    }
    tokio::task::spawn_blocking(move || drop(started)).await?;
    println!("stopped");
    Ok(())
}

/// The servers dev started, stopped newest first when dropped: after Ctrl-C, and on an
/// error that ends dev early, so a failed start leaves no database running (their watchdog
/// would stop them too, but only after this process is gone, and a `mediamagic restore`
/// run right after would find the database still running).
struct Started(Vec<local_services::LocalServer>);

impl Drop for Started {
    fn drop(&mut self) {
        while let Some(server) = self.0.pop() {
            server.stop();
        }
    }
}

/// Dev's own defaults over the platform's. Seed 000's models name machine types of a
/// cluster manager that dev does not have: dev accepts them (as an operator would declare a
/// coming pool) instead of refusing its documented requests, and fails their jobs
/// `NO_CAPACITY` after dev's shorter wait. Pages on this machine may use object URLs.
fn dev_defaults(config: &mut PlatformConfig) {
    for machine_type in &config.dev.expected_machine_types {
        if !config.models.expected_machine_types.contains(machine_type) {
            config
                .models
                .expected_machine_types
                .push(machine_type.clone());
        }
    }
    config.jobs.no_capacity_after_seconds = config.dev.no_capacity_after_seconds;
    if config.media.cors_allowed_origins.is_empty() {
        config.media.cors_allowed_origins = config.dev.cors_allowed_origins.clone();
    }
}

mod diesel_async_free {
    //! Creating the dev database on first run.
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

    /// Creates database `name` on the server behind `admin_url` unless it exists.
    pub async fn ensure_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
        use diesel::{QueryableByName, sql_types::BigInt};
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = AsyncPgConnection::establish(admin_url).await?;
        let found: Count =
            diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(name)
                .get_result(&mut conn)
                .await?;
        if found.n == 0 {
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .await?;
        }
        Ok(())
    }
}
