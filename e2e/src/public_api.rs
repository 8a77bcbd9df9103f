//! Calls to a stack's public address by its base URL, as a client of `mediamagic dev` makes
//! them (the drill and the backup bench): GraphQL, sign-up and log-in, a PNG upload, and a
//! catalogue job waited for.

use crate::media::{graphql_multipart, png};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The password every account made here has.
pub const PASSWORD: &str = "correct horse 1";

/// POSTs a GraphQL request with `auth` (header, value); the whole answer.
pub async fn post(base: &str, auth: Option<(&str, &str)>, query: &str, variables: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some((header, value)) = auth {
        request = request.header(header, value);
    }
    request
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("an answer")
}

/// A GraphQL request with a bearer token that must succeed; its `data`.
pub async fn gql(base: &str, token: &str, query: &str, variables: Value) -> Value {
    let body = post(
        base,
        Some(("authorization", &format!("Bearer {token}"))),
        query,
        variables,
    )
    .await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// Signs up a fresh address; (session token, email).
pub async fn sign_up(base: &str, name: &str) -> (String, String) {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    let body = post(
        base,
        None,
        "mutation($e: String!, $p: String!, $n: String!) { signUp(input: {email: $e, password: $p, name: $n}) { token } }",
        json!({"e": email, "p": PASSWORD, "n": name}),
    )
    .await;
    (
        body["data"]["signUp"]["token"]
            .as_str()
            .expect("an answer")
            .to_owned(),
        email,
    )
}

/// Logs in; the whole answer (errors included).
pub async fn log_in(base: &str, email: &str) -> Value {
    post(
        base,
        None,
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { token } }",
        json!({"e": email, "p": PASSWORD}),
    )
    .await
}

/// Uploads a PNG named `name` by the GraphQL multipart request; the media id.
pub async fn upload(base: &str, token: &str, name: &str) -> String {
    let (content_type, body) = graphql_multipart(
        &json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id } }", "variables": {"f": null}}),
        &json!({"0": ["variables.f"]}),
        &[("0", name, "image/png", &png())],
    );
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("an answer");
    answer["data"]["uploadMedia"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("upload: {answer}"))
        .to_owned()
}

/// Resizes `media` with the catalogue's image-resize and waits for it; the job's id and its
/// outputs' ids.
pub async fn resize(base: &str, token: &str, media: &str) -> (String, Vec<String>) {
    let deployed = gql(
        base,
        token,
        "mutation($i: ID!) { createDeployment(input: {name: \"resize\", model: \"image-resize\", args: {image: $i, width: 16, height: 16}}) { job { id } } }",
        json!({"i": media}),
    )
    .await;
    let job = deployed["createDeployment"]["job"]["id"]
        .as_str()
        .expect("an answer")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let data = gql(
            base,
            token,
            "query($j: ID!) { job(id: $j) { status outputs { id } } }",
            json!({"j": job}),
        )
        .await;
        match data["job"]["status"].as_str().expect("an answer") {
            "SUCCEEDED" => {
                let outputs = data["job"]["outputs"]
                    .as_array()
                    .expect("an answer")
                    .iter()
                    .map(|o| o["id"].as_str().expect("an answer").to_owned())
                    .collect();
                return (job, outputs);
            }
            "FAILED" | "CANCELLED" => panic!("job {job}: {data}"),
            _ if Instant::now() > deadline => panic!("job {job} did not finish: {data}"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}
