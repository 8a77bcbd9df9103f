//! `mediamagic dev` as the README runs it: it comes up, answers `me` through the router,
//! stops on Ctrl-C, and a second run keeps the data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::workspace_binary;
use mediamagic_kit::local_services::free_port;
use serde_json::{Value, json};
use std::{process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

struct Dev {
    child: Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

async fn start_dev(data_dir: &std::path::Path, router_port: u16, accounts_port: u16) -> Dev {
    let mut child = Command::new(workspace_binary("mediamagic"))
        .arg("dev")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("MEDIAMAGIC__DEV__DATA_DIR", data_dir)
        .env("MEDIAMAGIC__LISTEN__ROUTER_PORT", router_port.to_string())
        .env(
            "MEDIAMAGIC__LISTEN__ACCOUNTS_PORT",
            accounts_port.to_string(),
        )
        .env("MEDIAMAGIC__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("mediamagic dev starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(120), async {
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            if line == "ready" {
                return seen;
            }
            seen.push(line);
        }
        panic!("dev exited before it was ready: {seen:?}");
    })
    .await
    .expect("dev is ready within 120 s");
    assert!(
        ready
            .iter()
            .any(|l| l.contains(&format!("http://127.0.0.1:{router_port}/graphql"))),
        "dev prints the GraphQL URL: {ready:?}"
    );
    Dev { child, lines }
}

async fn stop_dev(mut dev: Dev) {
    let pid = dev.child.id().unwrap().to_string();
    Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(60), dev.child.wait())
        .await
        .expect("dev stops within 60 s of Ctrl-C")
        .unwrap();
    assert!(status.success(), "dev exits cleanly: {status}");
    let mut rest = Vec::new();
    while let Ok(Some(line)) = dev.lines.next_line().await {
        rest.push(line);
    }
    assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
}

async fn gql(port: u16, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn dev_runs_the_stack_and_a_second_run_keeps_the_account() {
    let data = tempfile::tempdir().unwrap();
    let (router_port, accounts_port) = (free_port().unwrap(), free_port().unwrap());
    let credentials = json!({"e": "dev-user@example.com", "p": "correct horse 1"});

    let dev = start_dev(data.path(), router_port, accounts_port).await;
    let signed_up = gql(
        router_port,
        None,
        "mutation($e: String!, $p: String!) { signUp(input: {email: $e, password: $p, name: \"Dev\"}) { token user { id } } }",
        credentials.clone(),
    )
    .await;
    let token = signed_up["data"]["signUp"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let user_id = signed_up["data"]["signUp"]["user"]["id"].clone();
    let me = gql(router_port, Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(me["data"]["me"]["id"], user_id);
    stop_dev(dev).await;

    let dev = start_dev(data.path(), router_port, accounts_port).await;
    // The session from the first run is still valid (same keys, same database)...
    let me = gql(router_port, Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(me["data"]["me"]["id"], user_id, "{me}");
    // ...and the account can log in again.
    let logged_in = gql(
        router_port,
        None,
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { user { id } } }",
        credentials,
    )
    .await;
    assert_eq!(
        logged_in["data"]["logIn"]["user"]["id"], user_id,
        "{logged_in}"
    );
    stop_dev(dev).await;
}
