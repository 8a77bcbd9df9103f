//! Web apps' standard subscription client through the router: graphql-ws (npm, as Apollo
//! Client and urql use it) sends its credential in `connection_init`. The router checks it
//! as strictly as HTTP headers (at `connection_init` and again on every `subscribe`), swaps it
//! for an internal token, and caps the subscriptions one connection may hold.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{deploy, upload},
    js_clients::GraphqlWsClient,
    media::mp4,
    spawn_stack,
    subscriptions::{WsConnection, WsInit},
};
use serde_json::{Value, json};

const JOB_UPDATED: &str = "subscription($id: ID!) { jobUpdated(id: $id) { id status } }";

fn ws_url(stack: &TestStack, router: usize) -> String {
    stack.router_url(router).replace("http://", "ws://")
}

/// A queued job of the caller (no worker runs in these stacks, so it waits).
async fn queued_job(stack: &TestStack, token: &str) -> String {
    let video = upload(stack, token, &mp4(), "clip.mp4", "video/mp4").await;
    deploy(
        stack,
        token,
        json!({"model": "audio-extract", "args": {"video": video}}),
    )
    .await
}

async fn cancel(stack: &TestStack, token: &str, job: &str) {
    let cancelled = stack
        .gql(
            Cred::Bearer(token),
            "mutation($id: ID!) { cancelJob(id: $id) { status } }",
            json!({"id": job}),
        )
        .await;
    assert_eq!(cancelled.data("/cancelJob/status"), "CANCELLED");
}

async fn log_out(stack: &TestStack, token: &str) {
    let out = stack
        .gql(Cred::Bearer(token), "mutation { logOut }", json!({}))
        .await;
    assert!(out.body["errors"].is_null(), "{}", out.body);
}

fn status(event: &Value) -> &str {
    event["payload"]["data"]["jobUpdated"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("not a job update: {event}"))
}

/// Waits for the client's first job update (the subscription is then live).
async fn first_update(client: &mut GraphqlWsClient) -> Value {
    loop {
        let event = client.event().await.expect("an event before exit");
        match event["event"].as_str() {
            Some("connected") => continue,
            Some("next") => return event,
            _ => panic!("expected a job update, got {event}"),
        }
    }
}

#[tokio::test]
async fn a_graphql_ws_client_with_a_bearer_token_in_connection_params_follows_a_job() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("wsbearer").await;
    let job = queued_job(&stack, &token).await;

    let mut client = GraphqlWsClient::start(
        &ws_url(&stack, 0),
        &json!({"Authorization": format!("Bearer {token}")}),
        JOB_UPDATED,
        &json!({"id": job}),
    );
    let first = first_update(&mut client).await;
    cancel(&stack, &token, &job).await;
    let (rest, exit) = client.finish().await;

    assert_eq!(status(&first), "QUEUED");
    assert_eq!(first["payload"]["data"]["jobUpdated"]["id"], job);
    assert_eq!(status(&rest[0]), "CANCELLED", "{rest:?}");
    assert_eq!(rest[1]["event"], "complete", "{rest:?}");
    assert_eq!(exit, 0);
}

#[tokio::test]
async fn a_graphql_ws_client_with_an_api_key_in_any_letter_case_follows_a_job() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("wskey").await;
    let (key, _) = stack.create_key(&token, None).await;
    let job = queued_job(&stack, &token).await;

    // Nested under `headers`, mixed case: both are how clients send headers.
    let mut client = GraphqlWsClient::start(
        &ws_url(&stack, 0),
        &json!({"headers": {"X-MediaMagic-Key": key}}),
        JOB_UPDATED,
        &json!({"id": job}),
    );
    let first = first_update(&mut client).await;
    cancel(&stack, &token, &job).await;
    let (rest, exit) = client.finish().await;

    assert_eq!(status(&first), "QUEUED");
    assert_eq!(status(&rest[0]), "CANCELLED", "{rest:?}");
    assert_eq!(exit, 0);
}

#[tokio::test]
async fn a_logged_out_token_is_refused_at_connection_init() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("wsrevoked").await;
    let job = queued_job(&stack, &token).await;
    log_out(&stack, &token).await;

    let client = GraphqlWsClient::start(
        &ws_url(&stack, 0),
        &json!({"authorization": format!("bearer {token}")}),
        JOB_UPDATED,
        &json!({"id": job}),
    );
    let (events, exit) = client.finish().await;

    assert!(
        events.iter().all(|e| e["event"] != "connected"),
        "acknowledged: {events:?}"
    );
    let closed = events
        .iter()
        .find(|e| e["event"] == "closed")
        .unwrap_or_else(|| panic!("no close: {events:?}"));
    assert_eq!(closed["code"], 4403, "{events:?}");
    assert!(
        closed["reason"].as_str().unwrap().contains("revoked"),
        "{closed}"
    );
    assert_ne!(exit, 0);
}

#[tokio::test]
async fn a_revoked_api_key_and_a_forged_token_are_refused_at_connection_init() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("wsforged").await;
    let (key, key_id) = stack.create_key(&token, None).await;
    let revoked = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": key_id}),
        )
        .await;
    assert!(revoked.body["errors"].is_null(), "{}", revoked.body);
    let url = ws_url(&stack, 0);

    let with_key = WsConnection::open(&url, json!({"x-mediamagic-key": key})).await;
    let forged = WsConnection::open(&url, json!({"Authorization": "Bearer not-a-token"})).await;

    for (case, init) in [("revoked key", with_key), ("forged token", forged)] {
        match init {
            WsInit::Closed(code, _) => assert_eq!(code, 4403, "{case}"),
            WsInit::Acknowledged(_) => panic!("{case}: the connection was acknowledged"),
        }
    }
}

#[tokio::test]
async fn a_token_logged_out_on_an_open_connection_cannot_subscribe_again() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("wsrecheck").await;
    let job = queued_job(&stack, &token).await;
    let WsInit::Acknowledged(mut connection) = WsConnection::open(
        &ws_url(&stack, 0),
        json!({"Authorization": format!("Bearer {token}")}),
    )
    .await
    else {
        panic!("a live token is acknowledged");
    };
    connection
        .subscribe("before", JOB_UPDATED, json!({"id": job}))
        .await;
    let before = connection.message().await.expect("an update");
    assert_eq!(before["type"], "next", "{before}");
    connection.complete("before").await;

    log_out(&stack, &token).await;
    connection
        .subscribe("after", JOB_UPDATED, json!({"id": job}))
        .await;
    let after = connection.message().await.expect("an answer");

    assert_eq!(after["type"], "error", "{after}");
    assert_eq!(after["id"], "after");
    assert_eq!(after["payload"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn one_connection_holds_at_most_the_configured_subscriptions() {
    let mut stack = spawn_stack().await;
    let config = mediamagic::router_process::DEV_CONFIG.replace(
        "  mediamagic_auth:\n    enabled: true\n    config: {}",
        "  mediamagic_auth:\n    enabled: true\n    config: { max_subscriptions_per_connection: 3 }",
    );
    assert_ne!(config, mediamagic::router_process::DEV_CONFIG);
    let router = stack.add_router_with(&config).await;
    let (token, _, _) = stack.sign_up("wscap").await;
    let job = queued_job(&stack, &token).await;
    let WsInit::Acknowledged(mut connection) = WsConnection::open(
        &ws_url(&stack, router),
        json!({"Authorization": format!("Bearer {token}")}),
    )
    .await
    else {
        panic!("acknowledged");
    };
    for id in ["1", "2", "3"] {
        connection
            .subscribe(id, JOB_UPDATED, json!({"id": job}))
            .await;
        assert_eq!(connection.message().await.unwrap()["type"], "next");
    }

    connection
        .subscribe("4", JOB_UPDATED, json!({"id": job}))
        .await;
    let fourth = connection.message().await.unwrap();
    connection.complete("1").await;
    // Completing is asynchronous on the router's side; the next subscribe may race it.
    let mut fifth = Value::Null;
    for attempt in 0..20 {
        let id = format!("5-{attempt}");
        connection
            .subscribe(&id, JOB_UPDATED, json!({"id": job}))
            .await;
        fifth = connection.message().await.unwrap();
        if fifth["type"] == "next" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    assert_eq!(fourth["type"], "error", "{fourth}");
    assert_eq!(fourth["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(
        fifth["type"], "next",
        "a slot frees up when one completes: {fifth}"
    );
}
