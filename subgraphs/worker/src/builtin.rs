//! The worker inside the worker service (`mediamagic dev`, and a worker service with
//! `worker.enabled`): an agent like any other, speaking the agent protocol to its own
//! service over loopback, so the one code path every agent takes is the one every local run
//! and test takes. Its token is made for the process and never leaves it; its agent is
//! named after the host and the service's port, so a restart reuses the same agent.

use crate::{
    WorkerDeps,
    agent::{self, AgentMetrics, AgentSetup},
    commands::agents::{self, NewAgent},
    domain::agent_token::{AgentName, AgentToken},
};
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;

/// Runs the built-in agent against the worker service listening at `addr` until
/// `shutdown` fires.
pub async fn run(deps: WorkerDeps, addr: SocketAddr, shutdown: CancellationToken) {
    let token = AgentToken::generate();
    let name = agent_name(addr.port());
    let mut machine_types: Vec<String> = deps
        .config
        .machine_types
        .iter()
        .filter(|(_, m)| m.slots > 0)
        .map(|(name, _)| name.clone())
        .collect();
    // A GPU host offers the GPU machine type on its cards even without configured slots.
    if deps.config.gpus.detect {
        machine_types.push(deps.config.gpus.machine_type.clone());
    }
    let provided = agents::provide(
        &deps.pool,
        NewAgent {
            name: name.clone(),
            machine_types,
            site: Some("built in".into()),
        },
        token.reveal(),
    )
    .await;
    if let Err(e) = provided {
        tracing::error!(agent = %name, error = %e.message(), "the built-in worker could not be made an agent; it will not run jobs");
        return;
    }
    let url = format!("http://{}", loopback(addr));
    // The media routes for agents (`/agent/v1/media/`) are the media service's own.
    let media = deps.media_url.trim_end_matches("/graphql").to_owned();
    let setup = AgentSetup {
        url: &url,
        media_url: Some(&media),
        token: token.reveal(),
        config: deps.config.clone(),
        metrics: AgentMetrics::Shared(deps.metrics.clone()),
    };
    // The queue's depth for the metrics (an agent elsewhere has no database to read it).
    let queue = tokio::spawn(crate::liveness::report_queue(deps.clone()));
    if let Err(e) = agent::run(setup, shutdown).await {
        tracing::error!(agent = %name, error = %e, "the built-in worker stopped");
    }
    queue.abort();
}

/// `built-in-<host>-<port>`, within what an agent name may hold.
fn agent_name(port: u16) -> String {
    let host = crate::agent::name_characters(&crate::drivers::local::local_node_name(), 40);
    let name = format!("built-in-{host}-{port}");
    if AgentName::parse(&name).is_ok() {
        name
    } else {
        format!("built-in-{port}")
    }
}

/// Where this machine reaches a service listening on `addr` (a wildcard address is reached
/// on loopback).
fn loopback(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], v4.port()))
        }
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, v6.port()))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_is_reached_on_loopback() {
        assert_eq!(
            loopback("0.0.0.0:4005".parse().unwrap()).to_string(),
            "127.0.0.1:4005"
        );
        assert_eq!(
            loopback("[::]:4005".parse().unwrap()).to_string(),
            "[::1]:4005"
        );
        assert_eq!(
            loopback("10.0.0.7:4005".parse().unwrap()).to_string(),
            "10.0.0.7:4005"
        );
    }

    #[test]
    fn the_agent_name_is_a_valid_name_for_any_port() {
        assert!(AgentName::parse(&agent_name(4005)).is_ok());
        assert!(AgentName::parse(&agent_name(65535)).is_ok());
    }
}
