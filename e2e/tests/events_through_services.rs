//! Event triggers as operators and Hasura meet them: the accounts service's handler, its
//! webhook mount, the admin GraphQL fields through the router, and the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{Cred, spawn_stack, spawn_stack_with, workspace_binary};
use mediamagic_kit::{db, events::store};
use serde_json::{Value, json};
use std::time::Duration;

const FIXTURE: &str = include_str!("fixtures/hasura_event.json");

async fn revoked_key_event(stack: &mediamagic_e2e::TestStack) -> (String, store::StoredEvent) {
    let (token, _, _) = stack.sign_up("vera").await;
    let (_, key_id) = stack.create_key(&token, None).await;
    let traceparent = [(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )];
    stack
        .gql_at(
            stack.router_url(0),
            Cred::Bearer(&token),
            &traceparent,
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": key_id}),
        )
        .await
        .data("/revokeApiKey/id");
    let pool = db::pool(&stack.infra.database_url, 2).unwrap();
    for _ in 0..100 {
        let events = sql_events(&stack.infra.database_url).await;
        if let Some(event) = events.into_iter().find(|e| e.status == "delivered") {
            return (token, event);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(pool);
    panic!("the api_key_revoked event was not delivered");
}

async fn sql_events(url: &str) -> Vec<store::StoredEvent> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(
        "SELECT e.id, e.seq, e.trigger_name, e.schema_name, e.table_name, e.event, e.created_at, e.tries, e.status, e.last_error
         FROM events.event_log e WHERE trigger_name = 'api_key_revoked' ORDER BY seq",
    )
    .load(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn revoking_a_key_fires_api_key_revoked_with_the_actors_session_variables() {
    let stack = spawn_stack().await;
    let (_, event) = revoked_key_event(&stack).await;
    assert_eq!(event.event["op"], "UPDATE");
    assert!(event.event["data"]["new"]["revoked_at"].is_string());
    assert!(event.event["data"]["old"]["revoked_at"].is_null());
    assert_eq!(event.event["session_variables"]["x-hasura-role"], "user");
    assert!(event.event["session_variables"]["x-hasura-user-id"].is_string());
    // The router propagates the caller's trace context to the subgraph and into the event.
    assert_eq!(
        event.event["trace_context"]["trace_id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
}

#[tokio::test]
async fn the_webhook_accepts_a_hasura_payload_and_rejects_requests_without_the_secret() {
    let stack = spawn_stack().await;
    let url = format!("http://{}/events/api_key_revoked", stack.accounts_addr);
    let mut payload: Value = serde_json::from_str(FIXTURE).unwrap();
    payload["trigger"]["name"] = json!("api_key_revoked");
    payload["table"] = json!({"schema": "accounts", "name": "api_keys"});
    payload["event"]["op"] = json!("UPDATE");
    payload["event"]["data"] = json!({
        "old": {"key_hash": "abc", "revoked_at": null},
        "new": {"key_hash": "abc", "revoked_at": "2026-11-22T10:00:00Z"}
    });
    let client = reqwest::Client::new();

    let without = client.post(&url).json(&payload).send().await.unwrap();
    assert_eq!(without.status(), 401);
    let wrong = client
        .post(&url)
        .header("x-mediamagic-event-secret", "nope")
        .json(&payload)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let accepted = client
        .post(&url)
        .header("x-mediamagic-event-secret", &stack.infra.keys.events_secret)
        .json(&payload)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    // The handler wrote the tombstone for key hash `abc`.
    let mut redis = mediamagic_kit::redis::connect(&stack.infra.redis_url)
        .await
        .unwrap();
    let value: Option<String> = redis::AsyncCommands::get(&mut redis, "mm:apikey:abc")
        .await
        .unwrap();
    let opened = value.and_then(|v| {
        mediamagic_kit::redis::open(&stack.infra.keys.internal_secret, "mm:apikey:abc", &v)
    });
    assert_eq!(opened.as_deref(), Some("revoked"));

    let unknown = client
        .post(format!("http://{}/events/nope", stack.accounts_addr))
        .header("x-mediamagic-event-secret", &stack.infra.keys.events_secret)
        .json(&payload)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn admins_operate_events_through_the_router_and_others_are_forbidden() {
    let admin_email = format!("admin-{}@example.com", uuid::Uuid::new_v4().simple());
    let email = admin_email.clone();
    let stack = spawn_stack_with(move |config| config.accounts.admin_emails = vec![email]).await;
    stack
        .gql(
            Cred::None,
            "mutation($e: String!) { signUp(input: {email: $e, password: \"correct horse 1\", name: \"Root\"}) { token } }",
            json!({"e": admin_email}),
        )
        .await;
    let admin = stack.make_admin(&admin_email).await;
    let (user, _, _) = stack.sign_up("walt").await;

    let invoke = "mutation { invokeEventTrigger(trigger: \"api_key_revoked\", payload: {id: \"m1\", key_hash: \"zzz\", revoked_at: \"2026-01-01T00:00:00Z\"}) { id trigger status payload } }";
    let forbidden = stack.gql(Cred::Bearer(&user), invoke, json!({})).await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");
    let invoked = stack.gql(Cred::Bearer(&admin), invoke, json!({})).await;
    assert_eq!(
        invoked.data("/invokeEventTrigger/trigger"),
        "api_key_revoked"
    );
    assert_eq!(invoked.data("/invokeEventTrigger/payload/op"), "MANUAL");

    let dead = stack
        .gql(
            Cred::Bearer(&admin),
            "{ deadEvents { id invocations { attempt } } }",
            json!({}),
        )
        .await;
    assert_eq!(dead.data("/deadEvents"), &json!([]));
    let unknown = stack
        .gql(
            Cred::Bearer(&admin),
            "mutation { invokeEventTrigger(trigger: \"nope\", payload: {}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");
    let not_dead = stack
        .gql(
            Cred::Bearer(&admin),
            "mutation($id: ID!) { redeliverEvent(id: $id) { status } }",
            json!({"id": invoked.data("/invokeEventTrigger/id")}),
        )
        .await;
    // Just invoked: pending or already delivered; only delivered/dead may be redelivered.
    assert!(
        not_dead.body["errors"].is_null() || not_dead.error_code() == "CONFLICT",
        "{}",
        not_dead.body
    );
}

#[tokio::test]
async fn the_cli_invokes_lists_and_redelivers() {
    let stack = spawn_stack().await;
    let (_, event) = revoked_key_event(&stack).await;
    let run = |args: Vec<String>| {
        let url = stack.infra.database_url.clone();
        async move {
            let output = tokio::process::Command::new(workspace_binary("mediamagic"))
                .args(&args)
                .env("DATABASE_URL", url)
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
    };
    let id = run(vec![
        "events".into(),
        "invoke".into(),
        "api_key_revoked".into(),
        r#"{"id": "cli", "key_hash": "q"}"#.into(),
    ])
    .await;
    assert!(uuid::Uuid::parse_str(id.trim()).is_ok(), "{id}");
    let dead = run(vec![
        "events".into(),
        "dead".into(),
        "--trigger".into(),
        "api_key_revoked".into(),
    ])
    .await;
    assert_eq!(dead.trim(), "", "no dead events");
    let again = run(vec![
        "events".into(),
        "redeliver".into(),
        event.id.to_string(),
    ])
    .await;
    assert!(again.contains("queued"), "{again}");
}
