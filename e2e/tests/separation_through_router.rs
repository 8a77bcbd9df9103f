//! Seed 004's separation journey through the router, with the real worker: separate a song
//! sent as base64 JSON, see it queued, fetch the four tracks as audio/mpeg, remove tracks.
//! Plus idempotent retries, errors, and the opt-in account for clients without credentials.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use mediamagic_e2e::{
    Cred,
    media::{ffmpeg_file, mp3, probe},
    rest::{base, call, call_at},
    spawn_stack_with,
};
use mediamagic_kit::config::Secret;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TRACKS: [&str; 4] = ["base.mp3", "vocals.mp3", "drums.mp3", "other.mp3"];

fn song(bytes: &[u8]) -> Value {
    json!({"mp3": base64::engine::general_purpose::STANDARD.encode(bytes), "model": "stems"})
}

/// A 3-second stereo song: a bass tone left, a voice-band tone in the middle, noise.
fn stereo_song() -> Vec<u8> {
    ffmpeg_file(
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=80:duration=3",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=1000:duration=3",
            "-filter_complex",
            "[0:a][1:a]amerge=inputs=2[a]",
            "-map",
            "[a]",
        ],
        "song.mp3",
    )
}

#[tokio::test]
async fn a_song_is_separated_into_four_playable_tracks_that_can_be_removed() {
    let stack = spawn_stack_with(|config| config.worker.enabled = true).await;
    let (token, _, _) = stack.sign_up("dj").await;
    let cred = Cred::Bearer(&token);

    let health = reqwest::get(format!("{}/", base(&stack))).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        health
            .text()
            .await
            .unwrap()
            .contains("Music Separation Server")
    );

    let queued = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&song(&stereo_song())),
    )
    .await;
    assert_eq!(queued.status, 200, "{:?}", queued.body);
    assert_eq!(queued.body["reason"], "Song enqueued for separation");
    let hash = queued.body["hash"].as_str().unwrap().to_owned();

    for track in TRACKS {
        let deadline = Instant::now() + Duration::from_secs(60);
        let bytes = loop {
            let response = reqwest::Client::new()
                .get(format!("{}/apiv1/track/{hash}/{track}", base(&stack)))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            match response.status().as_u16() {
                200 => {
                    assert_eq!(response.headers()["content-type"], "audio/mpeg");
                    break response.bytes().await.unwrap();
                }
                409 => {}
                other => panic!("{track}: HTTP {other}: {}", response.text().await.unwrap()),
            }
            assert!(Instant::now() < deadline, "{track} never became ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let (codec, seconds) = probe(&bytes);
        assert_eq!(codec, "mp3", "{track}");
        assert!((seconds - 3.0).abs() < 0.5, "{track}: {seconds} s");
    }

    let removed = call(
        &stack,
        "GET",
        &format!("/apiv1/remove/{hash}/vocals.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let job = stack
        .gql(
            cred,
            "query($id: ID!) { job(id: $id) { outputs { name status url } } }",
            json!({"id": hash}),
        )
        .await;
    let vocals = job
        .data("/job/outputs")
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "vocals.mp3")
        .unwrap()
        .clone();
    assert_eq!(
        vocals,
        json!({"name": "vocals.mp3", "status": "DELETED", "url": null})
    );
    let gone = call(
        &stack,
        "GET",
        &format!("/apiv1/track/{hash}/vocals.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(gone.status, 404, "{:?}", gone.body);
    let deleted = call(
        &stack,
        "DELETE",
        &format!("/apiv1/remove/{hash}/drums.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(deleted.status, 200);
    let still = call(
        &stack,
        "GET",
        &format!("/apiv1/track/{hash}/base.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(still.status, 200);
    let unknown = call(
        &stack,
        "GET",
        &format!("/apiv1/track/{hash}/bass.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(unknown.status, 404);

    // Another account cannot see the song.
    let (other, _, _) = stack.sign_up("other").await;
    let theirs = call(
        &stack,
        "GET",
        &format!("/apiv1/track/{hash}/base.mp3"),
        Cred::Bearer(&other),
        None,
    )
    .await;
    assert_eq!(theirs.status, 404);
}

#[tokio::test]
async fn queued_songs_are_listed_oldest_first_and_a_resent_song_keeps_its_hash() {
    // No worker: everything stays queued.
    let stack = spawn_stack_with(|config| config.worker.enabled = false).await;
    let (token, _, _) = stack.sign_up("dj").await;
    let cred = Cred::Bearer(&token);
    let first_song = mp3();
    let second_song = stereo_song();

    let first = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&song(&first_song)),
    )
    .await;
    let second = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&song(&second_song)),
    )
    .await;
    let again = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&song(&first_song)),
    )
    .await;
    assert_eq!(again.body["hash"], first.body["hash"]);
    assert_ne!(second.body["hash"], first.body["hash"]);

    let queue = call(&stack, "GET", "/apiv1/queue", cred, None).await;
    assert_eq!(queue.status, 200);
    assert_eq!(
        queue.body["queue"],
        json!([first.body["hash"], second.body["hash"]])
    );
    // The resent song left no second copy behind.
    let media = call(&stack, "GET", "/api/v1/media?tags=separation", cred, None).await;
    assert_eq!(media.body["media"].as_array().unwrap().len(), 2);

    let hash = first.body["hash"].as_str().unwrap();
    let waiting = call(
        &stack,
        "GET",
        &format!("/apiv1/track/{hash}/base.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(waiting.status, 409);
}

#[tokio::test]
async fn a_sixteen_megabyte_request_passes_the_router_and_is_queued() {
    let stack = spawn_stack_with(|config| config.worker.enabled = false).await;
    let (token, _, _) = stack.sign_up("dj").await;
    // A real mp3 padded to 12 MiB: 16 MiB of base64 in the JSON body.
    let mut big = mp3();
    big.resize(12 * 1024 * 1024, 0);
    let body = song(&big);
    assert!(body.to_string().len() > 16 * 1024 * 1024);

    let queued = call(
        &stack,
        "POST",
        "/apiv1/separate",
        Cred::Bearer(&token),
        Some(&body),
    )
    .await;
    assert_eq!(queued.status, 200, "{:?}", queued.body);
    let hash = queued.body["hash"].as_str().unwrap();
    let job = call(
        &stack,
        "GET",
        &format!("/api/v1/jobs/{hash}"),
        Cred::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(job.body["status"], "queued");
}

#[tokio::test]
async fn separation_errors_have_clear_statuses() {
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = false;
        config.compat.separation.max_body_bytes = 64 * 1024;
    })
    .await;
    let (token, _, _) = stack.sign_up("dj").await;
    let cred = Cred::Bearer(&token);

    let anonymous = call(
        &stack,
        "POST",
        "/apiv1/separate",
        Cred::None,
        Some(&song(&mp3())),
    )
    .await;
    assert_eq!(anonymous.status, 401);
    let garbled = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&json!({"mp3": "***"})),
    )
    .await;
    assert_eq!(garbled.status, 400);
    let missing = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&json!({"model": "stems"})),
    )
    .await;
    assert_eq!(missing.status, 400);
    let mut unknown_model = song(&mp3());
    unknown_model["model"] = json!("7stems");
    let unknown = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&unknown_model),
    )
    .await;
    assert_eq!(unknown.status, 422, "{:?}", unknown.body);
    let large = call(
        &stack,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&song(&vec![7u8; 100 * 1024])),
    )
    .await;
    assert_eq!(large.status, 413);
    let no_song = call(
        &stack,
        "GET",
        &format!("/apiv1/track/{}/base.mp3", uuid::Uuid::new_v4()),
        cred,
        None,
    )
    .await;
    assert_eq!(no_song.status, 404);
}

#[tokio::test]
async fn requests_without_credentials_act_as_the_configured_legacy_account_when_enabled() {
    let mut stack = spawn_stack_with(|config| config.worker.enabled = false).await;
    let (token, _, _) = stack.sign_up("legacy").await;
    let (key, _) = stack.create_key(&token, None).await;
    // A second compat service configured with the key, behind a second router.
    let mut config = stack.config.clone();
    config.compat.separation.anonymous_api_key = Some(Secret::new(key));
    let service = mediamagic::stack::compat_service(&config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let _task = mediamagic::stack::spawn_service("compat", listener, service, shutdown.clone());
    let legacy = stack.add_router_with_service("compat", url).await;
    let legacy_base = stack
        .router_url(legacy)
        .trim_end_matches("/graphql")
        .to_owned();

    let queued = call_at(
        &legacy_base,
        "POST",
        "/apiv1/separate",
        Cred::None,
        Some(&song(&mp3())),
    )
    .await;
    assert_eq!(queued.status, 200, "{:?}", queued.body);
    let queue = call_at(&legacy_base, "GET", "/apiv1/queue", Cred::None, None).await;
    assert_eq!(queue.body["queue"], json!([queued.body["hash"]]));
    // It is that account's song.
    let jobs = call(&stack, "GET", "/api/v1/jobs", Cred::Bearer(&token), None).await;
    assert_eq!(jobs.body["jobs"][0]["id"], queued.body["hash"]);
    // Other surfaces still need a credential, and the default surface stays closed.
    let rest = call_at(&legacy_base, "GET", "/api/v1/jobs", Cred::None, None).await;
    assert_eq!(rest.status, 401);
    let closed = call(&stack, "GET", "/apiv1/queue", Cred::None, None).await;
    assert_eq!(closed.status, 401);
    shutdown.cancel();
}

#[tokio::test]
async fn a_refused_callback_does_not_refuse_the_song() {
    // Arrange: production rules (no loopback callbacks), seed 004's sample callback shape.
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = false;
        config.jobs.allow_private_callbacks = false;
    })
    .await;
    let (token, _, _) = stack.sign_up("dj").await;
    let mut body = song(&mp3());
    body["callback"] = json!({"url": "http://127.0.0.1:9/hook", "data": {"k": 1}});

    // Act
    let queued = call(
        &stack,
        "POST",
        "/apiv1/separate",
        Cred::Bearer(&token),
        Some(&body),
    )
    .await;

    // Assert: queued without the callback, and the answer and the job say why.
    assert_eq!(queued.status, 200, "{}", queued.body);
    assert_eq!(
        queued.body["callback"]["accepted"], false,
        "{}",
        queued.body
    );
    let reason = queued.body["callback"]["reason"].as_str().unwrap();
    assert!(!reason.is_empty());
    let hash = queued.body["hash"].as_str().unwrap();
    let job = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { status deployment { name callbackUrl } } }",
            json!({"id": hash}),
        )
        .await;
    assert_eq!(job.data("/job/status"), "QUEUED");
    assert!(job.body["data"]["job"]["deployment"]["callbackUrl"].is_null());
    assert!(
        job.data("/job/deployment/name")
            .as_str()
            .unwrap()
            .contains("callback not used"),
        "{}",
        job.body
    );
    // A callback the platform accepts is reported as accepted.
    let mut other = song(&ffmpeg_file(
        &["-f", "lavfi", "-i", "sine=frequency=300:duration=2"],
        "b.mp3",
    ));
    // A public address (no DNS here): accepted at queueing time.
    other["callback"] = json!("https://1.1.1.1/hook");
    let accepted = call(
        &stack,
        "POST",
        "/apiv1/separate",
        Cred::Bearer(&token),
        Some(&other),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(
        accepted.body["callback"]["accepted"], true,
        "{}",
        accepted.body
    );
}

/// Seed 004's clients name Demucs models. The `demucs` catalogue model runs its real command
/// line here, but `demucs` is a stand-in (e2e/tests/fixtures/demucs-stand-in.sh) that writes
/// Demucs's exact output layout: its weights cannot be downloaded on these machines.
fn demucs_stand_in() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    // Not under /tmp (every run gets a private /tmp, which would hide it), and where the
    // sandbox's uid can reach it.
    let dir = tempfile::tempdir_in("/var/tmp").unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let program = bin.join("demucs");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/demucs-stand-in.sh"
        ),
        &program,
    )
    .unwrap();
    // The sandbox's uid reads and runs it.
    for path in [dir.path(), bin.as_path(), program.as_path()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

async fn track_bytes(
    stack: &mediamagic_e2e::TestStack,
    token: &str,
    hash: &str,
    track: &str,
) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = reqwest::Client::new()
            .get(format!("{}/apiv1/track/{hash}/{track}", base(stack)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => return response.bytes().await.unwrap().to_vec(),
            409 => {}
            other => panic!("{track}: HTTP {other}: {}", response.text().await.unwrap()),
        }
        if Instant::now() > deadline {
            let job = stack
                .gql(
                    Cred::Bearer(token),
                    "query($id: ID!) { job(id: $id) { status error { code message } logs(limit: 20) { lines { line } } } }",
                    json!({"id": hash}),
                )
                .await;
            panic!("{track} never became ready: {}", job.body);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_demucs_model_name_with_a_localhost_callback_runs_demucs_on_a_gpu_pool() {
    // Arrange: a worker with cpu and gpu slots (the local driver stands in for the GPU
    // cluster), `demucs` on its program path, and loopback callbacks allowed as in `dev`.
    let stand_in = demucs_stand_in();
    let program_dir = stand_in.path().join("bin");
    let stack = spawn_stack_with(move |config| {
        config.worker.enabled = true;
        config.worker.machine_types.insert(
            "gpu".into(),
            mediamagic_worker::config::MachineTypeConfig {
                slots: 1,
                ..Default::default()
            },
        );
        config.worker.program_dirs = vec![program_dir];
        config.jobs.allow_private_callbacks = true;
    })
    .await;
    let (token, _, _) = stack.sign_up("dj").await;
    let (callback_url, received) = mediamagic_e2e::jobs::receiver(0).await;
    let mut body = song(&stereo_song());
    body["model"] = json!("htdemucs_ft");
    body["callback"] = json!({"url": callback_url, "data": {"k": 1}});

    // Act
    let queued = call(
        &stack,
        "POST",
        "/apiv1/separate",
        Cred::Bearer(&token),
        Some(&body),
    )
    .await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    let hash = queued.body["hash"].as_str().unwrap().to_owned();
    let base_track = track_bytes(&stack, &token, &hash, "base.mp3").await;

    // Assert: the answer says Demucs ran; its bass stem is seed 004's base.mp3.
    assert_eq!(
        queued.body["model"],
        json!({"requested": "htdemucs_ft", "ran": "demucs"}),
        "{}",
        queued.body
    );
    assert_eq!(queued.body["callback"]["accepted"], true);
    let (codec, seconds) = probe(&base_track);
    assert_eq!(codec, "mp3");
    assert!((seconds - 2.0).abs() < 0.3, "{seconds} s");
    for track in ["vocals.mp3", "drums.mp3", "other.mp3"] {
        assert_eq!(
            probe(&track_bytes(&stack, &token, &hash, track).await).0,
            "mp3"
        );
    }
    let job = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { status deployment { model { id } args } outputs { name } } }",
            json!({"id": hash}),
        )
        .await;
    assert_eq!(job.data("/job/deployment/args/model"), "htdemucs_ft");
    let mut names: Vec<String> = job
        .data("/job/outputs")
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bass.mp3", "drums.mp3", "other.mp3", "vocals.mp3"]);
    // The catalogue's command line reached `demucs` with the requested pretrained model.
    let logs = mediamagic_e2e::jobs::all_log_lines(&stack, &token, &hash).await;
    assert!(
        logs.iter()
            .any(|l| l.contains("stored in separated/htdemucs_ft")),
        "{logs:?}"
    );
    // The callback reached the developer's local receiver.
    let deadline = Instant::now() + Duration::from_secs(20);
    while received.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no callback");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first: Value = serde_json::from_str(&received.lock().unwrap()[0].1).unwrap();
    assert_eq!(first["data"]["id"], hash.as_str());
}

#[tokio::test]
async fn without_gpu_capacity_a_demucs_model_name_runs_the_default_separation_model() {
    // Arrange: the worker serves cpu only.
    let stack = spawn_stack_with(|config| config.worker.enabled = true).await;
    let (token, _, _) = stack.sign_up("dj").await;
    let mut body = song(&stereo_song());
    body["model"] = json!("htdemucs");

    // Act
    let queued = call(
        &stack,
        "POST",
        "/apiv1/separate",
        Cred::Bearer(&token),
        Some(&body),
    )
    .await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    let hash = queued.body["hash"].as_str().unwrap().to_owned();
    let base_track = track_bytes(&stack, &token, &hash, "base.mp3").await;

    // Assert
    assert_eq!(queued.body["model"]["requested"], "htdemucs");
    assert_eq!(queued.body["model"]["ran"], "stems");
    assert!(
        queued.body["model"]["reason"]
            .as_str()
            .unwrap()
            .contains("gpu"),
        "{}",
        queued.body
    );
    assert_eq!(probe(&base_track).0, "mp3");
    let job = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { deployment { name } } }",
            json!({"id": hash}),
        )
        .await;
    assert!(
        job.data("/job/deployment/name")
            .as_str()
            .unwrap()
            .contains("htdemucs ran as stems"),
        "{}",
        job.body
    );
}
