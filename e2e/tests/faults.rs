//! Dependencies failing under a running stack: a Redis that is frozen (SIGSTOP, what a hung
//! or partitioned server looks like) or absent, and a database that hangs. The stack must
//! keep answering, within seconds and with a clear code when it cannot, report each
//! dependency on `/readyz`, and recover by itself. Each test runs its own Redis (and
//! Postgres, where it freezes one), so stopping it touches no other test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::own_servers;
use mediamagic_e2e::{Cred, spawn_stack, spawn_stack_on};
use mediamagic_kit::local_services::{LocalServer, free_port, start_redis};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ME: &str = "{ me { id } }";

/// A Redis of this test's own.
fn own_redis() -> (LocalServer, String) {
    own_servers::redis().unwrap()
}

/// Sends `signal` (`STOP`, `CONT`) to the redis-server listening on `port`.
fn signal_redis(port: u16, signal: &str) {
    assert!(
        own_servers::signal_redis(port, signal),
        "redis-server on {port} not found"
    );
}

async fn readyz(base: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn readyz_reports_each_dependency() {
    let stack = spawn_stack().await;

    let (status, body) = readyz(&format!("http://{}", stack.accounts_addr)).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["dependencies"]["database"], "ok");
    assert_eq!(body["dependencies"]["redis"], "ok");
}

#[tokio::test]
async fn with_redis_frozen_the_api_answers_within_seconds_and_recovers_when_it_resumes() {
    let (redis, redis_url) = own_redis();
    let stack = spawn_stack_on(None, redis_url, |_| {}).await;
    let (token, user, email) = stack.sign_up("frozen-redis").await;
    let (key, _) = stack.create_key(&token, None).await;
    // Its `ok` state is cached before the outage; it is logged out during it.
    let (cached, _, _) = stack.sign_up("cached-then-revoked").await;
    assert!(stack.gql(Cred::Bearer(&cached), ME, json!({})).await.body["errors"].is_null());
    signal_redis(redis.port, "STOP");

    let started = Instant::now();
    let by_token = stack.gql(Cred::Bearer(&token), ME, json!({})).await;
    let by_key = stack.gql(Cred::Key(&key), ME, json!({})).await;
    let logged_in = stack
        .gql(
            Cred::None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
            json!({"e": email}),
        )
        .await;
    let created = stack
        .gql(
            Cred::Bearer(&token),
            "mutation { createTeam(name: \"while redis sleeps\") { id } }",
            json!({}),
        )
        .await;
    let logged_out = stack
        .gql(Cred::Bearer(&token), "mutation { logOut }", json!({}))
        .await;
    let after_log_out = stack.gql(Cred::Bearer(&token), ME, json!({})).await;
    stack
        .gql(Cred::Bearer(&cached), "mutation { logOut }", json!({}))
        .await;
    let took = started.elapsed();
    eprintln!("seven requests with Redis frozen took {took:?}");
    let (ready_status, ready) = readyz(&format!("http://{}", stack.accounts_addr)).await;
    signal_redis(redis.port, "CONT");

    assert_eq!(by_token.data("/me/id"), user.as_str(), "{}", by_token.body);
    assert_eq!(by_key.data("/me/id"), user.as_str(), "{}", by_key.body);
    assert!(logged_in.body["errors"].is_null(), "{}", logged_in.body);
    assert!(created.body["errors"].is_null(), "{}", created.body);
    assert!(logged_out.body["errors"].is_null(), "{}", logged_out.body);
    assert_eq!(
        after_log_out.error_code(),
        "UNAUTHENTICATED",
        "{}",
        after_log_out.body
    );
    assert!(
        took < Duration::from_secs(15),
        "seven requests took {took:?}"
    );
    assert_eq!(ready_status, 200, "degraded is still ready: {ready}");
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_ne!(ready["dependencies"]["redis"], "ok", "{ready}");

    // Back to normal by itself once Redis answers again.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, ready) = readyz(&format!("http://{}", stack.accounts_addr)).await;
        if ready["status"] == "ready" {
            break;
        }
        assert!(Instant::now() < deadline, "never recovered: {ready}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (fresh, _, _) = stack.sign_up("after-the-thaw").await;
    assert!(stack.gql(Cred::Bearer(&fresh), ME, json!({})).await.body["errors"].is_null());
    // The revocation made during the outage reaches the cache by the event handler's
    // retries (at most 5 s apart): from then on the stale `ok` is overwritten for good.
    tokio::time::sleep(Duration::from_secs(8)).await;
    for _ in 0..3 {
        let answer = stack.gql(Cred::Bearer(&cached), ME, json!({})).await;
        assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{}", answer.body);
    }
}

#[tokio::test]
async fn services_start_without_redis_and_pick_it_up_when_it_appears() {
    let port = free_port().unwrap();
    // Nothing listens on this port yet.
    let stack = spawn_stack_on(None, format!("redis://127.0.0.1:{port}"), |_| {}).await;
    let (token, user, _) = stack.sign_up("no-redis-yet").await;
    let me = stack.gql(Cred::Bearer(&token), ME, json!({})).await;
    let (_, before) = readyz(&format!("http://{}", stack.accounts_addr)).await;

    let redis = start_redis(None, port).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let after = loop {
        let (_, ready) = readyz(&format!("http://{}", stack.accounts_addr)).await;
        if ready["status"] == "ready" || Instant::now() > deadline {
            break ready;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    redis.stop();

    assert_eq!(me.data("/me/id"), user.as_str(), "{}", me.body);
    assert_eq!(before["status"], "degraded", "{before}");
    assert_eq!(after["status"], "ready", "{after}");
}

#[tokio::test]
async fn job_subscriptions_keep_up_by_polling_while_signals_are_down() {
    use mediamagic_e2e::subscriptions::WsSubscription;
    use mediamagic_jobs::commands::queue;
    let (redis, redis_url) = own_redis();
    let stack = spawn_stack_on(None, redis_url, |_| {}).await;
    let (token, _, _) = stack.sign_up("polled").await;
    let media = mediamagic_e2e::jobs::upload(
        &stack,
        &token,
        &mediamagic_e2e::media::mp3(),
        "in.mp3",
        "audio/mpeg",
    )
    .await;
    let model =
        mediamagic_e2e::jobs::script_model(&stack, &token, "cp \"$1\" out.mp3", "cpu", 60).await;
    let job = mediamagic_e2e::jobs::deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": media}}),
    )
    .await;
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut updates = WsSubscription::start(
        &ws_url,
        &token,
        "subscription($id: ID!) { jobUpdated(id: $id) { status } }",
        json!({"id": job}),
    )
    .await;
    let first = updates.next().await.unwrap();
    signal_redis(redis.port, "STOP");
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra)
        .await
        .unwrap();
    let machine_type = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { machineType } }",
            json!({"id": job}),
        )
        .await
        .data("/job/machineType")
        .as_str()
        .unwrap()
        .to_owned();

    let claimed = queue::claim(&deps, &machine_type, "poll-worker")
        .await
        .unwrap()
        .expect("the job is queued");
    queue::start(&deps, &claimed.lease()).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), updates.next())
        .await
        .ok()
        .flatten();
    signal_redis(redis.port, "CONT");

    assert_eq!(first["data"]["jobUpdated"]["status"], "QUEUED", "{first}");
    let next = next.expect("an update within 5 s without signals");
    assert_ne!(next["data"]["jobUpdated"]["status"], "QUEUED", "{next}");
}

#[tokio::test]
async fn pooled_database_connections_carry_a_statement_timeout() {
    use diesel::{QueryableByName, sql_types::Text};
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        statement_timeout: String,
    }
    let url = mediamagic_kit::testing::test_database().await;
    let pool = mediamagic_kit::db::pool(&url, 1).unwrap();
    let mut conn = pool.get().await.unwrap();

    let setting: Setting = diesel::sql_query("SHOW statement_timeout")
        .get_result(&mut conn)
        .await
        .unwrap();

    assert_eq!(setting.statement_timeout, "30s");
}

/// A Postgres of this test's own, migrated: (server, data dir, database URL).
async fn own_postgres() -> (LocalServer, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let (server, url) = own_servers::postgres(&dir.path().join("data"))
        .await
        .unwrap();
    (server, dir, url)
}

/// The postmaster's pid (first line of `postmaster.pid`).
fn postmaster(data_dir: &std::path::Path) -> String {
    std::fs::read_to_string(data_dir.join("data/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

/// Sends `signal` to the postmaster and every backend (a frozen host, not a slow query).
fn signal_postgres(data_dir: &std::path::Path, signal: &str) {
    let master = postmaster(data_dir);
    let children = std::process::Command::new("pgrep")
        .args(["-P", &master])
        .output()
        .unwrap();
    let mut pids = vec![master];
    pids.extend(
        String::from_utf8_lossy(&children.stdout)
            .split_whitespace()
            .map(str::to_owned),
    );
    for pid in pids {
        std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
    }
}

#[tokio::test]
async fn with_the_database_frozen_requests_fail_fast_with_unavailable_and_recover() {
    let (postgres, dir, url) = own_postgres().await;
    let stack = spawn_stack_on(Some(url), mediamagic_kit::testing::redis_url(), |_| {}).await;
    let (token, user, _) = stack.sign_up("frozen-db").await;
    signal_postgres(dir.path(), "STOP");

    let started = Instant::now();
    let frozen = stack
        .gql(Cred::Bearer(&token), "{ me { id email } }", json!({}))
        .await;
    let took = started.elapsed();
    let (ready_status, ready) = readyz(&format!("http://{}", stack.accounts_addr)).await;
    // The REST surfaces say the same with an HTTP status.
    let rest = reqwest::Client::new()
        .get(stack.router_url(0).replace("/graphql", "/api/v1/media"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let rest_status = rest.status().as_u16();
    let rest_body: Value = rest.json().await.unwrap_or(Value::Null);
    signal_postgres(dir.path(), "CONT");

    assert_eq!(frozen.error_code(), "UNAVAILABLE", "{}", frozen.body);
    assert!(took < Duration::from_secs(15), "the request took {took:?}");
    assert_eq!(ready_status, 503, "{ready}");
    assert_eq!(rest_status, 503, "{rest_body}");
    assert_eq!(rest_body["error"]["code"], "UNAVAILABLE", "{rest_body}");
    assert_ne!(ready["dependencies"]["database"], "ok", "{ready}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let again = stack
            .gql(Cred::Bearer(&token), "{ me { id email } }", json!({}))
            .await;
        if again.body["errors"].is_null() {
            assert_eq!(again.data("/me/id"), user.as_str());
            break;
        }
        assert!(Instant::now() < deadline, "never recovered: {}", again.body);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    postgres.stop();
}

#[tokio::test]
async fn after_a_database_restart_the_pools_reconnect_by_themselves() {
    let (postgres, dir, url) = own_postgres().await;
    let port = postgres.port;
    let stack = spawn_stack_on(Some(url), mediamagic_kit::testing::redis_url(), |_| {}).await;
    let (token, user, _) = stack.sign_up("restarted-db").await;

    // A fast restart: every pooled connection is broken under the services.
    postgres.stop();
    let restarted = own_servers::restart_postgres(&dir.path().join("data"), port)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut codes = Vec::new();
    loop {
        let answer = stack
            .gql(Cred::Bearer(&token), "{ me { id email } }", json!({}))
            .await;
        if answer.body["errors"].is_null() {
            assert_eq!(answer.data("/me/id"), user.as_str());
            break;
        }
        codes.push(answer.error_code().to_owned());
        assert!(
            Instant::now() < deadline,
            "never recovered: {}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    restarted.stop();

    // Failures on the way, if any, were the clear code, never INTERNAL.
    assert!(codes.iter().all(|c| c == "UNAVAILABLE"), "{codes:?}");
}
