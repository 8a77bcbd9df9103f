//! What every service gets from the kit: probes, metrics, request ids, clean errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{Cred, spawn_stack};
use serde_json::json;

#[tokio::test]
async fn probes_answer_when_the_database_is_migrated() {
    let stack = spawn_stack().await;
    let base = format!("http://{}", stack.accounts_addr);
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );
}

#[tokio::test]
async fn metrics_count_http_requests_by_route_and_graphql_operations_by_root_field() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("mia").await;
    stack
        .gql(
            Cred::Bearer(&token),
            "query WhoAmI { me { id } }",
            json!({}),
        )
        .await;
    stack
        .gql(Cred::None, "query WhoAmI { me { id } }", json!({}))
        .await;
    // Client-chosen names never become label values (each would be a new series).
    for n in 0..5 {
        stack
            .gql(
                Cred::Bearer(&token),
                &format!(
                    "query Unbounded{n}{} {{ me {{ id }} }}",
                    uuid::Uuid::new_v4().simple()
                ),
                json!({}),
            )
            .await;
    }

    let metrics = reqwest::get(format!("http://{}/metrics", stack.accounts_addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let has = |needle: &str| metrics.lines().any(|l| l.contains(needle));
    assert!(
        has(
            r#"mediamagic_graphql_operations_total{operation="me",outcome="ok",service="accounts"} 6"#
        ),
        "{metrics}"
    );
    assert!(
        has(
            r#"mediamagic_graphql_operations_total{operation="me",outcome="error",service="accounts"} 1"#
        ),
        "{metrics}"
    );
    assert!(!metrics.contains("Unbounded"), "{metrics}");
    assert!(
        has(
            r#"mediamagic_http_requests_total{method="POST",route="/graphql",status="200",service="accounts"}"#
        ),
        "{metrics}"
    );
    assert!(
        has("mediamagic_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_request_id_is_echoed_or_generated() {
    let stack = spawn_stack().await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/healthz", stack.accounts_addr);
    let echoed = client
        .get(&url)
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    let generated = client.get(&url).send().await.unwrap();
    assert_eq!(generated.headers()["x-request-id"].len(), 36);
}

#[tokio::test]
async fn too_deep_queries_are_refused_by_the_router() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("nico").await;
    let deep = format!(
        "{{ me {} id {} }}",
        "{ teams { team { members { user ".repeat(3),
        "} } } }".repeat(3)
    );
    let response = stack.gql(Cred::Bearer(&token), &deep, json!({})).await;
    assert!(response.body["errors"].is_array(), "{}", response.body);
    assert!(response.body["data"].is_null(), "{}", response.body);
}
