//! `mediamagic dev` as the README runs it: it comes up, answers `me` through the router,
//! stops on Ctrl-C, and a second run keeps the data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::dev::DevProcess;
use serde_json::{Value, json};

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
    let credentials = json!({"e": "dev-user@example.com", "p": "correct horse 1"});

    let dev = DevProcess::start(data.path()).await;
    let router_port = dev.router_port;
    assert!(
        dev.banner
            .iter()
            .any(|l| l.contains(&format!("http://127.0.0.1:{router_port}/graphql"))),
        "dev prints the GraphQL URL: {:?}",
        dev.banner
    );
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
    let ports = dev.ports();
    dev.stop().await;

    let dev = DevProcess::restart(data.path(), ports).await;
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
    dev.stop().await;
}
