//! The agents' chart (`charts/mediamagic-agent`), checked without a cluster: it lints, its
//! manifests validate against the Kubernetes schemas for both drivers, the agent's pod holds
//! only its token (no database URL, Redis URL or platform key), its Role reaches only Jobs in
//! its jobs namespace, and the config file it renders starts a real agent that registers
//! with a real platform.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    agents::{issue, worker_pool},
    k8s::{self, named, of_kind},
    rest::base,
    spawn_stack, workspace_binary,
};
use mediamagic_worker::commands::agents;
use serde_json::Value;
use std::time::{Duration, Instant};

fn chart() -> String {
    k8s::repo_root()
        .join("charts/mediamagic-agent")
        .display()
        .to_string()
}

fn render(sets: &[&str]) -> Result<(String, Vec<Value>), String> {
    let chart = chart();
    let mut args = vec!["template", "rack", chart.as_str(), "--namespace", "gpus"];
    for set in sets {
        args.extend(["--set", set]);
    }
    let text = k8s::run_helm(&args)?;
    Ok((text.clone(), k8s::documents(&text)?))
}

fn config_of(documents: &[Value]) -> Value {
    let map = named(documents, "ConfigMap", "rack-agent");
    serde_yaml::from_str(map["data"]["agent.yaml"].as_str().unwrap()).unwrap()
}

#[test]
fn the_agent_chart_renders_a_pod_holding_only_its_token_for_either_driver() {
    let chart = chart();
    k8s::run_helm(&[
        "lint",
        chart.as_str(),
        "--set",
        "url=https://media.example.com",
    ])
    .expect("helm lint");
    let missing = render(&[]).unwrap_err();
    assert!(missing.contains("url"), "{missing}");

    let (text, documents) = render(&["url=https://media.example.com"]).unwrap();
    assert!(k8s::validate(&text).unwrap().is_empty());
    let deployment = named(&documents, "Deployment", "rack-agent");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["args"][2], "agent");
    let env = container["env"].as_array().unwrap();
    assert_eq!(env.len(), 1, "only the token: {env:?}");
    assert_eq!(env[0]["name"], "MEDIAMAGIC_AGENT_TOKEN");
    assert_eq!(
        env[0]["valueFrom"]["secretKeyRef"]["name"],
        "mediamagic-agent"
    );
    assert_eq!(container["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["automountServiceAccountToken"], true);
    let config = config_of(&documents);
    assert_eq!(config["agent"]["url"], "https://media.example.com");
    assert_eq!(config["worker"]["driver"], "kubernetes");
    assert_eq!(
        config["worker"]["kubernetes"]["namespace"],
        "mediamagic-agent-jobs"
    );
    assert_eq!(
        config["worker"]["machine_types"]["gpu"]["resources"]["nvidia.com/gpu"],
        "1"
    );
    for forbidden in ["database", "redis", "auth"] {
        assert!(config.get(forbidden).is_none(), "{forbidden} in {config}");
    }
    let role = named(&documents, "Role", "rack-agent");
    assert_eq!(role["metadata"]["namespace"], "mediamagic-agent-jobs");
    let resources: Vec<&str> = role["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
        })
        .collect();
    assert_eq!(resources, ["jobs", "pods", "pods/log"]);

    let (text, documents) = render(&["url=https://media.example.com", "driver=local"]).unwrap();
    assert!(k8s::validate(&text).unwrap().is_empty());
    let pod = &named(&documents, "Deployment", "rack-agent")["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["containers"][0]["securityContext"]["privileged"], true);
    assert!(
        of_kind(&documents, "Role").is_empty(),
        "no API access for the local driver"
    );

    let wrong = render(&["url=https://media.example.com", "driver=docker"]).unwrap_err();
    assert!(wrong.contains("driver"), "{wrong}");
}

#[tokio::test]
async fn the_config_the_chart_renders_starts_an_agent_that_registers() {
    let stack = spawn_stack().await;
    let pool = worker_pool(&stack);
    let token = issue(&stack, "charted", &["gpu"], None).await;
    let url = base(&stack);
    let (_, documents) = render(&[&format!("url={url}"), "driver=local"]).unwrap();
    let map = named(&documents, "ConfigMap", "rack-agent");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agent.yaml");
    std::fs::write(&file, map["data"]["agent.yaml"].as_str().unwrap()).unwrap();
    let mut child = tokio::process::Command::new(workspace_binary("mediamagic"))
        .arg("--config")
        .arg(&file)
        .arg("agent")
        .env("MEDIAMAGIC_AGENT_TOKEN", &token)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = agents::list(&pool).await.unwrap();
        if listed[0].version.is_some() {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the agent exited");
        assert!(Instant::now() < deadline, "the agent never registered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().await.unwrap();
}
