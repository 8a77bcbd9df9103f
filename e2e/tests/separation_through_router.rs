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
