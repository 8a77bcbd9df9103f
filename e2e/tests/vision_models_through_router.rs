//! Issue 39's acceptance tests: the catalogue's neural networks (`face-detect`,
//! `background-remove`, mediapipe's BlazeFace and selfie segmentation) run through the real
//! router, queue, worker and bubblewrap sandbox, with the `vision` runtime that
//! `scripts/install-runtime.sh vision` installed (the README's test command installs it);
//! structured results (`Job.result`, `jobUpdated`, callbacks) and the tags they propose.
//!
//! `astronaut.jpg` is scikit-image's `data/astronaut.png` (a NASA photograph of Eileen
//! Collins, public domain) re-encoded as JPEG.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{all_log_lines, deploy, job, receiver, script_model_with, upload, wait_for},
    media::{ffmpeg_file, mp3},
    rest::call,
    spawn_stack_with,
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::{path::Path, time::Duration};

const ASTRONAUT: &[u8] = include_bytes!("fixtures/astronaut.jpg");
const VISION: &str = "/opt/mediamagic/runtimes/vision";

/// A stack with a real worker and the default program directories (the vision runtime).
async fn stack() -> TestStack {
    assert!(
        Path::new(VISION).join("runtime.json").is_file(),
        "the vision runtime is missing: run scripts/install-runtime.sh vision (the README's \
         test command does)"
    );
    spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        if let Some(cpu) = config.worker.machine_types.get_mut("cpu") {
            cpu.slots = 3;
        }
        config.jobs.sweep_interval_ms = 100;
        config.jobs.allow_private_callbacks = true;
    })
    .await
}

async fn run(stack: &TestStack, token: &str, input: Value) -> Value {
    let id = deploy(stack, token, input).await;
    let done = wait_for(
        stack,
        token,
        &id,
        &["SUCCEEDED", "FAILED", "CANCELLED"],
        Duration::from_secs(120),
    )
    .await;
    job(
        stack,
        token,
        &id,
        "result outputs { id name url contentType }",
    )
    .await
    .as_object()
    .map(|extra| {
        let mut merged = done.clone();
        merged.as_object_mut().unwrap().extend(extra.clone());
        merged
    })
    .unwrap()
}

async fn media(stack: &TestStack, token: &str, id: &str) -> Value {
    let answer = stack
        .gql(
            Cred::Bearer(token),
            "query($id: ID!) { media(id: $id) { id tags tagLineage { tag job { id } at } } }",
            json!({"id": id}),
        )
        .await;
    answer.data("/media").clone()
}

async fn download(url: &str) -> Vec<u8> {
    let response = reqwest::get(url).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn face_detect_finds_the_astronauts_face_and_tags_her_photo_with_lineage() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("vision").await;
    let photo = upload(&stack, &token, ASTRONAUT, "astronaut.jpg", "image/jpeg").await;
    let (hook, received) = receiver(0).await;
    let id = deploy(
        &stack,
        &token,
        json!({"model": "face-detect", "args": {"image": photo}, "applyTags": true,
               "callbackUrl": hook}),
    )
    .await;
    let ws_url = stack.router_url(0).replace("http://", "ws://");
    let mut updates = WsSubscription::start(
        &ws_url,
        &token,
        "subscription($id: ID!) { jobUpdated(id: $id) { status result } }",
        json!({"id": id}),
    )
    .await;
    let mut last = Value::Null;
    while let Some(message) = updates.next().await {
        last = message["data"]["jobUpdated"].clone();
    }
    let done = job(&stack, &token, &id, "result outputs { id name url }").await;

    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let faces = done["result"]["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 1, "exactly one face: {done}");
    let face = &faces[0];
    assert!(face["score"].as_f64().unwrap() > 0.8, "{face}");
    // Her face is in the upper middle of the 512 x 512 photograph.
    let (x, y) = (
        face["box"]["x"].as_i64().unwrap(),
        face["box"]["y"].as_i64().unwrap(),
    );
    let (w, h) = (
        face["box"]["width"].as_i64().unwrap(),
        face["box"]["height"].as_i64().unwrap(),
    );
    assert!((120..260).contains(&x) && (30..160).contains(&y), "{face}");
    assert!((50..200).contains(&w) && (50..200).contains(&h), "{face}");
    assert_eq!(done["result"]["tags"], json!(["face"]));
    assert_eq!(last["status"], "SUCCEEDED", "the subscription saw the end");
    assert_eq!(
        last["result"], done["result"],
        "jobUpdated carries the result"
    );
    let annotated = &done["outputs"][0];
    assert_eq!(annotated["name"], "annotated.jpg");
    assert!(download(annotated["url"].as_str().unwrap()).await.len() > 1000);
    // The runtime's prebuilt font list was used, read-only as it is in the sandbox: no
    // rebuild in a temporary directory (0.09 s a run) and no warning about it in the log.
    let log = all_log_lines(&stack, &token, &id).await;
    assert!(!log.iter().any(|l| l.contains("Matplotlib")), "{log:#?}");

    let tagged = media(&stack, &token, &photo).await;
    assert_eq!(tagged["tags"], json!(["face"]));
    assert_eq!(tagged["tagLineage"][0]["tag"], "face");
    assert_eq!(tagged["tagLineage"][0]["job"]["id"], id.as_str());

    for _ in 0..100 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bodies = received.lock().unwrap().clone();
    let body: Value = serde_json::from_str(&bodies.last().expect("a callback").1).unwrap();
    assert_eq!(
        body["data"]["result"], done["result"],
        "the callback carries it"
    );
}

#[tokio::test]
async fn a_frame_without_a_face_finds_none_and_tags_nothing() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("noface").await;
    let fractal = ffmpeg_file(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=320x240",
            "-frames:v",
            "1",
        ],
        "fractal.png",
    );
    let image = upload(&stack, &token, &fractal, "fractal.png", "image/png").await;

    let done = run(
        &stack,
        &token,
        json!({"model": "face-detect", "args": {"image": image}, "applyTags": true}),
    )
    .await;

    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["result"]["faces"], json!([]));
    assert_eq!(done["result"]["width"], 320);
    let untouched = media(&stack, &token, &image).await;
    assert_eq!(untouched["tags"], json!([]));
    assert_eq!(untouched["tagLineage"], json!([]));
}

#[tokio::test]
async fn background_remove_cuts_out_the_astronaut_with_an_alpha_channel() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("cutout").await;
    let photo = upload(&stack, &token, ASTRONAUT, "astronaut.jpg", "image/jpeg").await;

    let done = run(
        &stack,
        &token,
        json!({"model": "background-remove", "args": {"image": photo}}),
    )
    .await;

    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let cutout = done["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "cutout.png")
        .expect("cutout.png")
        .clone();
    assert_eq!(cutout["contentType"], "image/png");
    let png = download(cutout["url"].as_str().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cutout.png");
    std::fs::write(&path, &png).unwrap();
    let alpha = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(&path)
        .args([
            "-vf",
            "alphaextract",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "pipe:1",
        ])
        .output()
        .unwrap();
    assert!(alpha.status.success(), "no alpha channel: {alpha:?}");
    assert_eq!(alpha.stdout.len(), 512 * 512);
    let transparent =
        alpha.stdout.iter().filter(|&&a| a == 0).count() as f64 / alpha.stdout.len() as f64;
    assert!(
        (0.2..0.8).contains(&transparent),
        "transparent share {transparent}"
    );
    let share = done["result"]["foreground_share"].as_f64().unwrap();
    assert!(
        (share - (1.0 - transparent)).abs() < 0.01,
        "{share} vs {transparent}"
    );
}

#[tokio::test]
async fn another_accounts_media_cannot_be_tagged_through_a_result() {
    use mediamagic_jobs::{commands::queue, domain::Lease};
    use mediamagic_kit::tokens::{TokenIssuer, WorkerClaims};
    let stack = stack().await;
    let (victim, _, _) = stack.sign_up("victim").await;
    let (attacker, _, _) = stack.sign_up("attacker").await;
    let victims_photo = upload(&stack, &victim, ASTRONAUT, "me.jpg", "image/jpeg").await;
    let own_photo = upload(&stack, &attacker, ASTRONAUT, "own.jpg", "image/jpeg").await;

    // Through the API: the victim's media is not found for the attacker.
    let refused = stack
        .gql(
            Cred::Bearer(&attacker),
            "mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }",
            json!({"input": {"model": "face-detect", "args": {"image": victims_photo},
                             "applyTags": true}}),
        )
        .await;
    assert_eq!(refused.error_code(), "NOT_FOUND", "{}", refused.body);

    // Through the worker route, holding a real lease of the attacker's job (a `gpu` job:
    // no worker here serves gpu, so this test claims it as a worker would).
    let model = stack
        .gql(
            Cred::Bearer(&attacker),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": {
                "name": "tagger", "container": "debian:bookworm-slim",
                "command": "true {image}", "machineType": "gpu",
                "args": {"image": {"type": "file", "kinds": ["image"]}},
                "result": {"schema": {"type": "object", "properties": {"tags": {"type": "array"}}},
                           "tags": {"field": "tags", "arg": "image"}}
            }}),
        )
        .await
        .data("/createModel/id")
        .as_str()
        .unwrap()
        .to_owned();
    let job_id = deploy(
        &stack,
        &attacker,
        json!({"model": model, "args": {"image": own_photo}, "applyTags": true}),
    )
    .await;
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra)
        .await
        .unwrap();
    let claimed = queue::claim(&deps, "gpu", "rogue-worker")
        .await
        .unwrap()
        .expect("the job is claimable");
    assert_eq!(claimed.job.id.to_string(), job_id);
    queue::start(&deps, &Lease::new(claimed.job.id, "rogue-worker", 1))
        .await
        .unwrap();
    let worker_key = TokenIssuer::from_hex(&stack.infra.keys.worker_private_key).unwrap();
    let token = worker_key
        .mint_worker(&WorkerClaims {
            worker_id: "rogue-worker".into(),
            job_id: claimed.job.id,
            attempt: 1,
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(5),
        })
        .unwrap();
    let route = format!(
        "{}/internal/worker/graphql",
        stack.subgraph_url("media").trim_end_matches("/graphql")
    );
    let tag = |media: String| {
        let (stack, route, token, job_id) = (&stack, &route, &token, &job_id);
        async move {
            stack
                .gql_at(
                    route,
                    Cred::None,
                    &[("x-mediamagic-worker", token)],
                    "mutation($job: ID!, $media: ID!) { tagJobInput(jobId: $job, mediaId: $media, tags: [\"face\", \"stolen\"]) { id tags } }",
                    json!({"job": job_id, "media": media}),
                )
                .await
        }
    };

    let on_victims = tag(victims_photo.clone()).await;
    let on_own = tag(own_photo.clone()).await;

    assert_eq!(on_victims.error_code(), "NOT_FOUND", "{}", on_victims.body);
    assert_eq!(
        media(&stack, &victim, &victims_photo).await["tags"],
        json!([])
    );
    assert!(on_own.body["errors"].is_null(), "{}", on_own.body);
    assert_eq!(on_own.data("/tagJobInput/tags"), &json!(["face", "stolen"]));
}

#[tokio::test]
async fn a_result_that_breaks_its_schema_or_size_fails_the_job_with_nothing_stored() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("strict").await;
    let result = json!({"schema": {"type": "object", "required": ["n"],
                                   "properties": {"n": {"type": "integer"}}}});
    let cases = [
        (
            "printf '{\"n\": \"three\"}' > result.json",
            "RESULT_INVALID",
            "$.n",
        ),
        (
            "printf 'not json' > result.json",
            "RESULT_INVALID",
            "not JSON",
        ),
        (
            "head -c 70000 /dev/zero | tr '\\0' ' ' > result.json",
            "RESULT_TOO_LARGE",
            "65536 bytes",
        ),
        ("true", "RESULT_MISSING", "result.json"),
    ];
    for (write, code, says) in cases {
        let script = format!("{write}; cp \"$1\" out.mp3");
        let model = script_model_with(&stack, &token, &script, 60, json!({"result": result})).await;
        let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
        let done = run(
            &stack,
            &token,
            json!({"model": model, "args": {"input": song}}),
        )
        .await;
        assert_eq!(done["status"], "FAILED", "{write}: {done}");
        assert_eq!(done["error"]["code"], code, "{write}: {done}");
        assert!(
            done["error"]["message"].as_str().unwrap().contains(says),
            "{write}: {done}"
        );
        assert!(done["result"].is_null(), "{done}");
        assert_eq!(done["outputs"], json!([]), "no output registered: {done}");
    }
    let listed = stack
        .gql(
            Cred::Bearer(&token),
            "{ mediaList { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed.data("/mediaList/totalCount"),
        &json!(4),
        "only the four songs: {}",
        listed.body
    );

    let good = script_model_with(
        &stack,
        &token,
        "printf '{\"n\": 3}' > result.json; cp \"$1\" out.mp3",
        60,
        json!({"result": result}),
    )
    .await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let done = run(
        &stack,
        &token,
        json!({"model": good, "args": {"input": song}}),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["result"], json!({"n": 3}));
}

#[tokio::test]
async fn asking_for_tags_from_a_model_that_declares_none_is_refused() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("notags").await;
    let image = upload(&stack, &token, ASTRONAUT, "a.jpg", "image/jpeg").await;
    let refused = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }",
            json!({"input": {"model": "background-remove", "args": {"image": image},
                             "applyTags": true}}),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{}", refused.body);
    assert!(
        refused.body.to_string().contains("result.tags"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn deploying_a_model_whose_runtime_no_worker_has_fails_at_once_and_cluster_says_why() {
    // A worker without the vision runtime: no program directories.
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        config.worker.program_dirs = Vec::new();
    })
    .await;
    let (token, _, _) = stack.sign_up("missing").await;
    let image = upload(&stack, &token, ASTRONAUT, "a.jpg", "image/jpeg").await;

    let refused = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }",
            json!({"input": {"model": "face-detect", "args": {"image": image}}}),
        )
        .await;
    let cluster = stack
        .gql(
            Cred::Bearer(&token),
            "{ cluster { runtimes catalogue { slug runtime runnable hint } } }",
            json!({}),
        )
        .await;
    let jobs = stack
        .gql(Cred::Bearer(&token), "{ jobs { totalCount } }", json!({}))
        .await;
    let rest = call(
        &stack,
        "POST",
        "/api/v1/deployments",
        Cred::Bearer(&token),
        Some(&json!({"model_id": "face-detect", "args": {"image": image}})),
    )
    .await;

    assert_eq!(refused.error_code(), "RUNTIME_MISSING", "{}", refused.body);
    let message = refused.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("scripts/install-runtime.sh vision"),
        "{message}"
    );
    assert_eq!(rest.status, 503, "{:?}", rest.body);
    assert_eq!(rest.code(), "RUNTIME_MISSING");
    assert_eq!(jobs.data("/jobs/totalCount"), &json!(0), "nothing queued");
    assert_eq!(cluster.data("/cluster/runtimes"), &json!([]));
    let catalogue = cluster.data("/cluster/catalogue").as_array().unwrap();
    let face = catalogue
        .iter()
        .find(|m| m["slug"] == "face-detect")
        .unwrap();
    assert_eq!(face["runnable"], false);
    assert_eq!(face["runtime"], "vision");
    assert!(
        face["hint"]
            .as_str()
            .unwrap()
            .contains("install-runtime.sh vision")
    );
    let resize = catalogue
        .iter()
        .find(|m| m["slug"] == "image-resize")
        .unwrap();
    assert_eq!(resize["runnable"], true, "{resize}");
}

#[tokio::test]
async fn seed_000s_rest_deploys_with_apply_tags_shows_the_result_and_refuses_foreign_media() {
    let stack = stack().await;
    let (owner, _, _) = stack.sign_up("rest-owner").await;
    let (other, _, _) = stack.sign_up("rest-other").await;
    let photo = upload(&stack, &owner, ASTRONAUT, "astronaut.jpg", "image/jpeg").await;
    let body = json!({"model_id": "face-detect", "args": {"image": photo}, "apply_tags": true});

    // Another account naming the owner's photo: the REST surface acts as its caller.
    let foreign = call(
        &stack,
        "POST",
        "/api/v1/deployments",
        Cred::Bearer(&other),
        Some(&body),
    )
    .await;
    let created = call(
        &stack,
        "POST",
        "/api/v1/deployments",
        Cred::Bearer(&owner),
        Some(&body),
    )
    .await;

    assert_eq!(foreign.status, 404, "{:?}", foreign.body);
    assert_eq!(foreign.code(), "NOT_FOUND");
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["apply_tags"], true);
    let job_id = created.body["job_id"].as_str().unwrap().to_owned();
    wait_for(
        &stack,
        &owner,
        &job_id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(120),
    )
    .await;
    let job = call(
        &stack,
        "GET",
        &format!("/api/v1/jobs/{job_id}"),
        Cred::Bearer(&owner),
        None,
    )
    .await;
    assert_eq!(job.status, 200, "{:?}", job.body);
    assert_eq!(job.body["status"], "succeeded", "{:?}", job.body);
    assert_eq!(job.body["result"]["faces"].as_array().unwrap().len(), 1);
    assert_eq!(media(&stack, &owner, &photo).await["tags"], json!(["face"]));
}
