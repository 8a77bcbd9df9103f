//! Helpers for tests and benchmarks that run jobs through the router: uploads by the GraphQL
//! multipart spec, deployments, waiting for a job's status, and models that run a shell
//! script (for progress, failures, long runs).

use crate::{Cred, GqlResponse, TestStack, media::graphql_multipart};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The job fields the helpers read.
pub const JOB_FIELDS: &str = "id status progress message attempts cancelRequested \
    error { code message } outputs { id name contentType jobId }";

/// Sends `operations` (a GraphQL request whose variable `f` is the file) through the router
/// as a GraphQL multipart request carrying `bytes` as that file; returns the JSON answer.
pub async fn post_upload(
    stack: &TestStack,
    token: &str,
    operations: Value,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Value {
    let (multipart_type, body) = graphql_multipart(
        &operations,
        &json!({"0": ["variables.f"]}),
        &[("0", name, content_type, bytes)],
    );
    reqwest::Client::new()
        .post(stack.router_url(0))
        .bearer_auth(token)
        .header("content-type", multipart_type)
        // Browsers' CSRF guard: a multipart form needs this header to be taken.
        .header("apollo-require-preflight", "true")
        .body(body)
        .send()
        .await
        .expect("upload request")
        .json()
        .await
        .expect("upload response")
}

/// Uploads `bytes` through the router with `uploadMedia`; returns the media id.
pub async fn upload(
    stack: &TestStack,
    token: &str,
    bytes: &[u8],
    name: &str,
    content_type: &str,
) -> String {
    let operations = json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id } }", "variables": {"f": null}});
    let response = post_upload(stack, token, operations, name, content_type, bytes).await;
    response["data"]["uploadMedia"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("upload failed: {response}"))
        .to_owned()
}

/// Deploys `input` (a `CreateDeploymentInput`); returns the job id.
pub async fn deploy(stack: &TestStack, token: &str, input: Value) -> String {
    let created: GqlResponse = stack
        .gql(
            Cred::Bearer(token),
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { job { id } } }",
            json!({"i": input}),
        )
        .await;
    created
        .data("/createDeployment/job/id")
        .as_str()
        .unwrap_or_else(|| panic!("deployment failed: {}", created.body))
        .to_owned()
}

/// The job's state (with `extra` fields selected too).
pub async fn job(stack: &TestStack, token: &str, id: &str, extra: &str) -> Value {
    let response = stack
        .gql(
            Cred::Bearer(token),
            &format!("query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} {extra} }} }}"),
            json!({"id": id}),
        )
        .await;
    assert!(response.body["errors"].is_null(), "{}", response.body);
    response.body["data"]["job"].clone()
}

/// Polls the job until its status is one of `statuses` (panics after `within`).
pub async fn wait_for(
    stack: &TestStack,
    token: &str,
    id: &str,
    statuses: &[&str],
    within: Duration,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let state = job(stack, token, id, "").await;
        if statuses.iter().any(|s| state["status"] == *s) {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} not in {statuses:?} after {within:?}: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates a private model running `sh -c <script> sh <input>` on machine type
/// `machine_type`, with an `input` audio file argument and `out.mp3` as its output; returns
/// its id.
pub async fn script_model(
    stack: &TestStack,
    token: &str,
    script: &str,
    machine_type: &str,
    timeout_seconds: i32,
) -> String {
    script_model_with(
        stack,
        token,
        script,
        timeout_seconds,
        json!({"machineType": machine_type}),
    )
    .await
}

/// Callbacks a [`receiver`] got: headers and body of each POST.
pub type Received = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A callback receiver on loopback that answers 500 `failures` times, then 200; its URL
/// and what it received.
pub async fn receiver(failures: usize) -> (String, Received) {
    let received: Received = Received::default();
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().expect("lock");
                seen.push((headers, body));
                if seen.len() <= failures {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// Every log line of a job, oldest first (all pages).
pub async fn all_log_lines(stack: &TestStack, token: &str, id: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let response = stack
            .gql(
                Cred::Bearer(token),
                "query($id: ID!, $after: String) { job(id: $id) { \
                 logs(after: $after, limit: 1000) { lines { line } endCursor hasMore } } }",
                json!({"id": id, "after": after}),
            )
            .await;
        let page = &response.body["data"]["job"]["logs"];
        assert!(page.is_object(), "{}", response.body);
        for line in page["lines"].as_array().into_iter().flatten() {
            lines.push(line["line"].as_str().unwrap_or_default().to_owned());
        }
        if page["hasMore"] != true {
            return lines;
        }
        after = page["endCursor"].as_str().map(str::to_owned);
    }
}

/// Host pids of the processes whose command line contains `marker` (a sandboxed job's own
/// `$$` is a pid of its namespace, so tests find its processes by what they run).
pub fn processes_running(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(marker).then_some(pid)
        })
        .collect()
}

/// Creates a private model like [`script_model`] with extra definition fields (`limits`,
/// `network`, ...) merged into its input; returns its id.
pub async fn script_model_with(
    stack: &TestStack,
    token: &str,
    script: &str,
    timeout_seconds: i32,
    extra: Value,
) -> String {
    let mut input = json!({
        "name": "script",
        "container": "debian:bookworm-slim",
        "command": "sh -c {script} sh {input}",
        "machineType": "cpu",
        "timeoutSeconds": timeout_seconds,
        "args": {
            "script": {"type": "string", "default": script},
            "input": {"type": "file", "kinds": ["audio"]},
        },
        "outputs": [{"pattern": "out.mp3", "contentType": "audio/mpeg"}],
    });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let created = stack
        .gql(
            Cred::Bearer(token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": input}),
        )
        .await;
    created
        .data("/createModel/id")
        .as_str()
        .unwrap_or_else(|| panic!("{}", created.body))
        .to_owned()
}
