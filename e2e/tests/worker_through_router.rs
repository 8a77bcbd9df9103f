//! The worker issue's acceptance tests on the local driver, through the real router: every
//! runnable catalogue model on media made here, with downloadable outputs and lineage;
//! progress and logs to a subscriber while a job runs; a worker killed mid-run; cancel;
//! program failures; timeouts; the `cluster` query and `Job.logs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{deploy, job, processes_running, script_model, upload, wait_for},
    media::{mp3, mp4, png},
    spawn_stack_with,
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A stack with a real worker (4 `cpu` slots, quick heartbeats) and a quick sweeper.
async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        config.worker.kill_grace_ms = 500;
        if let Some(cpu) = config.worker.machine_types.get_mut("cpu") {
            cpu.slots = 4;
        }
        config.jobs.sweep_interval_ms = 100;
        // The test's model server listens on loopback.
        config.worker.allow_private_model_servers = true;
    })
    .await
}

/// The media fields the tests check.
const OUTPUT_FIELDS: &str = "id name contentType status size job { id } url";

async fn media(stack: &TestStack, token: &str, id: &str) -> Value {
    let response = stack
        .gql(
            Cred::Bearer(token),
            &format!("query($id: ID!) {{ media(id: $id) {{ {OUTPUT_FIELDS} }} }}"),
            json!({"id": id}),
        )
        .await;
    assert!(response.body["errors"].is_null(), "{}", response.body);
    response.body["data"]["media"].clone()
}

async fn download(url: &str) -> Vec<u8> {
    let response = reqwest::get(url).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().await.unwrap().to_vec()
}

/// Whether a process whose command line holds `marker` exists (a sandboxed program's `$$`
/// is a pid of its own namespace, so tests find it by what it runs).
fn alive(marker: &str) -> bool {
    !processes_running(marker).is_empty()
}

/// A script that sleeps long under a name of its own; returns it and that name.
fn long_sleep() -> (String, String) {
    let marker = format!("30.{}", uuid::Uuid::new_v4().as_u128() % 1_000_000_007);
    (format!("exec sleep {marker}"), format!("sleep {marker}"))
}

/// Waits until the job's program runs here.
async fn wait_until_alive(marker: &str) {
    for _ in 0..400 {
        if alive(marker) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the program never started");
}

#[tokio::test]
async fn every_local_catalogue_model_runs_for_real_with_downloadable_outputs_and_lineage() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("catalogue").await;
    let video = upload(&stack, &token, &mp4(), "clip.mp4", "video/mp4").await;
    let image = upload(&stack, &token, &png(), "pattern.png", "image/png").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let runs = [
        (
            "audio-extract",
            json!({"video": video, "bitrate": 96}),
            vec!["audio.mp3"],
        ),
        (
            "transcode",
            json!({"video": video, "format": "mp4", "height": 144}),
            vec!["output.mp4"],
        ),
        (
            "frames",
            json!({"video": video, "interval": 1, "max_frames": 2}),
            vec!["frame-00001.jpg", "frame-00002.jpg"],
        ),
        (
            "image-resize",
            json!({"image": image, "width": 64, "height": 64, "format": "png"}),
            vec!["output.png"],
        ),
        (
            "waveform",
            json!({"audio": song, "width": 320, "height": 80}),
            vec!["waveform.png"],
        ),
        (
            "stems",
            json!({"audio": song, "bitrate": 96}),
            vec!["base.mp3", "drums.mp3", "other.mp3", "vocals.mp3"],
        ),
    ];
    let mut jobs = Vec::new();
    for (model, args, names) in &runs {
        let id = deploy(&stack, &token, json!({"model": model, "args": args})).await;
        jobs.push((model, id, names));
    }

    for (model, id, names) in jobs {
        let done = wait_for(
            &stack,
            &token,
            &id,
            &["SUCCEEDED", "FAILED"],
            Duration::from_secs(120),
        )
        .await;
        assert_eq!(done["status"], "SUCCEEDED", "{model}: {done}");
        let mut outputs: Vec<Value> = Vec::new();
        for output in done["outputs"].as_array().unwrap() {
            outputs.push(media(&stack, &token, output["id"].as_str().unwrap()).await);
        }
        let mut got: Vec<&str> = outputs
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        got.sort();
        assert_eq!(&got, names, "{model}");
        for output in &outputs {
            assert_eq!(output["status"], "LIVE", "{model}: {output}");
            assert_eq!(output["job"]["id"], id.as_str(), "{model}: lineage");
            let bytes = download(output["url"].as_str().unwrap()).await;
            assert_eq!(
                bytes.len() as f64,
                output["size"].as_f64().unwrap(),
                "{model}"
            );
            let expected_type = match output["name"].as_str().unwrap().rsplit('.').next() {
                Some("mp3") => "audio/mpeg",
                Some("mp4") => "video/mp4",
                Some("jpg") => "image/jpeg",
                _ => "image/png",
            };
            assert_eq!(output["contentType"], expected_type, "{model}");
        }
        let placed = job(
            &stack,
            &token,
            &id,
            "attempt driver node runs { outcome worker }",
        )
        .await;
        assert_eq!(placed["attempt"], 1, "{model}");
        assert_eq!(placed["driver"], "local");
        assert!(placed["node"].is_string(), "{placed}");
        assert_eq!(placed["runs"][0]["outcome"], "succeeded");
    }
}

#[tokio::test]
async fn progress_and_logs_reach_subscribers_while_the_job_runs() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("watcher").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let script = "sleep 1; for i in 1 2 3 4; do echo \"::progress 0.$((i * 2)) step $i\"; \
                  echo \"line $i\"; sleep 0.3; done; cp \"$1\" out.mp3";
    let model = script_model(&stack, &token, script, "cpu", 60).await;
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut updates = WsSubscription::start(
        &ws_url,
        &token,
        "subscription($id: ID!) { jobUpdated(id: $id) { status progress message } }",
        json!({"id": id}),
    )
    .await;
    let mut logs = WsSubscription::start(
        &ws_url,
        &token,
        "subscription($id: ID!) { jobLogs(id: $id) { line stream } }",
        json!({"id": id}),
    )
    .await;

    let mut seen = Vec::new();
    while let Some(message) = updates.next().await {
        seen.push(message["data"]["jobUpdated"].clone());
    }
    let mut lines = Vec::new();
    while let Some(message) = logs.next().await {
        lines.push(
            message["data"]["jobLogs"]["line"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    let midway: Vec<&Value> = seen
        .iter()
        .filter(|s| s["status"] == "RUNNING" && s["progress"].as_f64().unwrap() > 0.0)
        .collect();
    assert!(!midway.is_empty(), "no progress while running: {seen:?}");
    assert!(
        midway
            .iter()
            .any(|s| s["message"].as_str().unwrap().starts_with("step "))
    );
    assert_eq!(seen.last().unwrap()["status"], "SUCCEEDED");
    for n in 1..=4 {
        assert!(lines.contains(&format!("line {n}")), "{lines:?}");
    }
    assert!(
        !lines.iter().any(|l| l.starts_with("::progress")),
        "protocol lines are not logs"
    );
}

#[tokio::test]
async fn a_failing_program_fails_once_with_its_last_output_in_the_error() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("failing").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let script = "echo working; echo 'cannot decode frame 7' >&2; exit 3";
    let model = script_model(&stack, &token, script, "cpu", 60).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["FAILED", "SUCCEEDED"],
        Duration::from_secs(30),
    )
    .await;

    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["attempts"], 1, "program failures are not retried");
    assert_eq!(done["error"]["code"], "EXIT_STATUS");
    let message = done["error"]["message"].as_str().unwrap();
    assert!(message.contains("status 3"), "{message}");
    assert!(message.contains("cannot decode frame 7"), "{message}");
}

#[tokio::test]
async fn a_program_that_writes_none_of_its_outputs_fails_with_output_missing() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("empty").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let model = script_model(&stack, &token, "ln -s /etc/passwd out.mp3", "cpu", 60).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["FAILED", "SUCCEEDED"],
        Duration::from_secs(30),
    )
    .await;

    // A symlink to a file outside the run is never published.
    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["error"]["code"], "OUTPUT_MISSING");
}

#[tokio::test]
async fn cancelling_a_running_job_stops_its_process_within_a_second() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("canceller").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let (script, marker) = long_sleep();
    let model = script_model(&stack, &token, &script, "cpu", 600).await;
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    wait_for(&stack, &token, &id, &["RUNNING"], Duration::from_secs(30)).await;
    wait_until_alive(&marker).await;

    let asked = Instant::now();
    let cancelled = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { cancelJob(id: $id) { cancelRequested } }",
            json!({"id": id}),
        )
        .await;
    assert!(cancelled.body["errors"].is_null(), "{}", cancelled.body);
    while alive(&marker) && asked.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopped_after = asked.elapsed();

    assert!(!alive(&marker), "the program still runs");
    assert!(
        stopped_after < Duration::from_secs(1),
        "took {stopped_after:?}"
    );
    let done = wait_for(&stack, &token, &id, &["CANCELLED"], Duration::from_secs(10)).await;
    assert_eq!(done["error"]["code"], "CANCELLED");
}

#[tokio::test]
async fn a_run_past_its_models_timeout_is_stopped() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("timeout").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let (script, marker) = long_sleep();
    let model = script_model(&stack, &token, &script, "cpu", 1).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    wait_until_alive(&marker).await;
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["CANCELLED", "FAILED"],
        Duration::from_secs(15),
    )
    .await;

    assert_eq!(done["error"]["code"], "TIMEOUT", "{done}");
    assert!(!alive(&marker), "the program still runs");
}

#[tokio::test]
async fn the_cluster_shows_capacity_and_load_and_workers_only_to_admins() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("operator").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    // Nobody serves `gpu` here: the job waits and shows as queued.
    let model = script_model(&stack, &token, "cp \"$1\" out.mp3", "gpu", 60).await;
    deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;

    let cluster = stack
        .gql(
            Cred::Bearer(&token),
            "{ cluster { drivers machineTypes { name capacity busy queued workers } workers { id } } }",
            json!({}),
        )
        .await;

    assert!(cluster.body["errors"].is_null(), "{}", cluster.body);
    assert_eq!(cluster.data("/cluster/drivers"), &json!(["local"]));
    assert_eq!(
        cluster.data("/cluster/machineTypes"),
        &json!([
            {"name": "cpu", "capacity": 4, "busy": 0, "queued": 0, "workers": 1},
            {"name": "gpu", "capacity": 0, "busy": 0, "queued": 1, "workers": 0},
        ])
    );
    assert_eq!(
        cluster.data("/cluster/workers"),
        &json!([]),
        "workers are for admins"
    );
    let anonymous = reqwest::Client::new()
        .post(stack.router_url(0))
        .json(&json!({"query": "{ cluster { drivers } }"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn job_logs_page_with_a_cursor_and_another_accounts_job_shows_nothing() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("reader").await;
    let (other, _, _) = stack.sign_up("other").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let script = "for i in 1 2 3 4 5; do echo \"line $i\"; done; cp \"$1\" out.mp3";
    let model = script_model(&stack, &token, script, "cpu", 60).await;
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    wait_for(&stack, &token, &id, &["SUCCEEDED"], Duration::from_secs(30)).await;
    let page = |after: Value| {
        let (stack, token, id) = (&stack, token.clone(), id.clone());
        async move {
            stack
                .gql(
                    Cred::Bearer(&token),
                    "query($id: ID!, $after: String) { job(id: $id) { logs(after: $after, limit: 2) { \
                     lines { line stream } endCursor hasMore } } }",
                    json!({"id": id, "after": after}),
                )
                .await
                .body["data"]["job"]["logs"]
                .clone()
        }
    };

    let mut lines = Vec::new();
    let mut after = Value::Null;
    loop {
        let logs = page(after).await;
        for line in logs["lines"].as_array().unwrap() {
            if line["stream"] == "stdout" {
                lines.push(line["line"].as_str().unwrap().to_owned());
            }
        }
        if logs["hasMore"] == false {
            break;
        }
        after = logs["endCursor"].clone();
    }

    assert_eq!(lines, ["line 1", "line 2", "line 3", "line 4", "line 5"]);
    let foreign = stack
        .gql(
            Cred::Bearer(&other),
            "query($id: ID!) { job(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(foreign.error_code(), "NOT_FOUND");
}

/// A model server on loopback: answers a multipart POST that carries the `audio` file and
/// the `gain` field with `out.mp3` (the uploaded file's bytes), and records what it got.
async fn model_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    use axum::{body::Bytes, http::header, routing::post};
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/separate",
        post(move |body: Bytes| {
            let seen = seen.clone();
            async move {
                *seen.lock().unwrap() = body.to_vec();
                (
                    [
                        (header::CONTENT_TYPE, "audio/mpeg"),
                        (
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"out.mp3\"",
                        ),
                    ],
                    mp3(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "127.0.0.1:{}/separate",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn an_http_model_gets_a_multipart_post_and_its_response_becomes_the_output() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("http-model").await;
    let song_bytes = mp3();
    let song = upload(&stack, &token, &song_bytes, "song.mp3", "audio/mpeg").await;
    let (url, received) = model_server().await;
    let done = run_http_model(
        &stack,
        &token,
        &song,
        json!({
            "name": "remote",
            "container": "acme/remote:1",
            "invocation": "HTTP",
            "command": format!("{url} --form audio=@{{audio}} --form gain={{gain}}"),
            "args": {
                "audio": {"type": "file", "kinds": ["audio"]},
                "gain": {"type": "number", "default": 1.5},
            },
            "outputs": [{"pattern": "out.mp3", "contentType": "audio/mpeg"}],
        }),
    )
    .await;

    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let body = received.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("name=\"gain\"") && text.contains("1.5"),
        "{text:.300}"
    );
    assert!(text.contains("name=\"audio\""));
    assert!(
        body.windows(song_bytes.len())
            .any(|w| w == song_bytes.as_slice()),
        "the file part carries the input's bytes"
    );
    let output = media(&stack, &token, done["outputs"][0]["id"].as_str().unwrap()).await;
    assert_eq!(output["name"], "out.mp3");
    assert_eq!(download(output["url"].as_str().unwrap()).await, mp3());
}

#[tokio::test]
async fn an_http_model_on_an_internal_address_is_refused_by_default() {
    let stack = spawn_stack_with(|config| config.worker.enabled = true).await;
    let (token, _, _) = stack.sign_up("ssrf").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let done = run_http_model(
        &stack,
        &token,
        &song,
        json!({
            "name": "metadata-reader",
            "container": "x:1",
            "invocation": "HTTP",
            "command": "169.254.169.254/latest/meta-data --form audio=@{audio}",
            "args": {"audio": {"type": "file", "kinds": ["audio"]}},
            "outputs": [{"pattern": "output", "contentType": "audio/mpeg"}],
        }),
    )
    .await;

    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["error"]["code"], "BAD_COMMAND");
    assert!(
        done["error"]["message"]
            .as_str()
            .unwrap()
            .contains("internal addresses"),
        "{done}"
    );
}

/// Creates an `http` model from `definition`, deploys it on `song` (its `audio` argument)
/// and waits for the job's end; returns the job.
async fn run_http_model(stack: &TestStack, token: &str, song: &str, definition: Value) -> Value {
    let created = stack
        .gql(
            Cred::Bearer(token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({ "input": definition }),
        )
        .await;
    let model = created.data("/createModel/id").as_str().unwrap().to_owned();
    let id = deploy(
        stack,
        token,
        json!({"model": model, "args": {"audio": song}}),
    )
    .await;
    wait_for(
        stack,
        token,
        &id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(30),
    )
    .await
}

#[tokio::test]
async fn a_job_whose_machine_type_no_worker_offers_fails_with_no_capacity() {
    // Arrange: a worker offering `cpu` only; `gpu` is declared but no pool runs it.
    let stack = mediamagic_e2e::spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.jobs.sweep_interval_ms = 100;
        config.jobs.no_capacity_after_seconds = 2;
    })
    .await;
    let (token, _, _) = stack.sign_up("stranded").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let gpu = script_model(&stack, &token, "cp \"$1\" out.mp3", "gpu", 60).await;
    let cpu = script_model(&stack, &token, "cp \"$1\" out.mp3", "cpu", 60).await;

    // Act
    let stranded = deploy(
        &stack,
        &token,
        json!({"model": gpu, "args": {"input": song}}),
    )
    .await;
    let served = deploy(
        &stack,
        &token,
        json!({"model": cpu, "args": {"input": song}}),
    )
    .await;

    // Assert: the gpu job fails with NO_CAPACITY after the wait; the cpu job runs.
    let failed = wait_for(
        &stack,
        &token,
        &stranded,
        &["FAILED", "SUCCEEDED"],
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    let detail = job(&stack, &token, &stranded, "error { code message }").await;
    assert_eq!(detail["error"]["code"], "NO_CAPACITY", "{detail}");
    assert!(detail["error"]["message"].as_str().unwrap().contains("gpu"));
    let done = wait_for(
        &stack,
        &token,
        &served,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
}

#[tokio::test]
async fn a_model_that_declares_no_outputs_succeeds_without_any() {
    // Arrange: a model that works by side effects only (here: none).
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("sideeffects").await;
    let model = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"name": "noop", "container": "debian", "command": "true",
                         "invocation": "EXEC", "machineType": "cpu"}}),
        )
        .await;
    let model = model.data("/createModel/id").as_str().unwrap().to_owned();

    // Act
    let job = deploy(&stack, &token, json!({"model": model})).await;
    let done = wait_for(
        &stack,
        &token,
        &job,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(30),
    )
    .await;

    // Assert
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["outputs"], json!([]));
}
