//! Tenant programs are hostile: models registered by an ordinary account that each try one
//! escape from the local driver's sandbox, through the real router with the real worker.
//! Each attempt ends FAILED (or CANCELLED) with a clear error, nothing of the platform's
//! secrets shows up in what the job leaves, and the platform keeps serving other jobs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{all_log_lines, deploy, processes_running, script_model_with, upload, wait_for},
    media::mp3,
    spawn_stack_with,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A stack with a real worker (4 `cpu` slots, quick heartbeats and sweeps).
async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        config.worker.kill_grace_ms = 500;
        if let Some(cpu) = config.worker.machine_types.get_mut("cpu") {
            cpu.slots = 4;
        }
        config.jobs.sweep_interval_ms = 100;
    })
    .await
}

/// Every secret value the stack holds, by name.
fn secrets_of(stack: &TestStack) -> Vec<(&'static str, String)> {
    let keys = &stack.infra.keys;
    let mut secrets = vec![
        ("root_private_key", keys.root_private_key.clone()),
        ("internal_private_key", keys.internal_private_key.clone()),
        ("internal_secret", keys.internal_secret.clone()),
        ("events_secret", keys.events_secret.clone()),
        ("webhook_secrets_key", keys.webhook_secrets_key.clone()),
        ("storage_secret", keys.storage_secret.clone()),
        ("worker_private_key", keys.worker_private_key.clone()),
        ("database_url", stack.infra.database_url.clone()),
        ("redis_url", stack.infra.redis_url.clone()),
    ];
    secrets.retain(|(_, value)| !value.is_empty());
    secrets
}

/// Deploys `model` on a fresh song and waits for it to end.
async fn run_to_end(stack: &TestStack, token: &str, model: &str, within: Duration) -> Value {
    let song = upload(stack, token, &mp3(), "song.mp3", "audio/mpeg").await;
    let id = deploy(
        stack,
        token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    wait_for(
        stack,
        token,
        &id,
        &["SUCCEEDED", "FAILED", "CANCELLED"],
        within,
    )
    .await
}

/// Everything a job left for its owner to read: its error, its log and its outputs' bytes.
async fn everything_the_job_left(stack: &TestStack, token: &str, done: &Value) -> String {
    let id = done["id"].as_str().unwrap();
    let mut text = done["error"].to_string();
    for line in all_log_lines(stack, token, id).await {
        text.push('\n');
        text.push_str(&line);
    }
    for output in done["outputs"].as_array().into_iter().flatten() {
        let media = stack
            .gql(
                Cred::Bearer(token),
                "query($id: ID!) { media(id: $id) { url } }",
                json!({"id": output["id"]}),
            )
            .await;
        if let Some(url) = media.body["data"]["media"]["url"].as_str() {
            let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

/// Checks that the platform still runs an ordinary job to success.
async fn still_serves_other_jobs(stack: &TestStack, token: &str) {
    let model = script_model_with(stack, token, "cp \"$1\" out.mp3", 60, json!({})).await;
    let done = run_to_end(stack, token, &model, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
}

#[tokio::test]
async fn a_job_cannot_read_the_platforms_secrets_environments_or_data() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("snoop").await;
    // A file only the worker's host should see, where an operator keeps a config.
    let outside = tempfile::tempdir().unwrap();
    let canary = format!("canary-{}", uuid::Uuid::new_v4().simple());
    let canary_file = outside.path().join("secrets.toml");
    std::fs::write(&canary_file, format!("key = \"{canary}\"\n")).unwrap();
    let script = format!(
        "env; \
         for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr '\\0' '\\n' < \"$f\"; done 2>/dev/null; \
         cat {canary} 2>&1; \
         ls -la /root /tmp /home /var/lib 2>&1; \
         grep -rsI -e private_key -e secret -e postgres:// -e redis:// /tmp /root /etc /var/lib 2>/dev/null | head -n 2000; \
         find / -xdev -name 'secrets.toml' 2>/dev/null; \
         cat /tmp/mediamagic-test-pg-*/data/postgresql.auto.conf 2>&1; \
         exit 1",
        canary = canary_file.display()
    );
    let model = script_model_with(&stack, &token, &script, 60, json!({})).await;

    let done = run_to_end(&stack, &token, &model, Duration::from_secs(60)).await;
    let left = everything_the_job_left(&stack, &token, &done).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "EXIT_STATUS", "{done}");
    assert!(
        !left.contains(&canary),
        "the job read a file outside its sandbox"
    );
    for (name, value) in secrets_of(&stack) {
        assert!(!left.contains(&value), "the job found `{name}`");
    }
    // MEDIAMAGIC_JOB_ID and MEDIAMAGIC_ATTEMPT are set on purpose; config variables are not.
    for variable in ["DATABASE_URL", "REDIS_URL", "MEDIAMAGIC__", "ROUTER_CONFIG"] {
        assert!(!left.contains(variable), "the job saw `{variable}`");
    }
    still_serves_other_jobs(&stack, &token).await;
}

#[tokio::test]
async fn a_job_cannot_connect_to_postgres_redis_the_router_or_any_service() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("scanner").await;
    let mut targets: Vec<String> = vec![
        stack.infra.database_url.clone(),
        stack.infra.redis_url.clone(),
        stack.router_url(0).to_owned(),
    ];
    targets.extend(stack.service_urls.iter().map(|(_, url)| url.clone()));
    let ports: Vec<u16> = targets
        .iter()
        .map(|url| reqwest::Url::parse(url).unwrap().port().unwrap())
        .collect();
    let probes: Vec<String> = ports
        .iter()
        .map(|port| {
            format!(
                "if timeout 3 bash -c 'echo > /dev/tcp/127.0.0.1/{port}' 2>/dev/null; \
                 then echo \"open {port}\"; else echo \"closed {port}\"; fi"
            )
        })
        .collect();
    let script = format!("{}; exit 1", probes.join("; "));
    let model = script_model_with(&stack, &token, &script, 120, json!({})).await;

    let done = run_to_end(&stack, &token, &model, Duration::from_secs(120)).await;
    let lines = all_log_lines(&stack, &token, done["id"].as_str().unwrap()).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    for port in &ports {
        assert!(
            lines.contains(&format!("closed {port}")),
            "port {port} was not probed: {lines:?}"
        );
        assert!(
            !lines.contains(&format!("open {port}")),
            "the job reached port {port}"
        );
    }
    still_serves_other_jobs(&stack, &token).await;
}

#[tokio::test]
async fn a_job_cannot_write_outside_its_working_directory() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("vandal").await;
    let objects = stack.objects.path().display().to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    let marker = format!("escape-{}", uuid::Uuid::new_v4().simple());
    // (The job's own /tmp is its working directory's; it may write there.)
    let places = [
        objects.clone(),
        elsewhere.path().display().to_string(),
        "/usr/local/bin".to_owned(),
        "/usr/bin".to_owned(),
        "/etc".to_owned(),
        "/root".to_owned(),
        "/".to_owned(),
    ];
    let script = places
        .iter()
        .map(|dir| {
            format!(
                "echo x > {dir}/{marker} && echo \"wrote {dir}\"",
                dir = dir.trim_end_matches('/')
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        + "; touch inside.txt && echo \"wrote inside\"; exit 1";
    let model = script_model_with(&stack, &token, &script, 60, json!({})).await;

    let done = run_to_end(&stack, &token, &model, Duration::from_secs(60)).await;
    let lines = all_log_lines(&stack, &token, done["id"].as_str().unwrap()).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert!(lines.contains(&"wrote inside".to_owned()), "{lines:?}");
    for dir in &places {
        assert!(
            !std::path::Path::new(dir).join(&marker).exists(),
            "the job wrote into {dir}"
        );
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("wrote ") && l != "wrote inside"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_job_cannot_change_the_mounted_vision_runtime_that_other_runs_execute() {
    // The default program directories mount the vision runtime (the README's test command
    // installs it) read-only into every run: a job that could write there would plant code
    // in the next tenant's face-detect run.
    let runtime = std::path::Path::new("/opt/mediamagic/runtimes/vision");
    assert!(
        runtime.join("runtime.json").is_file(),
        "run scripts/install-runtime.sh vision"
    );
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("poisoner").await;
    let before = std::fs::read(runtime.join("mm_vision.py")).unwrap();
    let site = "/opt/mediamagic/runtimes/vision/venv/lib/python3.11/site-packages";
    let marker = format!("poison-{}", uuid::Uuid::new_v4().simple());
    let script = format!(
        "command -v mm-face-detect && echo 'runtime on PATH'; \
         echo 'import os' >> /opt/mediamagic/runtimes/vision/mm_vision.py && echo 'wrote module'; \
         echo x > /opt/mediamagic/runtimes/vision/{marker} && echo 'wrote runtime'; \
         echo 'import os' > {site}/sitecustomize.py && echo 'wrote site'; \
         rm -f /opt/mediamagic/runtimes/vision/mm-face-detect && echo 'removed program'; \
         exit 1"
    );
    let model = script_model_with(&stack, &token, &script, 60, json!({})).await;

    let done = run_to_end(&stack, &token, &model, Duration::from_secs(60)).await;
    let lines = all_log_lines(&stack, &token, done["id"].as_str().unwrap()).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert!(lines.contains(&"runtime on PATH".to_owned()), "{lines:?}");
    for wrote in [
        "wrote module",
        "wrote runtime",
        "wrote site",
        "removed program",
    ] {
        assert!(!lines.contains(&wrote.to_owned()), "{wrote}: {lines:?}");
    }
    assert_eq!(std::fs::read(runtime.join("mm_vision.py")).unwrap(), before);
    assert!(!runtime.join(&marker).exists());
    assert!(!std::path::Path::new(site).join("sitecustomize.py").exists());
    assert!(runtime.join("mm-face-detect").is_file());
}

#[tokio::test]
async fn cancelling_a_job_leaves_none_of_its_processes_running_grandchildren_included() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("lingerer").await;
    let marker = format!(
        "{}.{}",
        700 + rand_digit(),
        uuid::Uuid::new_v4().as_u128() % 1000
    );
    // A detached grandchild (its own session, so no process group reaches it), a nohup'd
    // one, then the program itself waits.
    let script = format!(
        "(setsid sleep {marker}1 &); nohup sleep {marker}2 >/dev/null 2>&1 & \
         echo started; exec sleep {marker}3"
    );
    let model = script_model_with(&stack, &token, &script, 600, json!({})).await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let started = Instant::now();
    while processes_running(&format!("sleep {marker}")).len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the job's processes never appeared"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let cancelled = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { cancelJob(id: $id) { cancelRequested } }",
            json!({"id": id}),
        )
        .await;
    assert!(cancelled.body["errors"].is_null(), "{}", cancelled.body);
    let done = wait_for(&stack, &token, &id, &["CANCELLED"], Duration::from_secs(20)).await;
    let asked = Instant::now();
    while !processes_running(&format!("sleep {marker}")).is_empty()
        && asked.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!(done["error"]["code"], "CANCELLED");
    let left = processes_running(&format!("sleep {marker}"));
    for pid in &left {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    assert!(left.is_empty(), "still running after the cancel: {left:?}");
}

/// Runs `script` as a model with `limits` and returns the ended job.
async fn run_with_limits(stack: &TestStack, token: &str, script: &str, limits: Value) -> Value {
    let model = script_model_with(stack, token, script, 120, json!({"limits": limits})).await;
    run_to_end(stack, token, &model, Duration::from_secs(120)).await
}

#[tokio::test]
async fn a_fork_bomb_is_stopped_by_the_process_limit() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("forker").await;
    // Bounded, so that it cannot take the machine down even without a sandbox.
    let script = "i=0; while [ $i -lt 400 ]; do sleep 30 & i=$((i+1)); done; wait; exit 1";

    let done = run_with_limits(&stack, &token, script, json!({"processes": 32})).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "TOO_MANY_PROCESSES", "{done}");
    still_serves_other_jobs(&stack, &token).await;
}

#[tokio::test]
async fn allocating_far_past_the_memory_limit_fails_with_out_of_memory() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("glutton").await;
    let script = "python3 -c 'b = bytearray(1024 * 1024 * 1024); print(len(b))'";

    let done = run_with_limits(&stack, &token, script, json!({"memoryMb": 96})).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "OUT_OF_MEMORY", "{done}");
    still_serves_other_jobs(&stack, &token).await;
}

#[tokio::test]
async fn writing_past_the_output_limit_fails_with_output_too_large() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("hoarder").await;
    let script = "for i in 1 2 3 4 5 6; do head -c 4000000 /dev/zero > part-$i; done; \
                  sleep 20; cp \"$1\" out.mp3";
    let started = Instant::now();

    let done = run_with_limits(&stack, &token, script, json!({"outputMb": 8})).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "OUTPUT_TOO_LARGE", "{done}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "stopped as it went over"
    );
}

#[tokio::test]
async fn spinning_past_the_cpu_time_limit_fails_with_cpu_time_exceeded() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("spinner").await;
    let script = "while :; do :; done";

    let done = run_with_limits(&stack, &token, script, json!({"cpuSeconds": 1})).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "CPU_TIME_EXCEEDED", "{done}");
}

#[tokio::test]
async fn writing_a_file_past_the_file_size_limit_fails_with_file_too_large() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("bigfile").await;
    let script = "head -c 3000000 /dev/zero > big.bin";

    let done = run_with_limits(&stack, &token, script, json!({"fileSizeMb": 1})).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "FILE_TOO_LARGE", "{done}");
}

#[tokio::test]
async fn a_model_cannot_loosen_its_machine_types_limits_and_limits_are_validated() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("loosener").await;

    let refused = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"name": "bad", "container": "x", "command": "true",
                         "limits": {"processes": 0}}}),
        )
        .await;
    let model = script_model_with(
        &stack,
        &token,
        "cp \"$1\" out.mp3",
        60,
        json!({"limits": {"memoryMb": 64, "processes": 1000000}, "network": false}),
    )
    .await;
    let shown = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { model(id: $id) { network limits { memoryMb processes cpuSeconds } } }",
            json!({"id": model}),
        )
        .await;

    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(refused.error_message().contains("limits.processes"));
    assert_eq!(shown.data("/model/limits/memoryMb"), 64);
    assert!(shown.body["data"]["model"]["limits"]["cpuSeconds"].is_null());
    assert_eq!(shown.data("/model/network"), false);
    // A million processes asked for, the machine type's ceiling given: the job still runs.
    let done = run_to_end(&stack, &token, &model, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
}

#[tokio::test]
async fn a_model_with_network_egress_still_cannot_reach_loopback_services() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("caller").await;
    let router_port = reqwest::Url::parse(stack.router_url(0))
        .unwrap()
        .port()
        .unwrap();
    let db_port = reqwest::Url::parse(&stack.infra.database_url)
        .unwrap()
        .port()
        .unwrap();
    let script = format!(
        "grep -c : /proc/net/dev; \
         for port in {router_port} {db_port}; do \
           if timeout 3 bash -c \"echo > /dev/tcp/127.0.0.1/$port\" 2>/dev/null; \
           then echo \"open $port\"; else echo \"closed $port\"; fi; done; exit 1"
    );
    let model = script_model_with(&stack, &token, &script, 60, json!({"network": true})).await;

    let done = run_to_end(&stack, &token, &model, Duration::from_secs(60)).await;
    let lines = all_log_lines(&stack, &token, done["id"].as_str().unwrap()).await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"]["code"], "EXIT_STATUS", "{done}: {lines:?}");
    assert!(
        lines.contains(&format!("closed {router_port}")),
        "{lines:?}"
    );
    assert!(lines.contains(&format!("closed {db_port}")), "{lines:?}");
    let interfaces: usize = lines
        .iter()
        .find_map(|l| l.parse().ok())
        .expect("interfaces counted");
    assert!(interfaces > 1, "the host's network, not only lo: {lines:?}");
}

#[tokio::test]
async fn the_workers_own_credential_acts_as_no_account() {
    use mediamagic_kit::tokens::{TokenIssuer, WorkerClaims};
    let stack = stack().await;
    let (victim, _, _) = stack.sign_up("victim").await;
    let song = upload(&stack, &victim, &mp3(), "song.mp3", "audio/mpeg").await;
    // A gpu job: no worker here serves gpu, so it waits in the queue, held by nobody.
    let model = mediamagic_e2e::jobs::script_model(&stack, &victim, "true", "gpu", 60).await;
    let job = deploy(
        &stack,
        &victim,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let worker_key = TokenIssuer::from_hex(&stack.infra.keys.worker_private_key).unwrap();
    let token = worker_key
        .mint_worker(&WorkerClaims {
            worker_id: "a-worker".into(),
            job_id: job.parse().unwrap(),
            attempt: 1,
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(5),
        })
        .unwrap();
    let media_base = stack
        .subgraph_url("media")
        .trim_end_matches("/graphql")
        .to_owned();
    let read_song = "query($id: ID!) { media(id: $id) { id url } }";

    // As a client credential through the router.
    let as_bearer = stack
        .gql(Cred::Bearer(&token), read_song, json!({"id": song}))
        .await;
    let as_key = stack
        .gql(Cred::Key(&token), read_song, json!({"id": song}))
        .await;
    // As an internal token, straight to the subgraphs.
    let mut as_internal = Vec::new();
    for subgraph in ["media", "jobs", "accounts", "billing"] {
        as_internal.push(
            stack
                .gql_at(
                    stack.subgraph_url(subgraph),
                    Cred::None,
                    &[("x-mediamagic-internal", &token)],
                    "{ __typename }",
                    json!({}),
                )
                .await,
        );
    }
    // On the worker route, for a job it does not hold, and for fields that are not its own.
    let worker_route = format!("{media_base}/internal/worker/graphql");
    let inputs = stack
        .gql_at(
            &worker_route,
            Cred::None,
            &[("x-mediamagic-worker", &token)],
            "query($job: ID!, $ids: [ID!]!) { jobInputs(jobId: $job, ids: $ids) { id url } }",
            json!({"job": job, "ids": [song]}),
        )
        .await;
    let other_field = stack
        .gql_at(
            &worker_route,
            Cred::None,
            &[("x-mediamagic-worker", &token)],
            read_song,
            json!({"id": song}),
        )
        .await;
    let forged = stack
        .gql_at(
            &worker_route,
            Cred::None,
            &[(
                "x-mediamagic-worker",
                &stack.internal_token(&uuid::Uuid::new_v4().to_string()),
            )],
            "query($job: ID!, $ids: [ID!]!) { jobInputs(jobId: $job, ids: $ids) { id } }",
            json!({"job": job, "ids": [song]}),
        )
        .await;

    assert_eq!(
        as_bearer.error_code(),
        "UNAUTHENTICATED",
        "{}",
        as_bearer.body
    );
    assert_eq!(as_key.error_code(), "UNAUTHENTICATED", "{}", as_key.body);
    for answer in &as_internal {
        assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{}", answer.body);
    }
    assert_eq!(inputs.error_code(), "FORBIDDEN", "{}", inputs.body);
    assert!(inputs.body["data"].is_null() || inputs.body["data"]["jobInputs"].is_null());
    assert_eq!(
        other_field.error_code(),
        "FORBIDDEN",
        "{}",
        other_field.body
    );
    assert_eq!(forged.error_code(), "UNAUTHENTICATED", "{}", forged.body);
    let left = format!("{} {} {}", as_bearer.body, inputs.body, other_field.body);
    assert!(
        !left.contains("/objects/"),
        "no URL of the victim's media: {left}"
    );

    // Even while it holds the job: only that job's inputs and outputs, nothing else.
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra)
        .await
        .unwrap();
    let claimed = mediamagic_jobs::commands::queue::claim(&deps, "gpu", "a-worker")
        .await
        .unwrap()
        .expect("the queued gpu job");
    assert_eq!(claimed.job.id.to_string(), job);
    let other_media = upload(&stack, &victim, &mp3(), "private.mp3", "audio/mpeg").await;
    let held = |query: &'static str, variables: Value| {
        let (stack, token, url) = (&stack, token.clone(), worker_route.clone());
        async move {
            stack
                .gql_at(
                    &url,
                    Cred::None,
                    &[("x-mediamagic-worker", &token)],
                    query,
                    variables,
                )
                .await
        }
    };
    let own_input = held(
        "query($job: ID!, $ids: [ID!]!) { jobInputs(jobId: $job, ids: $ids) { id url } }",
        json!({"job": job, "ids": [song]}),
    )
    .await;
    let not_an_input = held(
        "query($job: ID!, $ids: [ID!]!) { jobInputs(jobId: $job, ids: $ids) { id url } }",
        json!({"job": job, "ids": [other_media]}),
    )
    .await;
    let listing = held("{ mediaList { nodes { id } } }", json!({})).await;
    let deleting = held(
        "mutation($id: ID!) { deleteMedia(id: $id) }",
        json!({"id": other_media}),
    )
    .await;

    assert_eq!(own_input.data("/jobInputs/0/id"), song.as_str());
    assert_eq!(
        not_an_input.error_code(),
        "FORBIDDEN",
        "{}",
        not_an_input.body
    );
    for refused in [&listing, &deleting] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{}", refused.body);
        assert!(
            refused
                .error_message()
                .contains("may only select jobInputs")
        );
    }
}

#[tokio::test]
async fn the_cluster_says_how_tenant_programs_are_isolated_and_an_unsandboxed_worker_is_loud() {
    let sandboxed = stack().await;
    let unsandboxed = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        config.worker.sandbox = mediamagic_worker::config::SandboxMode::None;
    })
    .await;
    let query = "{ cluster { sandboxes } }";

    let mut answers = Vec::new();
    for stack in [&sandboxed, &unsandboxed] {
        let (token, _, _) = stack.sign_up("operator").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answer = stack.gql(Cred::Bearer(&token), query, json!({})).await;
            let sandboxes = answer.data("/cluster/sandboxes").clone();
            if sandboxes.as_array().is_some_and(|s| !s.is_empty()) {
                answers.push(sandboxes);
                break;
            }
            assert!(Instant::now() < deadline, "no worker registered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    assert_eq!(answers[0], json!(["bubblewrap (cgroup limits)"]));
    assert_eq!(
        answers[1],
        json!(["none (UNSANDBOXED: trusted models only)"])
    );
}

fn rand_digit() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 90) as u32 + 10
}
