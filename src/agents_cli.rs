//! `mediamagic agents create|list|revoke`: the operator's side of worker agents, on the
//! worker service's database role; and `mediamagic agent`, the agent itself.

use crate::{cli::AgentsCommand, config::PlatformConfig, stack};
use mediamagic_kit::config::Secret;
use mediamagic_worker::{
    commands::agents::{self, NewAgent},
    domain::agent_token::AgentToken,
};

/// Runs one `agents` command and prints what it did.
pub async fn run(config: &PlatformConfig, command: AgentsCommand) -> anyhow::Result<()> {
    if let AgentsCommand::Token = command {
        // Needs no database: the worker service stores its hash when it starts with it.
        println!("{}", AgentToken::generate().reveal());
        return Ok(());
    }
    let mut config = config.clone();
    if config.database.url.is_none() {
        config.database.url = stack::embedded_database_url(&config).map(Secret::new);
    }
    let pool = mediamagic_kit::db::pool(&stack::service_database_url(&config, "worker")?, 2)?;
    let refused = |e: mediamagic_kit::ApiError| anyhow::anyhow!("{}", e.message());
    match command {
        AgentsCommand::Create {
            name,
            machine_types,
            site,
        } => {
            let created = agents::create(
                &pool,
                NewAgent {
                    name,
                    machine_types,
                    site,
                },
            )
            .await
            .map_err(refused)?;
            println!(
                "agent `{}` may run {}; its token (shown once, keep it secret):",
                created.agent.name,
                created.agent.machine_types.join(", ")
            );
            println!("{}", created.token.reveal());
            println!(
                "start it with: mediamagic agent --url <the platform's URL> --token <the token>"
            );
        }
        AgentsCommand::List => {
            let listed = agents::list(&pool).await.map_err(refused)?;
            if listed.is_empty() {
                println!("no agents (`mediamagic agents create --name ... --machine-types ...`)");
            }
            for agent in listed {
                let line = serde_json::json!({
                    "name": agent.name,
                    "machine_types": agent.machine_types,
                    "site": agent.site,
                    "created_at": agent.created_at,
                    "last_seen_at": agent.last_seen_at,
                    "version": agent.version,
                    "revoked_at": agent.revoked_at,
                });
                println!("{line}");
            }
        }
        AgentsCommand::Token => {}
        AgentsCommand::Revoke { name } => {
            let revoked = agents::revoke(&pool, &name).await.map_err(refused)?;
            println!(
                "agent `{}` revoked: its next call is refused; {} worker process(es) stopped, \
                 and the jobs they held go back to the queue within a sweep",
                revoked.agent.name, revoked.workers
            );
        }
    }
    Ok(())
}

/// `mediamagic agent`: works for the platform at `url` (or `agent.url`) with `token` (or
/// `agent.token`) until SIGTERM or Ctrl-C.
pub async fn agent(
    config: &PlatformConfig,
    url: Option<String>,
    token: Option<String>,
) -> anyhow::Result<()> {
    let url = url.or_else(|| config.agent.url.clone()).ok_or_else(|| {
        anyhow::anyhow!("give the platform's URL: --url, MEDIAMAGIC_AGENT_URL or agent.url")
    })?;
    let token = token
        .or_else(|| config.agent.token.as_ref().map(|t| t.expose().clone()))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "give the agent token: --token, MEDIAMAGIC_AGENT_TOKEN or agent.token \
                 (`mediamagic agents create` issues one)"
            )
        })?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        mediamagic_kit::server::shutdown_signal().await;
        stop.cancel();
    });
    mediamagic_worker::agent::run(
        mediamagic_worker::agent::AgentSetup {
            url: &url,
            media_url: None,
            token: &token,
            config: std::sync::Arc::new(config.worker.clone()),
            metrics: mediamagic_worker::agent::AgentMetrics::Own(
                config.agent.metrics_listen.as_deref(),
            ),
        },
        shutdown,
    )
    .await?;
    Ok(())
}
