//! The edges under attack, through the real router: Redis is only a cache (losing or forging
//! what it holds grants nothing), paths the router forwards reach only the routes their
//! surface owns, and strings Postgres cannot store are bad input, not internal errors.
//! Each test is an attack that worked before the fix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{Cred, TestStack, spawn_stack};
use redis::AsyncCommands;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ME: &str = "{ me { id } }";

async fn redis(stack: &TestStack) -> redis::aio::MultiplexedConnection {
    redis::Client::open(stack.infra.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Every key the platform keeps in Redis for credentials, gone: what a restart without
/// persistence, a flush or a failover to an empty replica leaves.
async fn lose_redis_credentials(stack: &TestStack) {
    let mut redis = redis(stack).await;
    let keys: Vec<String> = redis.keys("mm:*").await.unwrap();
    for key in keys {
        let _: () = redis.del(&key).await.unwrap();
    }
}

async fn log_out(stack: &TestStack, token: &str) {
    let out = stack
        .gql(Cred::Bearer(token), "mutation { logOut }", json!({}))
        .await;
    assert!(out.body["errors"].is_null(), "{}", out.body);
}

#[tokio::test]
async fn a_logged_out_session_stays_refused_after_redis_loses_its_data() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("leaver").await;
    let (other, _, _) = stack.sign_up("stayer").await;
    log_out(&stack, &token).await;
    assert_eq!(
        stack
            .gql(Cred::Bearer(&token), ME, json!({}))
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );

    lose_redis_credentials(&stack).await;
    let after = stack.gql(Cred::Bearer(&token), ME, json!({})).await;
    let live = stack.gql(Cred::Bearer(&other), ME, json!({})).await;

    assert_eq!(after.error_code(), "UNAUTHENTICATED", "{}", after.body);
    assert!(
        live.body["errors"].is_null(),
        "a live session still works: {}",
        live.body
    );
}

#[tokio::test]
async fn a_session_state_forged_in_redis_does_not_bring_a_revoked_token_back() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("revived").await;
    log_out(&stack, &token).await;
    let revocation_id =
        mediamagic_kit::tokens::TokenVerifier::from_hex(&stack.infra.keys.root_public_key)
            .unwrap()
            .verify(&token)
            .unwrap()
            .revocation_id;

    // Someone who can write to Redis removes every trace of the revocation and writes the
    // state of a live session in its place.
    lose_redis_credentials(&stack).await;
    let mut redis = redis(&stack).await;
    for value in ["ok", "1", "live"] {
        let _: () = redis
            .set(format!("mm:session:{revocation_id}"), value)
            .await
            .unwrap();
    }
    let answer = stack.gql(Cred::Bearer(&token), ME, json!({})).await;

    assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{}", answer.body);
}

#[tokio::test]
async fn an_api_key_identity_forged_in_redis_grants_nothing() {
    let stack = spawn_stack().await;
    let (_, victim, _) = stack.sign_up("victim").await;
    let forged_key = format!("mm_{}", uuid::Uuid::new_v4().simple());
    let hash = hex::encode(Sha256::digest(forged_key.as_bytes()));
    let identity = json!({
        "key_id": uuid::Uuid::new_v4(),
        "user_id": victim,
        "account_id": victim,
        "account_kind": "user",
        "scopes": ["read", "write", "admin"],
        "expires_at": null,
    });
    let mut redis = redis(&stack).await;
    let _: () = redis
        .set(format!("mm:apikey:{hash}"), identity.to_string())
        .await
        .unwrap();

    let answer = stack.gql(Cred::Key(&forged_key), ME, json!({})).await;

    assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{}", answer.body);
}

#[tokio::test]
async fn a_revoked_api_key_stays_refused_after_redis_loses_its_data() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("keyholder").await;
    let (key, key_id) = stack.create_key(&token, None).await;
    assert!(stack.gql(Cred::Key(&key), ME, json!({})).await.body["errors"].is_null());
    let revoked = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": key_id}),
        )
        .await;
    assert!(revoked.body["errors"].is_null(), "{}", revoked.body);

    lose_redis_credentials(&stack).await;
    let answer = stack.gql(Cred::Key(&key), ME, json!({})).await;

    assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{}", answer.body);
}

/// Sends `GET <raw path>` to the router exactly as written (no client normalises it) and
/// returns the status and body.
async fn raw_get(stack: &TestStack, path: &str) -> (u16, String) {
    let url = reqwest::Url::parse(stack.router_url(0)).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn forwarded_paths_never_reach_a_services_own_graphql_metrics_or_internal_routes() {
    let stack = spawn_stack().await;
    let query = "?query=%7B_service%7Bsdl%7D%7D";
    let attempts = [
        format!("/objects/%2e%2e/graphql{query}"),
        format!("/objects/%2E%2E/graphql{query}"),
        format!("/objects/..%2fgraphql{query}"),
        format!("/objects/../graphql{query}"),
        format!("/objects/.%2e/.%2e/graphql{query}"),
        format!("/objects/%252e%252e/graphql{query}"),
        format!("/objects/..%5cgraphql{query}"),
        "/objects/%2e%2e/metrics".to_owned(),
        "/api/v1/%2e%2e/metrics".to_owned(),
        "/api/v1/..%2f..%2fmetrics".to_owned(),
        "/converter/%2e%2e/metrics".to_owned(),
        "/objects/%2e%2e/internal/worker/graphql".to_owned(),
        "/objects/%2e%2e/events/media_live".to_owned(),
    ];

    for path in &attempts {
        let (status, body) = raw_get(&stack, path).await;

        assert!(
            !body.contains("_service") && !body.contains("mediamagic_http_requests_total"),
            "{path} reached a service's own route: {body}"
        );
        assert!(status == 400 || status == 404, "{path}: {status} {body}");
    }
}

#[tokio::test]
async fn values_a_subgraph_refuses_to_coerce_are_bad_input_not_downstream_errors() {
    // Found by the OpenAPI fuzz run: the router passed these on, the subgraph refused them
    // without a code, and clients saw DOWNSTREAM_SERVICE_ERROR (the REST surfaces a 500).
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("coerce").await;
    let attempts = [
        (
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { id } }",
            json!({"i": {"model": "audio-extract", "version": 99_999_999_999_i64, "args": {}}}),
        ),
        (
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"container": "x", "command": "true"}}),
        ),
    ];

    for (query, variables) in attempts {
        let answer = stack
            .gql(Cred::Bearer(&token), query, variables.clone())
            .await;

        assert_eq!(
            answer.error_code(),
            "BAD_USER_INPUT",
            "{variables}: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn strings_postgres_cannot_store_are_bad_input_not_internal_errors() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("nul").await;
    let attempts = [
        (
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"name": "bad\u{0}name", "container": "x", "command": "true"}}),
        ),
        (
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"name": "fine", "container": "x", "command": "true",
                         "args": {"a": {"type": "string", "default": "x\u{0}y"}}}}),
        ),
        (
            "mutation($name: String!) { createTeam(name: $name) { id } }",
            json!({"name": "team\u{0}"}),
        ),
        (
            "{ models(filter: {search: \"a\\u0000b\"}) { totalCount } }",
            json!({}),
        ),
    ];

    for (query, variables) in attempts {
        let answer = stack
            .gql(Cred::Bearer(&token), query, variables.clone())
            .await;

        assert_eq!(
            answer.error_code(),
            "BAD_USER_INPUT",
            "{query} {variables}: {}",
            answer.body
        );
    }
}

async fn log_in(stack: &TestStack, email: &str, password: &str) -> String {
    let answer = stack
        .gql(
            Cred::None,
            "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { token } }",
            json!({"e": email, "p": password}),
        )
        .await;
    if answer.body["errors"].is_null() {
        "OK".to_owned()
    } else {
        answer.error_code().to_owned()
    }
}

#[tokio::test]
async fn parallel_wrong_log_ins_cannot_pass_the_failure_limit_together() {
    let stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("guessed").await;
    let limit = stack.config.accounts.login_max_failures as usize;

    let guesses = (0..limit * 3).map(|n| {
        let (stack, email) = (&stack, email.clone());
        async move { log_in(stack, &email, &format!("wrong guess {n}")).await }
    });
    let answers = futures::future::join_all(guesses).await;

    let checked = answers.iter().filter(|a| *a == "UNAUTHENTICATED").count();
    assert!(
        checked <= limit,
        "{checked} guesses were checked: {answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|a| a == "UNAUTHENTICATED" || a == "RATE_LIMITED")
    );
}

#[tokio::test]
async fn a_burst_of_log_ins_waits_for_a_bounded_number_of_hashing_slots_then_is_refused() {
    let stack = mediamagic_e2e::spawn_stack_with(|config| {
        config.accounts.max_concurrent_hashes = 1;
        config.accounts.hash_wait_ms = 0;
    })
    .await;

    let attempts = (0..24).map(|n| {
        let stack = &stack;
        async move {
            log_in(
                stack,
                &format!("nobody-{n}@example.com"),
                "not the password 1",
            )
            .await
        }
    });
    let answers = futures::future::join_all(attempts).await;

    assert!(answers.iter().any(|a| a == "RATE_LIMITED"), "{answers:?}");
    assert!(
        answers.iter().any(|a| a == "UNAUTHENTICATED"),
        "{answers:?}"
    );
}

#[tokio::test]
async fn a_read_only_credential_cannot_read_the_webhook_signing_secret() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("reader").await;
    let public = biscuit_auth::PublicKey::from_bytes_hex(
        &stack.infra.keys.root_public_key,
        biscuit_auth::builder::Algorithm::Ed25519,
    )
    .unwrap();
    let read_only = biscuit_auth::Biscuit::from_base64(&token, public)
        .unwrap()
        .append(biscuit_auth::macros::block!(
            r#"check if operation("read");"#
        ))
        .unwrap()
        .to_base64()
        .unwrap();
    let query = "{ webhookSecret }";

    let refused = stack.gql(Cred::Bearer(&read_only), query, json!({})).await;
    let allowed = stack.gql(Cred::Bearer(&token), query, json!({})).await;

    assert_eq!(refused.error_code(), "FORBIDDEN", "{}", refused.body);
    assert!(
        allowed
            .data("/webhookSecret")
            .as_str()
            .unwrap()
            .starts_with("whsec_"),
        "{}",
        allowed.body
    );
}

#[tokio::test]
async fn a_subgraph_refuses_a_mutation_sent_with_get() {
    let stack = spawn_stack().await;
    let (_, user, _) = stack.sign_up("linked").await;
    let internal = stack.internal_token(&user);
    let url = format!(
        "{}?query=mutation%20%7B%20createTeam(name%3A%20%22ByLink%22)%20%7B%20id%20%7D%20%7D",
        stack.subgraph_url("accounts")
    );

    let answer: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .header("x-mediamagic-internal", internal)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{answer}"
    );
    assert!(answer["data"].is_null() || answer["data"]["createTeam"].is_null());
}

const SCOPES: &str = "{ actingAccount { scopes } }";

#[tokio::test]
async fn signing_up_with_a_configured_admin_email_grants_nothing_and_admins_are_made_by_an_audited_operator_act()
 {
    let email = format!("boss-{}@example.com", uuid::Uuid::new_v4().simple());
    let listed = email.clone();
    let stack = mediamagic_e2e::spawn_stack_with(move |config| {
        config.accounts.admin_emails = vec![listed];
    })
    .await;

    let (first, _, _) = stack.sign_up_with_email("claimer", &email).await;
    let scopes = stack.gql(Cred::Bearer(&first), SCOPES, json!({})).await;
    assert_eq!(
        scopes.data("/actingAccount/scopes"),
        &json!(["READ", "WRITE"])
    );

    let granted = tokio::process::Command::new(mediamagic_e2e::workspace_binary("mediamagic"))
        .args(["admin", "grant", &email])
        .env("DATABASE_URL", &stack.infra.database_url)
        .output()
        .await
        .unwrap();
    assert!(
        granted.status.success(),
        "{}",
        String::from_utf8_lossy(&granted.stderr)
    );
    let admin = stack
        .gql(
            Cred::None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
            json!({"e": email}),
        )
        .await
        .data("/logIn/token")
        .as_str()
        .unwrap()
        .to_owned();
    let scopes = stack.gql(Cred::Bearer(&admin), SCOPES, json!({})).await;
    assert_eq!(
        scopes.data("/actingAccount/scopes"),
        &json!(["READ", "WRITE", "ADMIN"])
    );

    let revoked = tokio::process::Command::new(mediamagic_e2e::workspace_binary("mediamagic"))
        .args(["admin", "revoke", &email])
        .env("DATABASE_URL", &stack.infra.database_url)
        .output()
        .await
        .unwrap();
    assert!(revoked.status.success());
    // The CLI writes Postgres only; the `session_revoked` event carries it to the routers.
    let asked = std::time::Instant::now();
    loop {
        let after = stack.gql(Cred::Bearer(&admin), SCOPES, json!({})).await;
        if after.body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" {
            break;
        }
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(5),
            "the admin session still works: {}",
            after.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let pool = mediamagic_kit::db::pool(&stack.infra.database_url, 1).unwrap();
    let mut conn = pool.get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Audit {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        actor: String,
    }
    let audit: Vec<Audit> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT action, actor FROM accounts.admin_audit WHERE email = $1 ORDER BY id",
        )
        .bind::<diesel::sql_types::Text, _>(&email),
        &mut conn,
    )
    .await
    .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["grant", "revoke"]);
    assert!(audit.iter().all(|a| a.actor.starts_with("cli:")));
}

/// A stack where cpu time costs one minor unit per second, with an account whose hard
/// budget is 100 and a model expected to run 40 s (an estimate of 40 a job; nothing runs:
/// there is no worker). Returns the stack, the account's token, the model and a song.
async fn budgeted() -> (TestStack, String, String, String) {
    let stack = mediamagic_e2e::spawn_stack_with(|config| {
        config.billing.prices.machine = [("cpu".to_owned(), 1_000_000)].into();
    })
    .await;
    let (token, _, _) = stack.sign_up("frugal").await;
    let budget = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($i: SetBudgetInput!) { setBudget(input: $i) { hard } }",
            json!({"i": {"monthlyLimit": 100, "hard": true}}),
        )
        .await;
    assert!(budget.body["errors"].is_null(), "{}", budget.body);
    let model = mediamagic_e2e::jobs::script_model_with(
        &stack,
        &token,
        "cp \"$1\" out.mp3",
        60,
        json!({"expectedRuntimeSeconds": 40}),
    )
    .await;
    let song = mediamagic_e2e::jobs::upload(
        &stack,
        &token,
        &mediamagic_e2e::media::mp3(),
        "song.mp3",
        "audio/mpeg",
    )
    .await;
    (stack, token, model, song)
}

#[tokio::test]
async fn parallel_deployments_cannot_pass_a_hard_budget_together_counting_queued_work() {
    let (stack, token, model, song) = budgeted().await;

    let deployments = (0..8).map(|_| {
        let (stack, token, model, song) = (&stack, &token, &model, &song);
        async move {
            stack
                .gql(
                    Cred::Bearer(token),
                    "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { id } }",
                    json!({"i": {"model": model, "args": {"input": song}}}),
                )
                .await
        }
    });
    let answers = futures::future::join_all(deployments).await;

    let admitted = answers
        .iter()
        .filter(|a| a.body["errors"].is_null())
        .count();
    assert_eq!(admitted, 2, "two estimates of 40 fit a budget of 100");
    for refused in answers.iter().filter(|a| !a.body["errors"].is_null()) {
        assert_eq!(refused.error_code(), "BUDGET_EXCEEDED", "{}", refused.body);
    }
}

#[tokio::test]
async fn retrying_a_job_goes_through_budget_admission() {
    let (stack, token, model, song) = budgeted().await;
    let mut jobs = Vec::new();
    for _ in 0..2 {
        jobs.push(
            mediamagic_e2e::jobs::deploy(
                &stack,
                &token,
                json!({"model": model, "args": {"input": song}}),
            )
            .await,
        );
    }
    let cancel = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { cancelJob(id: $id) { status } }",
            json!({"id": jobs[0]}),
        )
        .await;
    assert!(cancel.body["errors"].is_null(), "{}", cancel.body);
    // The freed room is taken by a new deployment; then the cancelled job cannot come back.
    mediamagic_e2e::jobs::deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;

    let retried = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { retryJob(id: $id) { status } }",
            json!({"id": jobs[0]}),
        )
        .await;

    assert_eq!(retried.error_code(), "BUDGET_EXCEEDED", "{}", retried.body);
}

const MY_JOBS: &str = "subscription { myJobs { id status } }";

/// The first error code a subscription reports within `within`, if any.
async fn first_error_code(
    subscription: &mut mediamagic_e2e::subscriptions::WsSubscription,
    within: std::time::Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let message = tokio::time::timeout_at(deadline, subscription.next_raw())
            .await
            .ok()??;
        if let Some(code) = message
            .pointer("/errors/0/extensions/code")
            .and_then(|c| c.as_str())
        {
            return Some(code.to_owned());
        }
    }
}

#[tokio::test]
async fn a_subscription_ends_with_unauthenticated_soon_after_its_session_is_logged_out() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("watcher").await;
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut subscription =
        mediamagic_e2e::subscriptions::WsSubscription::start(&ws_url, &token, MY_JOBS, json!({}))
            .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    log_out(&stack, &token).await;
    let code = first_error_code(&mut subscription, std::time::Duration::from_secs(5)).await;

    assert_eq!(code.as_deref(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn a_subscription_opened_with_an_api_key_ends_soon_after_the_key_is_revoked() {
    use futures::StreamExt;
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("key-watcher").await;
    let (key, key_id) = stack.create_key(&token, None).await;
    let response = reqwest::Client::new()
        .post(stack.router_url(0))
        .header("x-mediamagic-key", &key)
        .header("accept", "text/event-stream")
        .json(&json!({"query": MY_JOBS}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let mut body = response.bytes_stream();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let revoked = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": key_id}),
        )
        .await;
    assert!(revoked.body["errors"].is_null(), "{}", revoked.body);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains("UNAUTHENTICATED") {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }

    assert!(seen.contains("UNAUTHENTICATED"), "the stream said: {seen}");
}

#[tokio::test]
async fn an_account_holds_a_bounded_number_of_subscriptions() {
    let stack = mediamagic_e2e::spawn_stack_with(|config| {
        config.jobs.max_subscriptions_per_account = 2;
    })
    .await;
    let (token, _, _) = stack.sign_up("hoarder").await;
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(
            mediamagic_e2e::subscriptions::WsSubscription::start(
                &ws_url,
                &token,
                MY_JOBS,
                json!({}),
            )
            .await,
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let mut third =
        mediamagic_e2e::subscriptions::WsSubscription::start(&ws_url, &token, MY_JOBS, json!({}))
            .await;
    let code = first_error_code(&mut third, std::time::Duration::from_secs(5)).await;

    assert_eq!(code.as_deref(), Some("RATE_LIMITED"));
}

#[tokio::test]
async fn the_subscription_token_handed_to_clients_is_refused_on_subgraph_http_routes() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("replayer").await;
    let router = stack.router_url(0).trim_end_matches("/graphql").to_owned();
    let traded: serde_json::Value = reqwest::Client::new()
        .post(format!("{router}/auth/subscription-token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let internal = traded["token"].as_str().unwrap().to_owned();

    let mut answers = Vec::new();
    for subgraph in ["accounts", "media", "jobs"] {
        answers.push(
            stack
                .gql_at(
                    stack.subgraph_url(subgraph),
                    Cred::None,
                    &[("x-mediamagic-internal", &internal)],
                    "{ __typename }",
                    json!({}),
                )
                .await,
        );
    }

    // (It still opens subscriptions through the router: every WebSocket test trades one.)
    for answer in &answers {
        assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{}", answer.body);
    }
}

#[tokio::test]
async fn a_router_without_redis_checks_sessions_and_api_keys_against_postgres() {
    use mediamagic::router_process::{self, RouterLaunch};
    let stack = spawn_stack().await;
    let (token, user, _) = stack.sign_up("cacheless").await;
    let (key, _) = stack.create_key(&token, None).await;
    let (revoked, _, _) = stack.sign_up("gone").await;
    log_out(&stack, &revoked).await;
    let dir = tempfile::tempdir().unwrap();
    let port = mediamagic_kit::local_services::free_port().unwrap();
    let _router = router_process::spawn(RouterLaunch {
        binary: router_process::default_binary(),
        base_config: router_process::DEV_CONFIG.to_owned(),
        work_dir: dir.path(),
        host: "127.0.0.1",
        port,
        subgraphs: stack.subgraph_urls.clone(),
        services: stack.service_urls.clone(),
        keys: &stack.infra.keys,
        // Nothing listens here: Redis is gone.
        redis_url: "redis://127.0.0.1:1",
        accounts_url: format!("http://{}", stack.accounts_addr),
    })
    .await
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/graphql");

    let by_token = stack
        .gql_at(&url, Cred::Bearer(&token), &[], ME, json!({}))
        .await;
    let by_key = stack
        .gql_at(&url, Cred::Key(&key), &[], ME, json!({}))
        .await;
    let logged_out = stack
        .gql_at(&url, Cred::Bearer(&revoked), &[], ME, json!({}))
        .await;

    assert_eq!(by_token.data("/me/id"), user.as_str(), "{}", by_token.body);
    assert_eq!(by_key.data("/me/id"), user.as_str(), "{}", by_key.body);
    assert_eq!(
        logged_out.error_code(),
        "UNAUTHENTICATED",
        "{}",
        logged_out.body
    );
}
