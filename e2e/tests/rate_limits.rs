//! Request budgets through the real router (`mediamagic_rate_limit`): per credential, per
//! account, per client address, mutations, log-ins and uploads on their own budgets, shared
//! by router instances through Redis, and a local limiter while Redis is away. Each test
//! starts a router with tight budgets; the stack's default router keeps dev's wide ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic::router_process::DEV_CONFIG;
use mediamagic_e2e::{TestStack, spawn_stack};
use serde_json::{Value, json};

const ME: &str = "{ me { id } }";

/// dev.yaml with its rate-limit plugin config replaced by `config` (YAML under `config:`,
/// indented by six spaces).
fn router_config(config: &str) -> String {
    let start = DEV_CONFIG
        .find("  mediamagic_rate_limit:")
        .expect("dev.yaml configures the rate limiter");
    let end = start
        + DEV_CONFIG[start..]
            .find("\n  # Routes served by a service")
            .expect("the forward plugin follows");
    format!(
        "{}  mediamagic_rate_limit:\n    enabled: true\n    config:\n{config}\n{}",
        &DEV_CONFIG[..start],
        &DEV_CONFIG[end + 1..]
    )
}

/// A budget no test reaches.
const WIDE: &str = "{ per_minute: 600000, burst: 10000 }";

/// A budget of `per_minute` with `burst`, as YAML.
fn rate(per_minute: u32, burst: u32) -> String {
    format!("{{ per_minute: {per_minute}, burst: {burst} }}")
}

/// One set of budgets (requests, mutations, uploads), as YAML.
fn budgets(requests: &str, mutations: &str, uploads: &str) -> String {
    format!("{{ requests: {requests}, mutations: {mutations}, uploads: {uploads} }}")
}

/// The budgets of account `kind` (`user` or `team`): its account's and its credentials'.
fn kind_limits(kind: &str, account: &str, credential: &str) -> String {
    format!("      {kind}:\n        account: {account}\n        credential: {credential}\n")
}

/// User budgets, the others wide.
fn user(account: &str, credential: &str) -> String {
    kind_limits("user", account, credential)
}

/// Budgets far out of the way, except those `lines` names (YAML lines for `config:`).
fn tight(lines: &str) -> String {
    let wide = budgets(WIDE, WIDE, WIDE);
    let mut config = String::new();
    for (key, default) in [
        ("user", kind_limits("user", &wide, &wide)),
        ("team", kind_limits("team", &wide, &wide)),
        ("anonymous", format!("      anonymous: {WIDE}\n")),
        ("agents", format!("      agents: {WIDE}\n")),
        (
            "log_ins_per_address",
            format!("      log_ins_per_address: {WIDE}\n"),
        ),
    ] {
        if !lines.contains(&format!("      {key}:")) {
            config.push_str(&default);
        }
    }
    config.push_str(lines);
    config
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<u64> {
        self.headers.get(name)?.to_str().ok()?.parse().ok()
    }
    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .or_else(|| self.body["error"]["code"].as_str())
            .unwrap_or("")
    }
}

async fn post(url: &str, token: Option<&str>, query: &str, variables: Value) -> Answer {
    let mut request = reqwest::Client::new()
        .post(url)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

async fn limited_router(stack: &mut TestStack, config: &str) -> String {
    let index = stack.add_router_with(&router_config(config)).await;
    stack.router_url(index).to_owned()
}

#[tokio::test]
async fn a_credential_past_its_budget_gets_429_rate_limited_with_retry_after() {
    let mut stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("hammer").await;
    let url = limited_router(
        &mut stack,
        &tight(&user(
            &budgets(WIDE, WIDE, WIDE),
            &budgets(&rate(6, 3), &rate(6, 3), &rate(6, 3)),
        )),
    )
    .await;

    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(post(&url, Some(&token), ME, json!({})).await);
    }

    for (i, answer) in answers[..3].iter().enumerate() {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.header("ratelimit-limit"), Some(3));
        assert_eq!(answer.header("ratelimit-remaining"), Some(2 - i as u64));
    }
    let refused = &answers[3];
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.code(), "RATE_LIMITED");
    let retry = refused.header("retry-after").expect("Retry-After");
    assert!((1..=10).contains(&retry), "retry after {retry} s");
    assert_eq!(refused.header("ratelimit-remaining"), Some(0));
    // Another user's credential has its own budget.
    let (other, _, _) = stack.sign_up("bystander").await;
    assert_eq!(post(&url, Some(&other), ME, json!({})).await.status, 200);
}

#[tokio::test]
async fn two_credentials_of_one_account_share_the_accounts_budget_across_routers() {
    let mut stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("twice").await;
    let (key, _) = stack.create_key(&token, None).await;
    let config = tight(&user(
        &budgets(&rate(6, 4), WIDE, WIDE),
        &budgets(WIDE, WIDE, WIDE),
    ));
    let first = limited_router(&mut stack, &config).await;
    let second = limited_router(&mut stack, &config).await;

    for _ in 0..2 {
        assert_eq!(post(&first, Some(&token), ME, json!({})).await.status, 200);
    }
    let mut by_key = Vec::new();
    for _ in 0..3 {
        let answer = reqwest::Client::new()
            .post(&second)
            .header("x-mediamagic-key", &key)
            .json(&json!({"query": ME}))
            .send()
            .await
            .unwrap();
        by_key.push(answer.status().as_u16());
    }

    assert_eq!(by_key, [200, 200, 429], "the fifth request of the account");
}

#[tokio::test]
async fn mutations_spend_their_own_budget_and_queries_go_on() {
    let mut stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("writer").await;
    let url = limited_router(
        &mut stack,
        &tight(&user(
            &budgets(WIDE, &rate(6, 2), WIDE),
            &budgets(WIDE, WIDE, WIDE),
        )),
    )
    .await;
    let create = "mutation($n: String!) { createTeam(name: $n) { id } }";

    let made: Vec<Answer> = futures::future::join_all(
        (0..3).map(|i| post(&url, Some(&token), create, json!({"n": format!("t{i}")}))),
    )
    .await;
    let query = post(&url, Some(&token), ME, json!({})).await;

    let statuses: Vec<u16> = made.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    let refused = made.iter().find(|a| a.status == 429).expect("one refused");
    assert_eq!(refused.code(), "RATE_LIMITED");
    assert!(refused.header("retry-after").is_some());
    // The refused mutation created nothing.
    let teams = post(
        &url,
        Some(&token),
        "{ me { teams { team { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        teams.body["data"]["me"]["teams"].as_array().map(Vec::len),
        Some(2),
        "{}",
        teams.body
    );
    assert_eq!(query.status, 200, "{}", query.body);
}

#[tokio::test]
async fn log_ins_from_one_address_are_limited_even_with_the_right_password() {
    let mut stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("guessed").await;
    let url = limited_router(
        &mut stack,
        &tight("      log_ins_per_address: { per_minute: 6, burst: 3 }\n"),
    )
    .await;
    let log_in =
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { token } }";

    let mut answers = Vec::new();
    for password in ["wrong 1", "wrong 2", "wrong 3", "correct horse 1"] {
        answers.push(post(&url, None, log_in, json!({"e": email, "p": password})).await);
    }

    assert_eq!(answers[0].code(), "UNAUTHENTICATED", "{}", answers[0].body);
    let last = &answers[3];
    assert_eq!(last.status, 429, "{}", last.body);
    assert_eq!(last.code(), "RATE_LIMITED");
    assert!(last.body["data"].is_null());
}

#[tokio::test]
async fn uploads_spend_the_upload_budget_and_refusals_on_rest_paths_are_rest_shaped() {
    let mut stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("uploader").await;
    let url = limited_router(
        &mut stack,
        &tight(&user(
            &budgets(WIDE, WIDE, &rate(6, 1)),
            &budgets(WIDE, WIDE, WIDE),
        )),
    )
    .await;
    let upload_url = url.replace("/graphql", "/upload");
    let upload = || async {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"not really a video".to_vec())
                .file_name("clip.mp4")
                .mime_str("video/mp4")
                .unwrap(),
        );
        let response = reqwest::Client::new()
            .post(&upload_url)
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    };

    let first = upload().await;
    let second = upload().await;
    let query = post(&url, Some(&token), ME, json!({})).await;

    assert_ne!(first.status, 429, "{}", first.body);
    assert_eq!(
        first.header("ratelimit-limit"),
        Some(1),
        "forwarded answers carry it"
    );
    assert_eq!(second.status, 429, "{}", second.body);
    assert_eq!(
        second.body["error"]["code"], "RATE_LIMITED",
        "{}",
        second.body
    );
    assert!(second.header("retry-after").is_some());
    assert_eq!(query.status, 200, "queries have their own budget");
}

#[tokio::test]
async fn without_redis_a_local_limiter_still_bounds_each_router() {
    let mut stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("offline").await;
    let config = tight(&format!(
        "      redis_url: redis://127.0.0.1:1\n{}",
        user(
            &budgets(&rate(6, 3), WIDE, WIDE),
            &budgets(WIDE, WIDE, WIDE)
        )
    ));
    let url = limited_router(&mut stack, &config).await;

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(post(&url, Some(&token), ME, json!({})).await.status);
    }

    assert_eq!(statuses, [200, 200, 200, 429]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_log_ins_count_per_forwarded_client_address() {
    let mut stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("proxied").await;
    let url = limited_router(
        &mut stack,
        &tight(
            "      trusted_proxies: [127.0.0.1]\n      log_ins_per_address: { per_minute: 6, burst: 1 }\n",
        ),
    )
    .await;
    let log_in = |client: &'static str| {
        let url = url.clone();
        let email = email.clone();
        async move {
            reqwest::Client::new()
                .post(&url)
                // A client's own claim comes first; the proxy appends what it saw.
                .header("x-forwarded-for", format!("198.51.100.7, {client}"))
                .json(&json!({
                    "query": "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
                    "variables": {"e": email},
                }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    let first = log_in("203.0.113.1").await;
    let other_client = log_in("203.0.113.2").await;
    let again = log_in("203.0.113.1").await;

    assert_eq!((first, other_client, again), (200, 200, 429));
}

#[tokio::test]
async fn a_forged_x_forwarded_for_does_not_escape_the_per_address_log_in_limit() {
    let mut stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("forger").await;
    // No trusted proxies: the peer's address counts, whatever the client claims.
    let url = limited_router(
        &mut stack,
        &tight("      log_ins_per_address: { per_minute: 6, burst: 1 }\n"),
    )
    .await;
    let mut statuses = Vec::new();
    for claimed in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let status = reqwest::Client::new()
            .post(&url)
            .header("x-forwarded-for", claimed)
            .json(&json!({
                "query": "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
                "variables": {"e": email},
            }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        statuses.push(status);
    }

    assert_eq!(statuses, [200, 429, 429]);
}

#[tokio::test]
async fn agent_calls_spend_a_budget_of_their_own_per_address() {
    let mut stack = spawn_stack().await;
    let token = mediamagic_e2e::agents::issue(&stack, "busy-rack", &["gpu"], None).await;
    let url = limited_router(
        &mut stack,
        &tight(&format!(
            "      anonymous: {}\n      agents: {}\n",
            rate(3, 3),
            rate(6, 6)
        )),
    )
    .await;
    // Anonymous GraphQL spends its own budget to the end (the router's start spent some)...
    let mut refused_at = None;
    for n in 0..10 {
        if post(&url, None, "{ __typename }", json!({})).await.status == 429 {
            refused_at = Some(n);
            break;
        }
    }
    assert!(refused_at.is_some(), "the anonymous budget never ran out");
    // ...and the agent on the same address still has all of its own.
    let hello = format!("{}/agent/v1/hello", url.trim_end_matches("/graphql"));
    let call = || {
        reqwest::Client::new()
            .post(&hello)
            .header("x-mediamagic-agent-token", &token)
            .json(&json!({}))
            .send()
    };
    for _ in 0..6 {
        let answer = call().await.unwrap();
        assert_eq!(answer.status().as_u16(), 200);
    }
    let refused = call().await.unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED", "{body}");
}
