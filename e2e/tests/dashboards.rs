//! The chart's Grafana dashboards query only metrics the running stack exports: after some
//! traffic (requests, an upload, a job with a callback), every metric name in every panel's
//! query is in the `/metrics` output of the router or of a service. And the router's metrics
//! never carry a client-chosen operation name as a label value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred,
    jobs::{deploy, receiver, script_model, upload, wait_for},
    k8s::chart_dir,
    media::mp3,
    spawn_stack_with,
};
use serde_json::{Value, json};
use std::{collections::BTreeSet, time::Duration};

/// Metric names in a PromQL expression (ours and the router's), histogram suffixes kept.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut word = String::new();
    for c in expr.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
            continue;
        }
        let is_metric = [
            "mediamagic_",
            "hive_router_",
            "http_server_",
            "http_client_",
        ]
        .iter()
        .any(|p| word.starts_with(p));
        // A label name inside `{...}` or `by (...)` is not followed by `{`/`[`; metric names
        // here always are, or end the selector.
        if is_metric && matches!(c, '{' | '[' | ')' | ' ') {
            names.push(std::mem::take(&mut word));
        } else {
            word.clear();
        }
    }
    names
}

fn dashboard_queries() -> Vec<(String, String)> {
    let dir = chart_dir().join("files/dashboards");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                out.push((
                    panel["title"].as_str().unwrap_or("").to_owned(),
                    target["expr"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    out
}

async fn exported(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn every_metric_the_dashboards_query_is_exported_by_the_running_stack() {
    // Arrange: a stack with a worker, and some of everything.
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.jobs.allow_private_callbacks = true;
    })
    .await;
    let (token, _, _) = stack.sign_up("watcher").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let model = script_model(&stack, &token, "cp \"$1\" out.mp3", "cpu", 60).await;
    let (hook, _) = receiver(0).await;
    let job = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}, "callbackUrl": hook}),
    )
    .await;
    wait_for(
        &stack,
        &token,
        &job,
        &["SUCCEEDED"],
        Duration::from_secs(60),
    )
    .await;
    // A client-chosen operation name, which must not become a router label value.
    let evil = "EvilOperationName1234567";
    stack
        .gql(
            Cred::Bearer(&token),
            &format!("query {evil} {{ me {{ email }} }}"),
            json!({}),
        )
        .await;
    // A GraphQL error (the router counts them by code).
    stack.gql(Cred::None, "{ me { email } }", json!({})).await;
    // The queue gauge is sampled by the worker every few seconds.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Act: every /metrics of the stack.
    let router = stack.router_url(0).replace("/graphql", "/metrics");
    let mut text = exported(&router).await;
    for service in ["accounts", "models", "media", "jobs", "worker", "billing"] {
        let url = stack.subgraph_url(service).replace("/graphql", "/metrics");
        text.push_str(&exported(&url).await);
    }
    let available: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();

    // Assert: every name a dashboard queries is there.
    let queries = dashboard_queries();
    let mut used = BTreeSet::new();
    let mut missing = Vec::new();
    for (panel, expr) in &queries {
        for name in metric_names(expr) {
            if !available.contains(name.as_str()) {
                missing.push(format!("{panel}: {name}"));
            }
            used.insert(name);
        }
    }
    assert!(used.len() >= 15, "the dashboards query {used:?}");
    assert!(
        missing.is_empty(),
        "not exported: {missing:#?}\navailable: {available:#?}"
    );
    assert!(
        !text.contains(evil),
        "a client's operation name became a label value"
    );
    assert!(text.contains("http_server_request_duration_seconds_count{"));
    assert!(!text.contains("graphql_operation_name="), "{text}");
}

#[test]
fn metric_names_are_read_from_queries() {
    assert_eq!(
        metric_names(
            "histogram_quantile(0.95, sum by (service, le) (rate(mediamagic_http_request_duration_seconds_bucket[5m])))"
        ),
        ["mediamagic_http_request_duration_seconds_bucket"]
    );
    assert_eq!(
        metric_names(
            "sum by (event) (rate(mediamagic_callback_deliveries_total{outcome=\"failed\"}[5m]))"
        ),
        ["mediamagic_callback_deliveries_total"]
    );
    assert_eq!(
        metric_names("max by (service) (mediamagic_redis_degraded)"),
        ["mediamagic_redis_degraded"]
    );
}
