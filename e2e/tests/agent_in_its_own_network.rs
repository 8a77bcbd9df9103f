//! #37's acceptance on a separate test host: `mediamagic agent` in a network namespace of
//! its own (`ip netns` and a veth pair), which can reach this machine only at the address
//! the router listens on, works for the platform over HTTP alone: it claims a catalogue
//! model, runs it in the sandbox, streams progress a subscriber sees live, and finishes with
//! outputs, holding no database or Redis address. Cut off for longer than its lease, it
//! stops its run, the job goes to another agent, and its late call is refused by fencing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel::{QueryableByName, sql_types::Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_e2e::{
    Cred, TestStack,
    agents::{AgentProcess, issue},
    jobs::{deploy, job, script_model, upload, wait_for},
    media::{ffmpeg_file, mp3},
    netns::TestHost,
    rest::base,
    spawn_stack_with,
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A stack whose second router listens on `host`'s side of the link (the one address the
/// test host reaches), with signed object URLs pointing there; the router's base URL.
async fn stack_for(host: &TestHost, lease_seconds: i64) -> (TestStack, String) {
    let port = std::net::TcpListener::bind((host.host_ip.as_str(), 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let far_base = format!("http://{}:{port}", host.host_ip);
    let public_url = far_base.clone();
    let mut stack = spawn_stack_with(move |config| {
        config.worker.heartbeat_ms = 200;
        config.jobs.sweep_interval_ms = 100;
        config.jobs.lease_seconds = lease_seconds;
        config.media.public_url = Some(public_url);
    })
    .await;
    stack.add_router_at(&host.host_ip, port).await;
    (stack, far_base)
}

fn port_of(url: &str) -> u16 {
    reqwest::Url::parse(url)
        .unwrap()
        .port()
        .unwrap_or_else(|| panic!("{url} names no port"))
}

#[derive(QueryableByName, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Rows of `sql` (one text column, `line`) on the stack's database.
async fn lines(stack: &TestStack, sql: &str) -> Vec<String> {
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    diesel::sql_query(sql)
        .load::<Line>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

/// A 10-second 640×360 video: long enough for the transcode to report progress midway.
fn long_video() -> Vec<u8> {
    ffmpeg_file(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30:duration=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=10",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ],
        "long.mp4",
    )
}

#[tokio::test]
async fn an_agent_that_reaches_only_the_routers_port_runs_a_catalogue_model_with_live_progress() {
    let host = TestHost::create().expect("a test host (ip netns, as root)");
    let (stack, far_base) = stack_for(&host, 30).await;
    let router_port = port_of(&far_base);

    // The test host reaches the router's port on the link, and nothing else of the
    // platform's: not Postgres, Redis, a service or the loopback router, on either address.
    assert!(host.can_connect(&host.host_ip, router_port));
    let mut closed = vec![
        ("postgres", port_of(&stack.infra.database_url)),
        ("redis", port_of(&stack.infra.redis_url)),
        ("router on loopback", port_of(stack.router_url(0))),
    ];
    for (name, url) in &stack.service_urls {
        closed.push((name, port_of(url)));
    }
    for (name, port) in &closed {
        for address in [host.host_ip.as_str(), "127.0.0.1"] {
            assert!(
                !host.can_connect(address, *port),
                "the test host reached {name} at {address}:{port}"
            );
        }
    }

    let token = issue(&stack, "far-rack", &["cpu"], Some("edge")).await;
    let (owner, _, _) = stack.sign_up("far-owner").await;
    let video = upload(&stack, &owner, &long_video(), "long.mp4", "video/mp4").await;
    let id = deploy(
        &stack,
        &owner,
        json!({"model": "transcode", "args": {"video": video, "format": "webm", "height": 240}}),
    )
    .await;
    // Subscribed before any worker can take the job, so every update is seen as it happens.
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut updates = WsSubscription::start(
        &ws_url,
        &owner,
        "subscription($id: ID!) { jobUpdated(id: $id) { status progress } }",
        json!({"id": id}),
    )
    .await;

    let agent = AgentProcess::start_in(
        &host,
        &far_base,
        &token,
        "",
        "machine_types = { cpu = { slots = 1 } }",
    );
    // Nothing in its environment or its config names the platform's database or Redis.
    let environ = std::fs::read(format!("/proc/{}/environ", agent.pid())).unwrap();
    let environ = String::from_utf8_lossy(&environ).to_lowercase();
    let config = agent.config_text().to_lowercase();
    for word in ["postgres", "redis", "database"] {
        assert!(!environ.contains(word), "{word} in the agent's environment");
        assert!(!config.contains(word), "{word} in the agent's config");
    }

    let mut seen: Vec<Value> = Vec::new();
    while let Some(message) = updates.next().await {
        seen.push(message["data"]["jobUpdated"].clone());
    }
    let midway = seen
        .iter()
        .filter(|u| u["status"] == "RUNNING")
        .filter_map(|u| u["progress"].as_f64())
        .filter(|p| *p > 0.0 && *p < 1.0)
        .count();
    assert!(
        midway > 0,
        "no progress while it ran: {seen:?}\n{}",
        agent.printed()
    );
    assert_eq!(
        seen.last().unwrap()["status"],
        "SUCCEEDED",
        "{seen:?}\n{}",
        agent.printed()
    );

    // The output went up through the router's agent routes and downloads as a WebM.
    let done = job(&stack, &owner, &id, "runs { outcome }").await;
    let output = stack
        .gql(
            Cred::Bearer(&owner),
            "query($id: ID!) { media(id: $id) { name contentType url } }",
            json!({"id": done["outputs"][0]["id"]}),
        )
        .await;
    assert_eq!(output.data("/media/name"), "output.webm", "{done}");
    assert_eq!(output.data("/media/contentType"), "video/webm");
    let url = output.data("/media/url").as_str().unwrap().to_owned();
    let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(
        &bytes[..4],
        &[0x1a, 0x45, 0xdf, 0xa3],
        "a Matroska/WebM file"
    );
    // It ran on the far agent.
    let ran_on = lines(
        &stack,
        &format!(
            "SELECT a.name || ' ' || coalesce(r.outcome, 'open') AS line FROM worker.runs r \
             JOIN worker.workers w ON w.id = r.worker_id JOIN worker.agents a ON a.id = w.agent_id \
             WHERE r.job_id = '{id}'"
        ),
    )
    .await;
    assert_eq!(ran_on, ["far-rack succeeded"]);
}

#[tokio::test]
async fn an_agent_cut_off_past_its_lease_stops_its_run_and_its_late_release_is_refused() {
    let host = TestHost::create().expect("a test host (ip netns, as root)");
    let lease = Duration::from_secs(3);
    let (stack, far_base) = stack_for(&host, 3).await;
    let token = issue(&stack, "cut-off", &["cpu"], None).await;
    let (owner, _, _) = stack.sign_up("cut-owner").await;
    // The first attempt runs for a minute, the second ends at once.
    let script = "echo \"::progress 0.1 attempt $MEDIAMAGIC_ATTEMPT\"; \
                  if [ \"$MEDIAMAGIC_ATTEMPT\" = 1 ]; then sleep 60; fi; cp \"$1\" out.mp3";
    let model = script_model(&stack, &owner, script, "cpu", 120).await;
    let input = upload(&stack, &owner, &mp3(), "in.mp3", "audio/mpeg").await;
    let id = deploy(
        &stack,
        &owner,
        json!({"model": model, "args": {"input": input}}),
    )
    .await;
    let far = AgentProcess::start_in(
        &host,
        &far_base,
        &token,
        "",
        "machine_types = { cpu = { slots = 1 } }",
    );
    let running = wait_for(&stack, &owner, &id, &["RUNNING"], Duration::from_secs(30)).await;
    assert_eq!(running["attempts"], 1, "{running}");

    host.partition().unwrap();
    let cut_at = Instant::now();
    // The platform sweeps the lease the far agent can no longer renew: the job is queued
    // again.
    let requeued = wait_for(&stack, &owner, &id, &["QUEUED"], Duration::from_secs(20)).await;
    assert_eq!(
        requeued["message"], "requeued: its worker stopped responding",
        "{requeued}"
    );
    // Another agent takes attempt 2 while the far one is still cut off.
    let near_token = issue(&stack, "near", &["cpu"], None).await;
    let _near = AgentProcess::start(
        &base(&stack),
        &near_token,
        "",
        "machine_types = { cpu = { slots = 1 } }",
    );
    let done = wait_for(
        &stack,
        &owner,
        &id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    // The far agent stopped its run once it could not renew the lease for as long as a
    // lease lasts; its give-back of the run is on its way when the link comes back.
    far.printed_within(
        "the lease could not be renewed in time",
        Duration::from_secs(15),
    )
    .await;
    assert!(
        cut_at.elapsed() < lease * 3,
        "the link must come back while the far agent still tries to give the run back"
    );
    host.heal().await.unwrap();

    // The far agent's give-back, sent for attempt 1 after the platform handed the job on,
    // was refused: it changed nothing.
    far.printed_within(
        "the platform refused the release of a run stopped for want of its lease",
        Duration::from_secs(15),
    )
    .await;
    let after = job(&stack, &owner, &id, "").await;
    assert_eq!(
        (after["status"].clone(), after["attempts"].clone()),
        (json!("SUCCEEDED"), json!(2))
    );
    // One run each, the first lost; charged once, for the second; one output.
    let runs = lines(
        &stack,
        &format!(
            "SELECT r.attempt || ' ' || a.name || ' ' || coalesce(r.outcome, 'open') || ' ' || \
             (SELECT count(*) FROM billing.usage_lines u \
              WHERE u.job_id = r.job_id AND u.attempt = r.attempt) AS line \
             FROM worker.runs r JOIN worker.workers w ON w.id = r.worker_id \
             JOIN worker.agents a ON a.id = w.agent_id WHERE r.job_id = '{id}' ORDER BY r.attempt"
        ),
    )
    .await;
    assert_eq!(runs, ["1 cut-off lost 0", "2 near succeeded 1"]);
    assert_eq!(after["outputs"].as_array().unwrap().len(), 1, "{after}");
}
