//! Seeds 001/002's converter journey through the router, with the real worker: log in with
//! HTTP basic auth, upload a real mp4 (multipart `file`), be told on `myJobs` and by callback
//! when the mp3 is ready, download a playable mp3 (checked with ffprobe). Plus its errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::receiver,
    media::{Part, mp4, multipart_body, probe},
    rest::{base, read, with_cred},
    spawn_stack_with,
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn stack(worker: bool) -> TestStack {
    spawn_stack_with(|config| {
        config.worker.enabled = worker;
        config.jobs.allow_private_callbacks = true;
    })
    .await
}

/// `curl -X POST <base>/converter/login -u email:password`.
async fn login(stack: &TestStack, email: &str, password: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/converter/login", base(stack)))
        .basic_auth(email, Some(password))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// `curl -X POST -F 'file=@./video.mp4' -H 'Authorization: Bearer <JWT>' <base>/converter/upload`.
async fn upload(stack: &TestStack, cred: Cred<'_>, parts: &[Part<'_>]) -> (u16, Value) {
    let (content_type, body) = multipart_body(parts);
    let request = reqwest::Client::new()
        .post(format!("{}/converter/upload", base(stack)))
        .header("content-type", content_type)
        .body(body);
    let answer = read(with_cred(request, cred).send().await.unwrap()).await;
    (answer.status, answer.body)
}

/// `curl --output video.mp3 -X GET -H 'Authorization: Bearer <JWT>' "<base>/converter/download?fid=<fid>"`.
async fn download(stack: &TestStack, token: &str, fid: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/converter/download?fid={fid}", base(stack)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_video_uploaded_to_the_converter_comes_back_as_a_playable_mp3() {
    let stack = stack(true).await;
    let (_, _, email) = stack.sign_up("converter").await;
    let (status, token) = login(&stack, &email, "correct horse 1").await;
    assert_eq!(status, 200);
    let ws = stack.router_url(0).replace("http://", "ws://");
    let mut jobs = WsSubscription::start(
        &ws,
        &token,
        "subscription { myJobs { id status outputs { id } } }",
        json!({}),
    )
    .await;
    let (hook, received) = receiver(0).await;

    let video = mp4();
    let (status, answer) = upload(
        &stack,
        Cred::Bearer(&token),
        &[
            // As curl sends it: no specific type for an .mp4.
            (
                "file",
                Some(("video.mp4", "application/octet-stream")),
                &video,
            ),
            ("callback", None, hook.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{answer:?}");
    let fid = answer["fid"].as_str().unwrap().to_owned();

    // The notification: myJobs announces the finished conversion with the mp3.
    let finished = loop {
        let event = jobs.next().await.expect("a myJobs event");
        let job = event["data"]["myJobs"].clone();
        if job["id"] == json!(fid) && job["status"] == "SUCCEEDED" {
            break job;
        }
        assert!(
            !matches!(job["status"].as_str(), Some("FAILED" | "CANCELLED")),
            "the conversion ended {job}"
        );
    };
    assert_eq!(finished["outputs"].as_array().unwrap().len(), 1);

    let response = download(&stack, &token, &fid).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let mp3 = response.bytes().await.unwrap();
    let (codec, seconds) = probe(&mp3);
    assert_eq!(codec, "mp3");
    assert!((seconds - 2.0).abs() < 0.5, "{seconds} s");

    // The mp3's own id (from the notification) downloads it too.
    let mp3_id = finished["outputs"][0]["id"].as_str().unwrap();
    assert_eq!(download(&stack, &token, mp3_id).await.status(), 200);

    // And the callback was called with the finished job.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let bodies: Vec<Value> = received
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, body)| serde_json::from_str(body).ok())
            .collect();
        if bodies
            .iter()
            .any(|b| b.to_string().contains(&fid) && b.to_string().contains("SUCCEEDED"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no SUCCEEDED callback: {bodies:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_converter_answers_clearly_before_the_mp3_is_ready_and_on_bad_requests() {
    // No worker: the conversion stays queued.
    let stack = stack(false).await;
    let (_, _, email) = stack.sign_up("converter").await;
    let (_, token) = login(&stack, &email, "correct horse 1").await;
    let (other, _, _) = stack.sign_up("other").await;

    let (status, _) = login(&stack, &email, "wrong horse 1").await;
    assert_eq!(status, 401);
    let (status, _) = login(&stack, &email, "").await;
    assert_eq!(status, 401);

    let video = mp4();
    let file = [("file", Some(("video.mp4", "video/mp4")), video.as_slice())];
    let (status, answer) = upload(&stack, Cred::None, &file).await;
    assert_eq!(status, 401, "{answer:?}");
    let (status, answer) = upload(
        &stack,
        Cred::Bearer(&token),
        &[("video", Some(("v.mp4", "video/mp4")), video.as_slice())],
    )
    .await;
    assert_eq!(status, 400, "{answer:?}");
    let (status, answer) = upload(&stack, Cred::Bearer(&token), &file).await;
    assert_eq!(status, 200, "{answer:?}");
    let fid = answer["fid"].as_str().unwrap();

    let not_ready = download(&stack, &token, fid).await;
    assert_eq!(not_ready.status(), 409);
    assert!(not_ready.headers().contains_key("retry-after"));
    let body: Value = not_ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NOT_READY");

    assert_eq!(download(&stack, &other, fid).await.status(), 404);
    assert_eq!(download(&stack, &token, "not-an-id").await.status(), 400);
    assert_eq!(
        download(&stack, &token, &uuid::Uuid::new_v4().to_string())
            .await
            .status(),
        404
    );
    // Seed 002's request metrics: per route and status, on the compat service's /metrics.
    let compat = &stack
        .service_urls
        .iter()
        .find(|(name, _)| *name == "compat")
        .unwrap()
        .1;
    let metrics = reqwest::get(format!("{compat}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("mediamagic_http_requests_total")
                && l.contains("/converter/download")
                && l.contains("409")),
        "{metrics}"
    );

    // Guessing passwords is rate limited: 429 once the email has too many failures.
    let mut statuses = Vec::new();
    for _ in 0..stack.config.accounts.login_max_failures + 1 {
        statuses.push(login(&stack, &email, "wrong horse 2").await.0);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

/// `curl -X POST -H 'Authorization: Bearer <JWT>' <base>/converter/validate`.
async fn validate(stack: &TestStack, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/converter/validate", base(stack)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn validate_says_whether_a_token_is_valid_and_whose_it_is() {
    // Arrange: a logged-in user, then the same token logged out.
    let stack = stack(false).await;
    let (_, _, email) = stack.sign_up("validated").await;
    let (_, token) = login(&stack, &email, "correct horse 1").await;

    // Act + Assert: valid, with the seed's claim names.
    let (status, claims) = validate(&stack, Some(&token)).await;
    assert_eq!(status, 200, "{claims}");
    assert_eq!(claims["valid"], true);
    assert_eq!(claims["username"], email.as_str());
    assert_eq!(claims["admin"], false);
    // No token, a forged one, a logged-out one: 401.
    assert_eq!(validate(&stack, None).await.0, 401);
    assert_eq!(validate(&stack, Some("not-a-token")).await.0, 401);
    stack
        .gql(
            Cred::Bearer(&token),
            "mutation { logOut }",
            serde_json::json!({}),
        )
        .await;
    let (status, answer) = validate(&stack, Some(&token)).await;
    assert_eq!(status, 401, "{answer}");
}
