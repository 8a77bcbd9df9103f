//! `mediamagic agent`: a worker anywhere, holding only the platform's URL and its agent
//! token. It registers the slots its driver offers, claims with long polling, runs each job
//! through the same pipeline as the in-cluster worker (the sandbox, GPUs, outputs through
//! the platform's media routes), renews all its leases in one heartbeat, and keeps going
//! while the platform is away for as long as a lease lasts. A token the platform refuses
//! (wrong or revoked) stops it with a clear error.

use crate::{
    WorkerMetrics,
    agent_api::{client::AgentCallError, protocol},
    config::WorkerConfig,
    domain::agent_token::AgentName,
    liveness::report_gpus,
    pipeline::{CancelRegistry, RunEnv},
    platform::{Platform, agent_link::AgentLink},
    worker::{drive, driver_and_capacity, slots_of},
};
use mediamagic_kit::config::Secret;
use serde::Deserialize;
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// Where the agent works (`[agent]`; `MEDIAMAGIC__AGENT__URL`, `MEDIAMAGIC__AGENT__TOKEN`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// The platform's public base URL (`https://api.example.com`).
    #[serde(default)]
    pub url: Option<String>,
    /// The token `mediamagic agents create` printed.
    #[serde(default)]
    pub token: Option<Secret<String>>,
    /// Serve Prometheus metrics (runs, slots, durations, GPUs) at `/metrics` on this
    /// address (`0.0.0.0:9091`); none when empty.
    #[serde(default)]
    pub metrics_listen: Option<String>,
}

/// Why the agent stopped working.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No URL or token.
    #[error("{0}")]
    Config(String),
    /// The driver cannot run here.
    #[error("the worker's driver could not be set up (see the log)")]
    Driver,
    /// The platform refused the agent for good.
    #[error("the platform refused this agent: {0}")]
    Refused(String),
}

/// Where an agent works, and how it reports its metrics.
pub struct AgentSetup<'a> {
    /// The platform's base URL (its router, or the worker service for the built-in agent).
    pub url: &'a str,
    /// Where `/agent/v1/media/` is served when not at `url` (the built-in agent reaches the
    /// media service directly).
    pub media_url: Option<&'a str>,
    /// Its agent token.
    pub token: &'a str,
    /// The `[worker]` settings (driver, machine types, sandbox, GPUs).
    pub config: Arc<WorkerConfig>,
    /// Its metrics.
    pub metrics: AgentMetrics<'a>,
}

/// Where an agent's metrics go.
pub enum AgentMetrics<'a> {
    /// A registry of its own (`service="agent"`), served at this address when given.
    Own(Option<&'a str>),
    /// The metrics of the service it runs in (the built-in agent of the worker service).
    Shared(WorkerMetrics),
}

/// Runs the agent until `shutdown` fires (then it finishes or gives back its runs, as the
/// in-cluster worker does) or the platform refuses its token.
pub async fn run(setup: AgentSetup<'_>, shutdown: CancellationToken) -> Result<(), AgentError> {
    let AgentSetup {
        url,
        media_url,
        token,
        config,
        metrics,
    } = setup;
    let metrics = match metrics {
        AgentMetrics::Shared(metrics) => metrics,
        AgentMetrics::Own(listen) => own_metrics(listen, &shutdown).await?,
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(AgentError::Config(format!(
            "`{url}` is not the platform's URL (https://...)"
        )));
    }
    let instance = instance_id(&config);
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| AgentError::Config(e.to_string()))?;
    let link = AgentLink::new(http, url, media_url, token, &instance);
    let Some((driver, capacity)) = driver_and_capacity(&config).await else {
        return Err(AgentError::Driver);
    };
    let offer = protocol::Register {
        instance: instance.clone(),
        hostname: crate::drivers::local::local_node_name(),
        version: env!("CARGO_PKG_VERSION").into(),
        driver: driver.name().into(),
        sandbox: driver.sandbox(),
        slots: capacity
            .iter()
            .map(|(t, n)| (t.clone(), u32::try_from(*n).unwrap_or(u32::MAX)))
            .collect(),
        runtimes: crate::domain::runtimes::installed(&config.program_dirs, &config.runtimes)
            .into_iter()
            .collect(),
    };
    let registered = register(&link, offer, &shutdown).await?;
    let Some(registered) = registered else {
        return Ok(());
    };
    tracing::info!(worker = %registered.worker_id, url, ?capacity, "agent registered");
    let gpus = driver.gpus();
    let env = RunEnv {
        platform: Platform::Agent(link.clone()),
        config: config.clone(),
        metrics: metrics.clone(),
        worker_id: Arc::new(registered.worker_id.clone()),
        driver,
        cancels: CancelRegistry::default(),
    };
    let every = Duration::from_millis(registered.heartbeat_ms.max(100));
    let beats = tokio::spawn(link.clone().heartbeats(every));
    let cancels = tokio::spawn(link.clone().cancels());
    let gpus = gpus.map(|pool| {
        tokio::spawn(report_gpus(
            crate::liveness::GpuSink::Agent(link.clone()),
            metrics,
            pool,
        ))
    });
    // The token refused mid-way: stop claiming and wind down as on a shutdown.
    let refused = CancellationToken::new();
    let stopping = shutdown.child_token();
    let watch = {
        let (link, stopping, refused) = (link.clone(), stopping.clone(), refused.clone());
        tokio::spawn(async move {
            link.refused().await;
            refused.cancel();
            stopping.cancel();
        })
    };
    drive(
        env,
        &capacity,
        slots_of(&capacity),
        HashMap::new(),
        stopping,
    )
    .await;
    beats.abort();
    cancels.abort();
    watch.abort();
    if let Some(gpus) = gpus {
        gpus.abort();
    }
    if refused.is_cancelled() {
        return Err(AgentError::Refused(
            "its token is no longer accepted (revoked, or wrong): ask an operator for a new one"
                .into(),
        ));
    }
    if let Err(e) = link.stop().await {
        tracing::warn!(error = %e, "could not tell the platform this agent stopped");
    }
    tracing::info!("agent stopped");
    Ok(())
}

/// A registry of the agent's own, served at `/metrics` on `listen` when given.
async fn own_metrics(
    listen: Option<&str>,
    shutdown: &CancellationToken,
) -> Result<WorkerMetrics, AgentError> {
    let registry = mediamagic_kit::metrics::Metrics::new("agent")
        .map_err(|e| AgentError::Config(e.to_string()))?;
    let metrics =
        WorkerMetrics::new(&registry.registry).map_err(|e| AgentError::Config(e.to_string()))?;
    if let Some(address) = listen {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| AgentError::Config(format!("agent.metrics_listen `{address}`: {e}")))?;
        let app = axum::Router::new()
            .route(
                "/metrics",
                axum::routing::get(mediamagic_kit::metrics::metrics_handler),
            )
            .with_state(registry);
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ =
                mediamagic_kit::server::serve(listener, app, async move { stop.cancelled().await })
                    .await;
        });
    }
    Ok(metrics)
}

/// Registers, retrying with backoff while the platform cannot be reached; `None` when
/// `shutdown` fired first.
async fn register(
    link: &AgentLink,
    offer: protocol::Register,
    shutdown: &CancellationToken,
) -> Result<Option<protocol::Registered>, AgentError> {
    let mut pause = Duration::from_millis(500);
    loop {
        match link.register(offer.clone()).await {
            Ok(registered) => return Ok(Some(registered)),
            Err(AgentCallError::Refused {
                status, message, ..
            }) if status < 500 && status != 429 => {
                return Err(AgentError::Refused(message));
            }
            Err(e) => tracing::warn!(error = %e, "cannot register yet; trying again"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(None),
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

/// `raw` with what a name may not hold (anything but ASCII letters, digits, `.`, `_`, `-`)
/// replaced by `-`, cut to `max` characters.
pub(crate) fn name_characters(raw: &str, max: usize) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(max)
        .collect()
}

/// The process's instance id: `worker.id`, or `<host>-<pid>`, cut to what the protocol
/// takes.
fn instance_id(config: &WorkerConfig) -> String {
    let raw = config.id.clone().unwrap_or_else(|| {
        format!(
            "{}-{}",
            crate::drivers::local::local_node_name(),
            std::process::id()
        )
    });
    let clean = name_characters(&raw, 63);
    let clean = clean.trim_start_matches(['.', '_', '-']).to_owned();
    if AgentName::parse(&clean).is_ok() {
        clean
    } else {
        format!("agent-{}", std::process::id())
    }
}
