//! The jobs issue's acceptance tests, through the real router with real clients: deployments
//! of catalogue models on owned media, argument errors, idempotency, subscriptions over
//! WebSocket (graphql-transport-ws) and SSE, log cursors, signed callbacks with retries,
//! cancel, retry, deadlines, fair share and lost workers. Until the worker lands, the tests
//! play the worker through the jobs library's queue API (`commands::queue`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel_async::{AsyncConnection, AsyncPgConnection};
use mediamagic_e2e::{
    Cred, GqlResponse, TestStack,
    jobs::receiver,
    media::{graphql_multipart, mp4},
    spawn_stack, spawn_stack_with,
    subscriptions::{SseSubscription, WsSubscription},
};
use mediamagic_jobs::{
    JobsDeps,
    commands::queue::{self, Heartbeat, RunOutcome},
    domain::{Lease, signing},
};
use mediamagic_kit::events::TriggerConfig;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

const DEPLOY: &str = "mutation($i: CreateDeploymentInput!, $k: String) {
    createDeployment(input: $i, idempotencyKey: $k) {
        id name version args callbackUrl
        job { id status queuePosition attempts machineType error { code message } }
    }
}";

const JOB_FIELDS: &str =
    "id status progress message attempts cancelRequested error { code message } outputs { id }";

/// A stack whose callbacks may reach the test's loopback receiver, with quick retries and
/// sweeps.
async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.jobs.allow_private_callbacks = true;
        config.jobs.sweep_interval_ms = 100;
        config.events.triggers.insert(
            "job_status".into(),
            TriggerConfig {
                retries: 5,
                base_interval_ms: 100,
                ..TriggerConfig::default()
            },
        );
    })
    .await
}

async fn worker(stack: &TestStack) -> JobsDeps {
    mediamagic::stack::jobs_deps(&stack.config, &stack.infra)
        .await
        .unwrap()
}

/// Uploads a short real video through the router; returns its media id.
async fn upload_video(stack: &TestStack, token: &str) -> String {
    let video = mp4();
    let (content_type, body) = graphql_multipart(
        &json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id } }", "variables": {"f": null}}),
        &json!({"0": ["variables.f"]}),
        &[("0", "clip.mp4", "video/mp4", &video)],
    );
    let response: Value = reqwest::Client::new()
        .post(stack.router_url(0))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["data"]["uploadMedia"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("upload failed: {response}"))
        .to_owned()
}

async fn deploy(stack: &TestStack, token: &str, input: Value, key: Option<&str>) -> GqlResponse {
    stack
        .gql(Cred::Bearer(token), DEPLOY, json!({"i": input, "k": key}))
        .await
}

/// Deploys `audio-extract` on a fresh upload; returns (deployment id, job id).
async fn deploy_audio_extract(stack: &TestStack, token: &str, extra: Value) -> (String, String) {
    let video = upload_video(stack, token).await;
    let mut input = json!({"model": "audio-extract", "args": {"video": video, "bitrate": 128}});
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let created = deploy(stack, token, input, None).await;
    assert!(created.body["errors"].is_null(), "{}", created.body);
    (
        created
            .data("/createDeployment/id")
            .as_str()
            .unwrap()
            .to_owned(),
        created
            .data("/createDeployment/job/id")
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

async fn job(stack: &TestStack, token: &str, id: &str) -> Value {
    stack
        .gql(
            Cred::Bearer(token),
            &format!("query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"),
            json!({"id": id}),
        )
        .await
        .body["data"]["job"]
        .clone()
}

/// Polls the job until it is in `status` (for up to 5 s); returns its last state.
async fn job_in_status(stack: &TestStack, token: &str, id: &str, status: &str) -> Value {
    let mut state = Value::Null;
    for _ in 0..50 {
        state = job(stack, token, id).await;
        if state["status"] == status {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    state
}

async fn job_count(stack: &TestStack, token: &str) -> u64 {
    stack
        .gql(Cred::Bearer(token), "{ jobs { totalCount } }", json!({}))
        .await
        .data("/jobs/totalCount")
        .as_u64()
        .unwrap()
}

fn ws_url(stack: &TestStack) -> String {
    // The router takes WebSocket upgrades on its GraphQL endpoint.
    stack.router_url(0).replace("http://", "ws://")
}

fn uuid(id: &str) -> Uuid {
    id.parse().unwrap()
}

/// The played worker's lease on the first attempt of `id`.
fn lease(id: Uuid) -> Lease {
    Lease::new(id, "worker-1", 1)
}

/// Plays the worker: claims the next job (it must be `id`) and starts it.
async fn claim_and_start(deps: &JobsDeps, id: Uuid) {
    let claimed = queue::claim(deps, "cpu", "worker-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.job.id, id);
    queue::start(deps, &lease(id)).await.unwrap();
}

/// Plays the worker: the run of `id` succeeded without outputs.
async fn succeed(deps: &JobsDeps, id: Uuid) {
    let outcome = RunOutcome::Succeeded {
        outputs: vec![],
        result: None,
    };
    queue::finish(deps, &lease(id), outcome).await.unwrap();
}

#[tokio::test]
async fn a_deployment_of_a_catalogue_model_on_owned_media_queues_a_job_with_its_version_and_args() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("deployer").await;
    let video = upload_video(&stack, &token).await;

    let created = deploy(
        &stack,
        &token,
        json!({"name": "extract", "model": "audio-extract", "args": {"video": video}}),
        None,
    )
    .await;

    let deployment = created.data("/createDeployment");
    assert_eq!(deployment["name"], "extract");
    assert_eq!(deployment["version"], 1);
    // Defaults are filled in.
    assert_eq!(deployment["args"], json!({"video": video, "bitrate": 192}));
    assert_eq!(deployment["job"]["status"], "QUEUED");
    assert_eq!(deployment["job"]["queuePosition"], 0);
    assert_eq!(deployment["job"]["attempts"], 0);
    assert_eq!(deployment["job"]["machineType"], "cpu");
    let listed = stack
        .gql(
            Cred::Bearer(&token),
            "{ deployments { totalCount nodes { id } } jobs(filter: {status: [QUEUED]}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data("/deployments/totalCount"), 1);
    assert_eq!(listed.data("/jobs/totalCount"), 1);
}

#[tokio::test]
async fn invalid_args_give_one_error_per_argument_and_queue_nothing() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("invalid").await;

    let refused = deploy(
        &stack,
        &token,
        json!({"model": "audio-extract", "args": {"bitrate": 5000, "colour": "red"}}),
        None,
    )
    .await;

    let mut fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
            e["extensions"]["field"].as_str().unwrap()
        })
        .collect();
    fields.sort();
    assert_eq!(fields, ["args.bitrate", "args.colour", "args.video"]);
    assert_eq!(job_count(&stack, &token).await, 0);
}

#[tokio::test]
async fn another_accounts_media_as_a_file_argument_is_not_found() {
    let stack = stack().await;
    let (owner, _, _) = stack.sign_up("media-owner").await;
    let (other, _, _) = stack.sign_up("media-thief").await;
    let video = upload_video(&stack, &owner).await;

    let refused = deploy(
        &stack,
        &other,
        json!({"model": "audio-extract", "args": {"video": video}}),
        None,
    )
    .await;

    assert_eq!(refused.error_code(), "NOT_FOUND");
    assert_eq!(job_count(&stack, &other).await, 0);
}

#[tokio::test]
async fn the_same_idempotency_key_gives_one_deployment() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("idempotent").await;
    let video = upload_video(&stack, &token).await;
    let input = json!({"model": "audio-extract", "args": {"video": video}});

    let first = deploy(&stack, &token, input.clone(), Some("order-42")).await;
    let second = deploy(&stack, &token, input, Some("order-42")).await;
    let different = deploy(
        &stack,
        &token,
        json!({"model": "audio-extract", "args": {"video": video, "bitrate": 64}}),
        Some("order-42"),
    )
    .await;

    assert_eq!(
        first.data("/createDeployment/id"),
        second.data("/createDeployment/id")
    );
    assert_eq!(different.error_code(), "CONFLICT");
    assert_eq!(job_count(&stack, &token).await, 1);
}

#[tokio::test]
async fn callback_urls_to_internal_addresses_are_refused_by_default() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("ssrf").await;
    let video = upload_video(&stack, &token).await;

    let refused = deploy(
        &stack,
        &token,
        json!({"model": "audio-extract", "args": {"video": video}, "callbackUrl": "http://169.254.169.254/latest"}),
        None,
    )
    .await;

    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"],
        "callbackUrl"
    );
    assert_eq!(job_count(&stack, &token).await, 0);
}

fn statuses(messages: &[Value]) -> Vec<(String, f64)> {
    messages
        .iter()
        .map(|m| {
            let job = &m["data"]["jobUpdated"];
            (
                job["status"].as_str().unwrap().to_owned(),
                job["progress"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn subscribers_see_queued_running_progress_succeeded_in_order_over_websocket_and_sse() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("watcher").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let query = "subscription($id: ID!) { jobUpdated(id: $id) { id status progress message } }";
    let mut ws = WsSubscription::start(&ws_url(&stack), &token, query, json!({"id": job_id})).await;
    let mut sse =
        SseSubscription::start(stack.router_url(0), &token, query, json!({"id": job_id})).await;
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    let mut seen = vec![ws.next().await.unwrap()];

    queue::claim(&deps, "cpu", "worker-1")
        .await
        .unwrap()
        .unwrap();
    seen.push(ws.next().await.unwrap());
    queue::start(&deps, &lease(id)).await.unwrap();
    seen.push(ws.next().await.unwrap());
    queue::progress(&deps, &lease(id), 0.5, Some("half way".into()))
        .await
        .unwrap();
    seen.push(ws.next().await.unwrap());
    succeed(&deps, id).await;
    seen.push(ws.next().await.unwrap());

    let expected: Vec<(String, f64)> = [
        ("QUEUED", 0.0),
        ("SCHEDULED", 0.0),
        ("RUNNING", 0.0),
        ("RUNNING", 0.5),
        ("SUCCEEDED", 1.0),
    ]
    .iter()
    .map(|(s, p)| (s.to_string(), *p))
    .collect();
    assert_eq!(statuses(&seen), expected);
    assert_eq!(seen[3]["data"]["jobUpdated"]["message"], "half way");
    assert!(
        ws.next().await.is_none(),
        "completes after the terminal state"
    );

    // SSE clients get the same story (states may coalesce, never reorder).
    let mut over_sse = Vec::new();
    while let Some(message) = sse.next().await {
        over_sse.push(message);
    }
    let sse_statuses = statuses(&over_sse);
    assert_eq!(sse_statuses.first().unwrap().0, "QUEUED");
    assert_eq!(sse_statuses.last().unwrap().0, "SUCCEEDED");
    let order = ["QUEUED", "SCHEDULED", "RUNNING", "SUCCEEDED"];
    let ranks: Vec<usize> = sse_statuses
        .iter()
        .map(|(s, _)| order.iter().position(|o| o == s).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{sse_statuses:?}");
}

#[tokio::test]
async fn a_log_subscriber_that_reconnects_with_its_cursor_gets_exactly_the_missing_lines() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("logger").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;
    let lines = |range: std::ops::Range<i32>| {
        range
            .map(|n| ("stdout".to_owned(), format!("line {n}")))
            .collect::<Vec<_>>()
    };
    queue::append_logs(&deps, &lease(id), lines(1..4))
        .await
        .unwrap();
    let query = "subscription($id: ID!, $after: String) { jobLogs(id: $id, after: $after) { cursor line } }";

    let mut first =
        WsSubscription::start(&ws_url(&stack), &token, query, json!({"id": job_id})).await;
    let mut received = Vec::new();
    let mut cursor = String::new();
    for _ in 0..3 {
        let line = first.next().await.unwrap()["data"]["jobLogs"].clone();
        cursor = line["cursor"].as_str().unwrap().to_owned();
        received.push(line["line"].as_str().unwrap().to_owned());
    }
    first.close().await;
    queue::append_logs(&deps, &lease(id), lines(4..7))
        .await
        .unwrap();

    let mut second = WsSubscription::start(
        &ws_url(&stack),
        &token,
        query,
        json!({"id": job_id, "after": cursor}),
    )
    .await;
    for _ in 0..3 {
        received.push(
            second.next().await.unwrap()["data"]["jobLogs"]["line"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    succeed(&deps, id).await;

    assert_eq!(
        received,
        (1..7).map(|n| format!("line {n}")).collect::<Vec<_>>()
    );
    assert!(
        second.next().await.is_none(),
        "completes once the job finished"
    );
}

#[tokio::test]
async fn my_jobs_streams_changes_to_the_acting_accounts_jobs_only() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("mine").await;
    let (other, _, _) = stack.sign_up("theirs").await;
    let mut mine = WsSubscription::start(
        &ws_url(&stack),
        &token,
        "subscription { myJobs { id status } }",
        json!({}),
    )
    .await;

    let _theirs = deploy_audio_extract(&stack, &other, json!({})).await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;

    let first = mine.next().await.unwrap();
    assert_eq!(first["data"]["myJobs"]["id"], job_id.as_str());
    assert_eq!(first["data"]["myJobs"]["status"], "QUEUED");
}

#[derive(diesel::QueryableByName)]
struct StoredSecret {
    #[diesel(sql_type = diesel::sql_types::Text)]
    secret: String,
}

async fn stored_secret(conn: &mut AsyncPgConnection, owner: &str) -> String {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT secret FROM jobs.webhook_secrets WHERE owner_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(uuid(owner))
        .get_result::<StoredSecret>(conn)
        .await
        .unwrap()
        .secret
}

async fn webhook_secret(stack: &TestStack, token: &str) -> GqlResponse {
    stack
        .gql(Cred::Bearer(token), "{ webhookSecret }", json!({}))
        .await
}

#[tokio::test]
async fn webhook_secrets_are_sealed_at_rest_and_bound_to_their_account() {
    use diesel_async::RunQueryDsl;
    let stack = stack().await;
    let (token, user, _) = stack.sign_up("sealed").await;
    let (legacy_token, legacy_user, _) = stack.sign_up("legacy").await;
    let (other_token, other_user, _) = stack.sign_up("copier").await;
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    // Stored in plain text before secrets were sealed.
    let legacy = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    diesel::sql_query("INSERT INTO jobs.webhook_secrets (owner_id, secret) VALUES ($1, $2)")
        .bind::<diesel::sql_types::Uuid, _>(uuid(&legacy_user))
        .bind::<diesel::sql_types::Text, _>(legacy)
        .execute(&mut conn)
        .await
        .unwrap();

    let first = webhook_secret(&stack, &token).await;
    let again = webhook_secret(&stack, &token).await;
    let rotated = stack
        .gql(
            Cred::Bearer(&token),
            "mutation { rotateWebhookSecret }",
            json!({}),
        )
        .await;
    let after_rotation = webhook_secret(&stack, &token).await;
    let legacy_read = webhook_secret(&stack, &legacy_token).await;

    let first = first.data("/webhookSecret").as_str().unwrap().to_owned();
    let rotated = rotated
        .data("/rotateWebhookSecret")
        .as_str()
        .unwrap()
        .to_owned();
    assert!(first.starts_with("whsec_"), "{first}");
    assert_eq!(again.data("/webhookSecret"), first.as_str());
    assert_ne!(rotated, first);
    assert_eq!(after_rotation.data("/webhookSecret"), rotated.as_str());
    assert_eq!(legacy_read.data("/webhookSecret"), legacy);
    for (owner, secret) in [(&user, &rotated), (&legacy_user, &legacy.to_owned())] {
        let stored = stored_secret(&mut conn, owner).await;
        let key_part = secret.trim_start_matches("whsec_");
        assert!(
            stored.starts_with("sealed1:") && !stored.contains(key_part),
            "stored sealed, not as {secret}: {stored}"
        );
    }

    // A sealed secret copied into another account's row does not open there.
    webhook_secret(&stack, &other_token).await;
    diesel::sql_query("UPDATE jobs.webhook_secrets SET secret = $1 WHERE owner_id = $2")
        .bind::<diesel::sql_types::Text, _>(stored_secret(&mut conn, &user).await)
        .bind::<diesel::sql_types::Uuid, _>(uuid(&other_user))
        .execute(&mut conn)
        .await
        .unwrap();
    let copied = webhook_secret(&stack, &other_token).await;
    assert_eq!(copied.error_code(), "INTERNAL", "{}", copied.body);
    assert!(!copied.body.to_string().contains(&rotated));
}

#[tokio::test]
async fn a_callback_is_signed_and_retried_until_the_receiver_accepts_it() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("callee").await;
    let (url, received) = receiver(2).await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({"callbackUrl": url})).await;
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;
    succeed(&deps, id).await;

    for _ in 0..100 {
        if received.lock().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deliveries = received.lock().unwrap().clone();
    assert_eq!(
        deliveries.len(),
        3,
        "two failures, then the accepted delivery"
    );
    let (headers, body) = &deliveries[2];
    let secret = stack
        .gql(Cred::Bearer(&token), "{ webhookSecret }", json!({}))
        .await
        .data("/webhookSecret")
        .as_str()
        .unwrap()
        .to_owned();
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let expected = signing::sign(
        &secret,
        &header("webhook-id"),
        header("webhook-timestamp").parse().unwrap(),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(header("webhook-signature"), expected);
    assert_eq!(
        header("webhook-id"),
        deliveries[0].0["webhook-id"].to_str().unwrap()
    );
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["type"], "job.finished");
    assert_eq!(payload["data"]["id"], job_id.as_str());
    assert_eq!(payload["data"]["status"], "SUCCEEDED");

    let mut attempts = Value::Null;
    for _ in 0..50 {
        attempts = stack
            .gql(
                Cred::Bearer(&token),
                "query($id: ID!) { job(id: $id) { callbackAttempts { statusCode succeeded event } } }",
                json!({"id": job_id}),
            )
            .await
            .data("/job/callbackAttempts")
            .clone();
        if attempts.as_array().unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        attempts,
        json!([
            {"statusCode": 500, "succeeded": false, "event": "job.finished"},
            {"statusCode": 500, "succeeded": false, "event": "job.finished"},
            {"statusCode": 200, "succeeded": true, "event": "job.finished"},
        ])
    );
}

#[tokio::test]
async fn cancel_a_queued_job_cancel_a_running_one_and_retry_a_failed_one() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("canceller").await;
    let deps = worker(&stack).await;
    let cancel = |id: String| {
        let stack = &stack;
        let token = token.clone();
        async move {
            stack
                .gql(
                    Cred::Bearer(&token),
                    &format!("mutation($id: ID!) {{ cancelJob(id: $id) {{ {JOB_FIELDS} }} }}"),
                    json!({"id": id}),
                )
                .await
        }
    };

    // Queued: cancelled at once.
    let (_, queued) = deploy_audio_extract(&stack, &token, json!({})).await;
    let cancelled = cancel(queued.clone()).await;
    assert_eq!(cancelled.data("/cancelJob/status"), "CANCELLED");
    assert_eq!(cancelled.data("/cancelJob/error/code"), "CANCELLED");
    assert_eq!(cancel(queued).await.error_code(), "CONFLICT");

    // Running: the worker is told, stops, and reports it.
    let (_, running) = deploy_audio_extract(&stack, &token, json!({})).await;
    let id = uuid(&running);
    claim_and_start(&deps, id).await;
    let requested = cancel(running.clone()).await;
    assert_eq!(requested.data("/cancelJob/status"), "RUNNING");
    assert_eq!(requested.data("/cancelJob/cancelRequested"), true);
    assert!(matches!(
        queue::heartbeat(&deps, &lease(id)).await.unwrap(),
        Heartbeat::Cancel(_)
    ));
    queue::finish(&deps, &lease(id), RunOutcome::Cancelled)
        .await
        .unwrap();
    let stopped = job(&stack, &token, &running).await;
    assert_eq!(stopped["status"], "CANCELLED");
    assert_eq!(stopped["cancelRequested"], false);

    // Failed: retried as a new attempt.
    let (_, failing) = deploy_audio_extract(&stack, &token, json!({})).await;
    let id = uuid(&failing);
    claim_and_start(&deps, id).await;
    queue::finish(
        &deps,
        &lease(id),
        RunOutcome::Failed {
            code: "EXIT_STATUS".into(),
            message: "ffmpeg exited with status 1".into(),
        },
    )
    .await
    .unwrap();
    let failed = job(&stack, &token, &failing).await;
    assert_eq!(failed["error"]["code"], "EXIT_STATUS");
    let retried = stack
        .gql(
            Cred::Bearer(&token),
            &format!("mutation($id: ID!) {{ retryJob(id: $id) {{ {JOB_FIELDS} }} }}"),
            json!({"id": failing}),
        )
        .await;
    assert_eq!(retried.data("/retryJob/status"), "QUEUED");
    assert!(retried.body["data"]["retryJob"]["error"].is_null());
    let again = queue::claim(&deps, "cpu", "worker-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.job.id, id);
    assert_eq!(again.job.attempts, 2);
}

#[tokio::test]
async fn a_job_past_its_deadline_is_cancelled_with_the_reason() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("late").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({"cancelAfter": "1s"})).await;

    let state = job_in_status(&stack, &token, &job_id, "CANCELLED").await;

    assert_eq!(state["status"], "CANCELLED");
    assert_eq!(state["error"]["code"], "DEADLINE_EXCEEDED");
    assert!(
        state["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cancelAfter")
    );
}

#[tokio::test]
async fn claims_share_workers_fairly_and_jobs_of_lost_workers_return_to_the_queue() {
    let stack = spawn_stack_with(|config| {
        config.jobs.max_running_per_account = 2;
        config.jobs.lease_seconds = 1;
        config.jobs.max_attempts = 2;
        config.jobs.sweep_interval_ms = 100;
    })
    .await;
    let (busy, _, _) = stack.sign_up("busy").await;
    let (quiet, _, _) = stack.sign_up("quiet").await;
    let mut busy_jobs = Vec::new();
    for _ in 0..3 {
        busy_jobs.push(deploy_audio_extract(&stack, &busy, json!({})).await.1);
    }
    let (_, quiet_job) = deploy_audio_extract(&stack, &quiet, json!({})).await;
    let deps = worker(&stack).await;
    let next = || async { queue::claim(&deps, "cpu", "worker-1").await.unwrap() };

    // The oldest job first, then the account with nothing running, then the busy one up to
    // its limit of 2; its third job waits.
    assert_eq!(next().await.unwrap().job.id, uuid(&busy_jobs[0]));
    assert_eq!(next().await.unwrap().job.id, uuid(&quiet_job));
    assert_eq!(next().await.unwrap().job.id, uuid(&busy_jobs[1]));
    assert!(next().await.is_none());

    // The worker dies: no heartbeat. Its jobs come back to the queue as their leases expire.
    let state = job_in_status(&stack, &quiet, &quiet_job, "QUEUED").await;
    assert_eq!(state["status"], "QUEUED");
    assert_eq!(state["attempts"], 1);
    assert!(state["message"].as_str().unwrap().contains("worker"));

    // After the last attempt it fails for good.
    let mut second_attempt = None;
    for _ in 0..4 {
        match next().await {
            Some(claimed) if claimed.job.attempts == 2 => {
                second_attempt = Some(claimed);
                break;
            }
            _ => continue,
        }
    }
    let lost = second_attempt.expect("a second attempt").job.id.to_string();
    let owner = if lost == quiet_job { &quiet } else { &busy };
    let state = job_in_status(&stack, owner, &lost, "FAILED").await;
    assert_eq!(state["status"], "FAILED");
    assert_eq!(state["error"]["code"], "WORKER_LOST");
}

#[tokio::test]
async fn subscriptions_need_a_credential() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("anonymous").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let base = stack.router_url(0).trim_end_matches("/graphql").to_owned();

    // No credential, no subscription token.
    let refused = reqwest::Client::new()
        .post(format!("{base}/auth/subscription-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // Over SSE without a credential the subgraph answers UNAUTHENTICATED.
    let response: String = reqwest::Client::new()
        .post(stack.router_url(0))
        .header("accept", "text/event-stream")
        .json(&json!({"query": "subscription($id: ID!) { jobUpdated(id: $id) { id } }", "variables": {"id": job_id}}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(response.contains("UNAUTHENTICATED"), "{response}");
}

#[tokio::test]
async fn media_a_job_produced_links_to_the_job_through_the_router() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("lineage").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let output = upload_video(&stack, &token).await;
    // What the worker does when it registers an output.
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    diesel::sql_query("UPDATE media.media SET job_id = $1 WHERE id = $2")
        .bind::<diesel::sql_types::Uuid, _>(uuid(&job_id))
        .bind::<diesel::sql_types::Uuid, _>(uuid(&output))
        .execute(&mut conn)
        .await
        .unwrap();

    let media = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { media(id: $id) { job { id status deployment { name } } } }",
            json!({"id": output}),
        )
        .await;

    assert_eq!(media.data("/media/job/id"), job_id.as_str());
    assert_eq!(media.data("/media/job/status"), "QUEUED");
    assert_eq!(media.data("/media/job/deployment/name"), "audio-extract");
}

/// Creates a private model that sleeps, with a short timeout; returns its id.
async fn sleeper_model(stack: &TestStack, token: &str, timeout_seconds: i32) -> String {
    let created = stack
        .gql(
            Cred::Bearer(token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": {
                "name": "sleeper",
                "container": "debian:bookworm-slim",
                "command": "sleep {seconds}",
                "machineType": "cpu",
                "timeoutSeconds": timeout_seconds,
                "args": {"seconds": {"type": "int", "min": 1, "max": 60, "default": 30}},
            }}),
        )
        .await;
    created
        .data("/createModel/id")
        .as_str()
        .unwrap_or_else(|| panic!("{}", created.body))
        .to_owned()
}

#[tokio::test]
async fn a_run_past_its_models_timeout_is_stopped_and_cancelled_with_the_reason() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("slow").await;
    let model = sleeper_model(&stack, &token, 1).await;
    let created = deploy(&stack, &token, json!({"model": model}), None).await;
    let job_id = created
        .data("/createDeployment/job/id")
        .as_str()
        .unwrap()
        .to_owned();
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;

    // The sweeper asks the worker to stop once the timeout has passed.
    let mut told = Heartbeat::Continue;
    for _ in 0..50 {
        told = queue::heartbeat(&deps, &lease(id)).await.unwrap();
        if told != Heartbeat::Continue {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Heartbeat::Cancel(reason) = told else {
        panic!("the worker was not told to stop");
    };
    assert!(reason.contains("timeout of 1 s"), "{reason}");
    queue::finish(&deps, &lease(id), RunOutcome::Cancelled)
        .await
        .unwrap();

    let state = job(&stack, &token, &job_id).await;
    assert_eq!(state["status"], "CANCELLED");
    assert_eq!(state["error"]["code"], "TIMEOUT");
}

#[tokio::test]
async fn a_model_a_job_ran_is_hidden_instead_of_removed_when_deleted() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("historian").await;
    let model = sleeper_model(&stack, &token, 60).await;
    deploy(&stack, &token, json!({"model": model}), None).await;

    // The job_status handler records the job on the model version; then delete hides it.
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    let mut recorded = 0;
    for _ in 0..50 {
        recorded = diesel::sql_query(
            "SELECT coalesce(sum(jobs_count), 0)::bigint AS n FROM models.model_versions WHERE model_id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(uuid(&model))
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n;
        if recorded > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(recorded, 1);
    let deleted = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { deleteModel(id: $id) { hidden } }",
            json!({"id": model}),
        )
        .await;
    assert_eq!(deleted.data("/deleteModel/hidden"), true);
}

/// Ends the lease of `id` now, as if its worker had been frozen or cut off past it.
async fn expire_lease(stack: &TestStack, id: Uuid) {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    diesel::sql_query(
        "UPDATE jobs.job_control SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
}

/// Claims the next job as `worker` once the sweeper has queued it again.
async fn claim_again(deps: &JobsDeps, worker: &str) -> queue::ClaimedJob {
    for _ in 0..100 {
        if let Some(claimed) = queue::claim(deps, "cpu", worker).await.unwrap() {
            return claimed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the job was not queued again");
}

fn is_conflict<T: std::fmt::Debug>(result: Result<T, mediamagic_kit::ApiError>) -> bool {
    matches!(result, Err(mediamagic_kit::ApiError::Conflict(_)))
}

#[tokio::test]
async fn a_worker_whose_lease_was_taken_over_can_no_longer_write_anything_for_the_job() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("fenced").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;
    let stale = lease(id);
    expire_lease(&stack, id).await;
    let takeover = claim_again(&deps, "worker-2").await;
    let current = takeover.lease();
    assert_eq!(current.attempt, 2);

    let stale_writes = [
        is_conflict(queue::heartbeat(&deps, &stale).await),
        is_conflict(queue::progress(&deps, &stale, 0.9, Some("stale".into())).await),
        is_conflict(
            queue::append_logs(&deps, &stale, vec![("stdout".into(), "stale line".into())]).await,
        ),
        is_conflict(
            queue::finish(
                &deps,
                &stale,
                RunOutcome::Succeeded {
                    outputs: vec![],
                    result: None,
                },
            )
            .await,
        ),
    ];
    queue::start(&deps, &current).await.unwrap();
    queue::append_logs(
        &deps,
        &current,
        vec![("stdout".into(), "current line".into())],
    )
    .await
    .unwrap();
    queue::finish(
        &deps,
        &current,
        RunOutcome::Succeeded {
            outputs: vec![],
            result: None,
        },
    )
    .await
    .unwrap();

    assert_eq!(stale_writes, [true; 4], "heartbeat, progress, logs, finish");
    let done = job(&stack, &token, &job_id).await;
    assert_eq!(done["status"], "SUCCEEDED");
    assert_eq!(done["attempts"], 2);
    assert_ne!(done["message"], "stale");
    let logs = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { logs { lines { line } } } }",
            json!({"id": job_id}),
        )
        .await;
    let text = logs.body.to_string();
    assert!(
        text.contains("current line") && !text.contains("stale line"),
        "{text}"
    );
}

#[tokio::test]
async fn the_same_worker_back_on_a_later_attempt_cannot_write_for_the_earlier_one() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("twice-claimed").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;
    expire_lease(&stack, id).await;
    // The same worker id claims the job again: only the attempt tells the runs apart.
    let again = claim_again(&deps, "worker-1").await;

    let old_finish = queue::finish(
        &deps,
        &lease(id),
        RunOutcome::Failed {
            code: "EXIT_STATUS".into(),
            message: "the first run's late report".into(),
        },
    )
    .await;
    let new_start = queue::start(&deps, &again.lease()).await;

    assert!(
        is_conflict(old_finish),
        "the first attempt's report is refused"
    );
    assert!(new_start.is_ok(), "{new_start:?}");
    assert_eq!(job(&stack, &token, &job_id).await["status"], "RUNNING");
}

#[tokio::test]
async fn an_expired_lease_accepts_no_writes_even_before_the_sweeper_runs() {
    let stack = spawn_stack_with(|config| config.jobs.sweep_interval_ms = 3_600_000).await;
    let (token, _, _) = stack.sign_up("expired").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;
    expire_lease(&stack, id).await;

    let late = queue::finish(
        &deps,
        &lease(id),
        RunOutcome::Succeeded {
            outputs: vec![],
            result: None,
        },
    )
    .await;

    let described = format!("{late:?}");
    assert!(is_conflict(late), "{described}");
    assert_eq!(job(&stack, &token, &job_id).await["status"], "RUNNING");
}

/// `queuePosition` of job `id` as its owner sees it.
async fn position(stack: &TestStack, token: &str, id: &str) -> Value {
    stack
        .gql(
            Cred::Bearer(token),
            "query($id: ID!) { job(id: $id) { queuePosition } }",
            json!({"id": id}),
        )
        .await
        .body["data"]["job"]["queuePosition"]
        .clone()
}

#[tokio::test]
async fn queue_positions_follow_the_fair_share_order_not_the_arrival_order() {
    // Arrange: account A queues three jobs, then account B one (no worker claims them).
    let stack = stack().await;
    let (a, _, _) = stack.sign_up("backlog").await;
    let (b, _, _) = stack.sign_up("newcomer").await;
    let mut a_jobs = Vec::new();
    for _ in 0..3 {
        a_jobs.push(deploy_audio_extract(&stack, &a, json!({})).await.1);
    }
    let b_job = deploy_audio_extract(&stack, &b, json!({})).await.1;

    // Act
    let mut a_positions = Vec::new();
    for id in &a_jobs {
        a_positions.push(position(&stack, &a, id).await);
    }
    let b_position = position(&stack, &b, &b_job).await;

    // Assert: accounts take turns, so B's first job comes right after A's first, not after
    // A's whole backlog (a count of earlier arrivals would say 3).
    assert_eq!(a_positions, [json!(0), json!(2), json!(3)]);
    assert_eq!(b_position, json!(1));
    // No worker offers `cpu` here: no start time can be estimated.
    let estimate = stack
        .gql(
            Cred::Bearer(&b),
            "query($id: ID!) { job(id: $id) { estimatedStartAt } }",
            json!({"id": b_job}),
        )
        .await;
    assert!(estimate.body["errors"].is_null(), "{}", estimate.body);
    assert!(estimate.body["data"]["job"]["estimatedStartAt"].is_null());
    // And the claim order is the same: a worker takes A, B, A, A.
    let deps = worker(&stack).await;
    let mut order = Vec::new();
    for _ in 0..4 {
        let claimed = mediamagic_jobs::commands::queue::claim(&deps, "cpu", "w1")
            .await
            .unwrap()
            .unwrap();
        order.push(claimed.job.id.to_string());
        mediamagic_jobs::commands::queue::start(&deps, &claimed.lease())
            .await
            .ok();
    }
    assert_eq!(
        order,
        [
            a_jobs[0].clone(),
            b_job,
            a_jobs[1].clone(),
            a_jobs[2].clone()
        ]
    );
}

#[tokio::test]
async fn estimated_start_times_follow_the_queue_position_live_slots_and_recent_run_times() {
    // Arrange: a cpu job that ran 60 s today, and a live worker offering two cpu slots.
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("estimator").await;
    let deps = worker(&stack).await;
    let (_, done) = deploy_audio_extract(&stack, &token, json!({})).await;
    claim_and_start(&deps, uuid(&done)).await;
    succeed(&deps, uuid(&done)).await;
    let mut db = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "UPDATE jobs.jobs SET started_at = finished_at - interval '60 seconds' WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid(&done))
    .execute(&mut db)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO worker.workers (id, hostname, driver, capacity) \
         VALUES ('estimating-worker', 'host', 'local', '{\"cpu\": 2}')",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let mut queued = Vec::new();
    for _ in 0..5 {
        queued.push(deploy_audio_extract(&stack, &token, json!({})).await.1);
    }

    // Act
    let asked_at = chrono::Utc::now();
    let mut estimates = Vec::new();
    for id in &queued {
        let answer = stack
            .gql(
                Cred::Bearer(&token),
                "query($id: ID!) { job(id: $id) { queuePosition estimatedStartAt } }",
                json!({"id": id}),
            )
            .await;
        let job = answer.data("/job").clone();
        let at: chrono::DateTime<chrono::Utc> =
            job["estimatedStartAt"].as_str().unwrap().parse().unwrap();
        estimates.push((
            job["queuePosition"].as_i64().unwrap(),
            (at - asked_at).num_seconds(),
        ));
    }

    // Assert: two slots take one job each per 60 s, so positions 0-1 start now, 2-3 in a
    // minute, 4 in two.
    let expected = [(0, 0), (1, 0), (2, 60), (3, 60), (4, 120)];
    for ((position, wait), (want_position, want_wait)) in estimates.iter().zip(expected) {
        assert_eq!(*position, want_position, "{estimates:?}");
        assert!((wait - want_wait).abs() <= 5, "{estimates:?}");
    }
}

/// The jobs service's `mediamagic_subscription_job_reads_total`.
async fn subscription_reads(stack: &TestStack) -> f64 {
    let jobs = &stack
        .service_urls
        .iter()
        .find(|(name, _)| *name == "jobs")
        .unwrap()
        .1;
    let metrics = reqwest::get(format!("{jobs}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find(|l| l.starts_with("mediamagic_subscription_job_reads_total"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no read counter:\n{metrics}"))
}

#[tokio::test]
async fn fifty_subscribers_of_one_job_share_one_read_per_update() {
    // Arrange: fifty clients follow one queued job.
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("crowd").await;
    let (_, job_id) = deploy_audio_extract(&stack, &token, json!({})).await;
    let query = "subscription($id: ID!) { jobUpdated(id: $id) { status progress } }";
    let mut crowd = Vec::new();
    for _ in 0..50 {
        let mut sse =
            SseSubscription::start(stack.router_url(0), &token, query, json!({"id": job_id})).await;
        assert_eq!(statuses(&[sse.next().await.unwrap()])[0].0, "QUEUED");
        crowd.push(sse);
    }
    let before = subscription_reads(&stack).await;

    // Act: three updates.
    let deps = worker(&stack).await;
    let id = uuid(&job_id);
    claim_and_start(&deps, id).await;
    queue::progress(&deps, &lease(id), 0.5, Some("half".into()))
        .await
        .unwrap();
    for sse in &mut crowd {
        loop {
            let update = sse.next().await.unwrap();
            if update["data"]["jobUpdated"]["progress"] == 0.5 {
                break;
            }
        }
    }
    let after = subscription_reads(&stack).await;

    // Assert: every subscriber got the updates from a handful of reads (a read per
    // subscriber and update would be 150), the backstop's included.
    assert!(after - before <= 10.0, "{} reads", after - before);
}

#[tokio::test]
async fn a_job_requeued_after_an_infrastructure_failure_waits_behind_jobs_queued_meanwhile() {
    // Arrange: the account's first job is claimed; a second is queued while it runs.
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("requeued").await;
    let (_, first) = deploy_audio_extract(&stack, &token, json!({})).await;
    let deps = worker(&stack).await;
    let claimed = queue::claim(&deps, "cpu", "worker-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.job.id, uuid(&first));
    let (_, second) = deploy_audio_extract(&stack, &token, json!({})).await;

    // Act: the node fails under the first job, which goes back to the queue.
    let requeued = queue::finish(
        &deps,
        &claimed.lease(),
        queue::RunOutcome::InfrastructureFailed {
            message: "the node went away".into(),
        },
    )
    .await
    .unwrap();

    // Assert: it queued again, behind the second job, for the position and the claim alike.
    assert_eq!(requeued.status, "queued");
    assert_eq!(position(&stack, &token, &second).await, json!(0));
    assert_eq!(position(&stack, &token, &first).await, json!(1));
    let next = queue::claim(&deps, "cpu", "worker-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.job.id, uuid(&second));
}
