//! `mediamagic doctor --role agent`: what an agent needs besides the sandbox: its GPUs as
//! it will offer them, and a platform that answers at its URL and takes its token for the
//! machine types it is configured to run.

use crate::{
    config::PlatformConfig,
    doctor::{Finding, Verdict, finding},
};
use mediamagic_worker::{
    agent_api::client::{AgentCallError, AgentClient},
    drivers::gpus::GpuPool,
};

/// The agent's own checks.
pub async fn check(config: &PlatformConfig) -> Vec<Finding> {
    vec![gpus(config).await, platform(config).await]
}

async fn gpus(config: &PlatformConfig) -> Finding {
    let gpus = &config.worker.gpus;
    match GpuPool::detect(gpus).await {
        Some(pool) => finding(
            "gpus",
            Verdict::Ok,
            format!(
                "{} slot(s) of `{}` from the host's GPUs",
                pool.slots(),
                pool.machine_type()
            ),
        ),
        None => finding(
            "gpus",
            Verdict::Ok,
            format!(
                "none found with `{}`; `{}` jobs run on its configured slots",
                gpus.nvidia_smi.display(),
                gpus.machine_type
            ),
        ),
    }
}

async fn platform(config: &PlatformConfig) -> Finding {
    let url = config
        .agent
        .url
        .clone()
        .or_else(|| std::env::var("MEDIAMAGIC_AGENT_URL").ok());
    let token = config
        .agent
        .token
        .as_ref()
        .map(|t| t.expose().clone())
        .or_else(|| std::env::var("MEDIAMAGIC_AGENT_TOKEN").ok());
    let (Some(url), Some(token)) = (url, token) else {
        return finding(
            "platform",
            Verdict::Fail,
            "set the platform's URL and the agent token (agent.url and agent.token, or \
             MEDIAMAGIC_AGENT_URL and MEDIAMAGIC_AGENT_TOKEN)",
        );
    };
    let client = AgentClient::new(reqwest::Client::new(), &url, &token, "doctor");
    match client.hello().await {
        Ok(agent) => {
            let wanted: Vec<&String> = config
                .worker
                .machine_types
                .iter()
                .filter(|(_, m)| m.slots > 0)
                .map(|(name, _)| name)
                .filter(|name| !agent.machine_types.contains(name))
                .collect();
            if wanted.is_empty() {
                finding(
                    "platform",
                    Verdict::Ok,
                    format!(
                        "{url} takes this token: agent `{}`, may run {}",
                        agent.name,
                        agent.machine_types.join(", ")
                    ),
                )
            } else {
                finding(
                    "platform",
                    Verdict::Fail,
                    format!(
                        "agent `{}` may run only {}, but worker.machine_types offers {}: \
                         remove them here or issue a token for them",
                        agent.name,
                        agent.machine_types.join(", "),
                        wanted
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
        }
        Err(AgentCallError::Refused { status: 401, .. }) => finding(
            "platform",
            Verdict::Fail,
            format!("{url} refuses this token (wrong or revoked): ask an operator for a new one"),
        ),
        Err(e) => finding(
            "platform",
            Verdict::Fail,
            format!("{url} does not answer the agent protocol: {e}"),
        ),
    }
}
