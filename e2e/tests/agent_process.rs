//! `mediamagic agent` (#37): a worker process holding nothing but the platform's URL and an
//! agent token (no database URL, no Redis URL, no key) runs a real job through the router:
//! its plan and input from the claim, its program in the sandbox, its output registered
//! through the platform's media routes, its logs and end through the agent protocol. A
//! revoked token stops it with a clear error; a wrong one is refused at start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    agents::{AgentProcess, issue as issue_agent, worker_pool},
    jobs::{all_log_lines, deploy, script_model, upload, wait_for},
    media::mp3,
    rest::base,
    spawn_stack_with, workspace_binary,
};
use mediamagic_worker::commands::agents;
use serde_json::json;
use std::time::Duration;

/// A stack without an in-process worker, with quick heartbeats.
async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.worker.heartbeat_ms = 200;
        config.jobs.sweep_interval_ms = 100;
    })
    .await
}

async fn issue(stack: &TestStack, name: &str) -> String {
    issue_agent(stack, name, &["gpu"], None).await
}

/// `mediamagic agent` with one `gpu` slot, its metrics on `metrics_port`.
fn start_agent(url: &str, token: &str, metrics_port: u16) -> AgentProcess {
    AgentProcess::start(
        url,
        token,
        &format!("metrics_listen = \"127.0.0.1:{metrics_port}\""),
        "machine_types = { gpu = { slots = 1 } }",
    )
}

#[tokio::test]
async fn an_agent_with_only_a_url_and_a_token_runs_a_job_and_stops_when_revoked() {
    let stack = stack().await;
    let token = issue(&stack, "rack-1").await;
    let metrics_port = mediamagic_kit::local_services::free_port().unwrap();
    let mut agent = start_agent(&base(&stack), &token, metrics_port);

    let (owner, _, _) = stack.sign_up("owner").await;
    let model = script_model(
        &stack,
        &owner,
        "echo hello from the agent; cp \"$1\" out.mp3",
        "gpu",
        60,
    )
    .await;
    let input = upload(&stack, &owner, &mp3(), "in.mp3", "audio/mpeg").await;
    let job_id = deploy(
        &stack,
        &owner,
        json!({"model": model, "args": {"input": input}}),
    )
    .await;
    let done = wait_for(
        &stack,
        &owner,
        &job_id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    // The output went through the platform's media routes and is the input's copy.
    let output = stack
        .gql(
            Cred::Bearer(&owner),
            "query($id: ID!) { job(id: $id) { outputs { url jobId } } }",
            json!({"id": job_id}),
        )
        .await;
    let url = output
        .data("/job/outputs/0/url")
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), mp3().as_slice());
    let lines = all_log_lines(&stack, &owner, &job_id).await;
    assert!(
        lines.iter().any(|l| l.contains("hello from the agent")),
        "{lines:?}"
    );

    // The agent's own metrics: the run it made, by machine type.
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.lines().any(
            |l| l.starts_with("mediamagic_worker_job_duration_seconds_count")
                && l.contains("outcome=\"succeeded\"")
                && l.ends_with(" 1")
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("mediamagic_worker_slots{machine_type=\"gpu\",service=\"agent\"} 1"),
        "{metrics}"
    );

    // Revoked: the agent learns it on its next heartbeat and stops with a clear error.
    agents::revoke(&worker_pool(&stack), "rack-1")
        .await
        .unwrap();
    let (ok, said) = agent.exit(Duration::from_secs(30)).await;
    assert!(!ok, "{said}");
    assert!(said.contains("no longer accepted"), "{said}");

    // A wrong token is refused at once.
    let mut wrong = start_agent(
        &base(&stack),
        &format!("mmagent_{}", "0".repeat(64)),
        mediamagic_kit::local_services::free_port().unwrap(),
    );
    let (ok, said) = wrong.exit(Duration::from_secs(30)).await;
    assert!(!ok, "{said}");
    assert!(said.contains("live agent token"), "{said}");
}

/// `mediamagic doctor --role agent` with `url` and `token` and a worker offering
/// `machine_types`: whether it passed, and what it printed.
async fn doctor(url: &str, token: &str, machine_types: &str) -> (bool, String) {
    let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        file.path(),
        format!("[worker]\nmachine_types = {machine_types}\n"),
    )
    .unwrap();
    let out = tokio::process::Command::new(workspace_binary("mediamagic"))
        .arg("--config")
        .arg(file.path())
        .args(["doctor", "--role", "agent"])
        .env("MEDIAMAGIC_AGENT_URL", url)
        .env("MEDIAMAGIC_AGENT_TOKEN", token)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .output()
        .await
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[tokio::test]
async fn doctor_for_an_agent_checks_the_platform_takes_its_token_for_its_machine_types() {
    let stack = stack().await;
    let token = issue(&stack, "checked").await;
    let url = base(&stack);

    let (ok, said) = doctor(&url, &token, "{ gpu = { slots = 1 } }").await;
    assert!(ok, "{said}");
    assert!(said.contains("agent `checked`, may run gpu"), "{said}");
    assert!(said.contains("ready for mediamagic agent"), "{said}");
    assert!(
        !said.contains("postgres"),
        "an agent needs no database: {said}"
    );

    let (ok, said) = doctor(&url, &token, "{ cpu = { slots = 2 } }").await;
    assert!(!ok, "{said}");
    assert!(
        said.contains("may run only gpu, but worker.machine_types offers cpu"),
        "{said}"
    );

    let (ok, said) = doctor(
        &url,
        &format!("mmagent_{}", "1".repeat(64)),
        "{ gpu = { slots = 1 } }",
    )
    .await;
    assert!(!ok, "{said}");
    assert!(said.contains("refuses this token"), "{said}");
}
