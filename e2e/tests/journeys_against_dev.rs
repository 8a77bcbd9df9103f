//! The seed systems' journeys against `mediamagic dev` as a user starts it (the real binary,
//! embedded defaults, its own Postgres, Redis, worker and router), with real clients only:
//! HTTP, a graphql-transport-ws client, multipart forms as curl sends them, and headless
//! Chromium for the playground.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use mediamagic_e2e::{
    Cred,
    browser::Browser,
    dev::DevProcess,
    media::{graphql_multipart, mp3, mp4, multipart_body, png, probe},
    rest::{REST_JSON, call_at, read, with_cred},
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse 1";
const WAIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_seed_journeys_work_against_mediamagic_dev() {
    let data = tempfile::tempdir().unwrap();
    let dev = DevProcess::start(data.path()).await;
    let base = dev.base();

    seed_000_user_journey(&base).await;
    seed_000_rest_examples(&base).await;
    converter_journey(&base).await;
    separation_journey(&base).await;
    playground_journey(&base).await;

    dev.stop().await;
}

async fn gql(base: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

async fn sign_up(base: &str, name: &str) -> (String, String) {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    let data = gql(
        base,
        None,
        "mutation($e: String!, $p: String!, $n: String!) { signUp(input: {email: $e, password: $p, name: $n}) { token } }",
        json!({"e": email, "p": PASSWORD, "n": name}),
    )
    .await;
    (data["signUp"]["token"].as_str().unwrap().to_owned(), email)
}

/// Seed 000's user journey, steps 1 to 9, through GraphQL.
async fn seed_000_user_journey(base: &str) {
    // 1–2. Sign up (instead of Auth0's prompt); the session token is the user token.
    let (user_token, email) = sign_up(base, "journey").await;
    let logged_in = gql(
        base,
        None,
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { token tokenType } }",
        json!({"e": email, "p": PASSWORD}),
    )
    .await;
    assert_eq!(logged_in["logIn"]["tokenType"], "Bearer");

    // 3. The user token lists models (and jobs, deployments).
    let models = gql(
        base,
        Some(&user_token),
        "{ models(filter: {tags: [\"audio\"]}) { nodes { id slug } } }",
        json!({}),
    )
    .await;
    let audio_extract = models["models"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["slug"] == "audio-extract")
        .expect("the catalogue's audio-extract model")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // 4–5. A team (organisation) and a team token.
    let team = gql(
        base,
        Some(&user_token),
        "mutation { createTeam(name: \"Journey Org\") { id } }",
        json!({}),
    )
    .await["createTeam"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let team_token = gql(
        base,
        Some(&user_token),
        "mutation($t: ID!) { createTeamToken(teamId: $t) { token accountKind } }",
        json!({"t": team}),
    )
    .await["createTeamToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // 6. The team uploads a video.
    let video = mp4();
    let (content_type, body) = graphql_multipart(
        &json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f, tags: [\"journey\"]) { id status ownerKind } }", "variables": {"f": null}}),
        &json!({"0": ["variables.f"]}),
        &[("0", "clip.mp4", "video/mp4", &video)],
    );
    let uploaded: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&team_token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media = &uploaded["data"]["uploadMedia"];
    assert_eq!(media["ownerKind"], "TEAM", "{uploaded}");
    let media_id = media["id"].as_str().unwrap().to_owned();

    // 7–8. A deployment of the model on the media creates a job; its progress streams.
    let ws = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut progress = WsSubscription::start(
        &ws,
        &team_token,
        "subscription { myJobs { id status progress } }",
        json!({}),
    )
    .await;
    let deployed = gql(
        base,
        Some(&team_token),
        "mutation($m: String!, $v: ID!) { createDeployment(input: {name: \"journey\", model: $m, args: {video: $v}}) { id job { id status } } }",
        json!({"m": audio_extract, "v": media_id}),
    )
    .await;
    let job_id = deployed["createDeployment"]["job"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut seen = Vec::new();
    loop {
        let event = progress.next().await.expect("a job event");
        let job = event["data"]["myJobs"].clone();
        assert_eq!(job["id"], json!(job_id));
        seen.push((job["status"].clone(), job["progress"].as_f64().unwrap()));
        match job["status"].as_str() {
            Some("SUCCEEDED") => break,
            Some("FAILED" | "CANCELLED") => panic!("the job ended {job}"),
            _ => {}
        }
    }
    assert!(
        seen.iter().any(|(status, _)| status == "RUNNING"),
        "{seen:?}"
    );
    assert_eq!(seen.last().unwrap().1, 1.0, "{seen:?}");
    let progresses: Vec<f64> = seen.iter().map(|(_, p)| *p).collect();
    assert!(
        progresses.windows(2).all(|w| w[0] <= w[1]),
        "{progresses:?}"
    );

    // 9. The team lists its jobs with their outputs and download URLs.
    let jobs = gql(
        base,
        Some(&team_token),
        "{ jobs(first: 5) { nodes { id status outputs { name contentType url } } } }",
        json!({}),
    )
    .await;
    let job = &jobs["jobs"]["nodes"][0];
    assert_eq!(job["id"], json!(job_id));
    let output = &job["outputs"][0];
    assert_eq!(output["contentType"], "audio/mpeg");
    let mp3 = reqwest::get(output["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(probe(&mp3).0, "mp3");
    // With the user token, the team's resources are not visible (seed 000, step 5).
    let as_user: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&user_token)
        .json(
            &json!({"query": "query($j: ID!) { job(id: $j) { id } }", "variables": {"j": job_id}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(as_user["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

/// Each of seed 000's REST examples, with its headers.
async fn seed_000_rest_examples(base: &str) {
    let (_, email) = sign_up(base, "rest").await;
    let login = read(
        reqwest::Client::new()
            .get(format!("{base}/api/v1/auth/login"))
            .header("content-type", REST_JSON)
            .basic_auth(&email, Some(PASSWORD))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(login.status, 200);
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let cred = Cred::Bearer(&token);

    let key = call_at(
        base,
        "POST",
        "/api/v1/tokens",
        cred,
        Some(&json!({"name": "my-token"})),
    )
    .await;
    assert_eq!(key.status, 201);
    let api_key = key.body["key"].as_str().unwrap().to_owned();
    let team = call_at(
        base,
        "POST",
        "/api/v1/teams",
        cred,
        Some(&json!({"name": "my-team"})),
    )
    .await;
    assert_eq!(team.status, 201);
    let team_key = call_at(
        base,
        "POST",
        "/api/v1/tokens",
        cred,
        Some(&json!({"name": "my-token", "team_id": team.body["id"]})),
    )
    .await;
    assert_eq!(team_key.body["owner_kind"], "team");

    // Uploads at both seed paths, with the API key.
    let image = png();
    for (path, tags) in [
        ("/upload", "\"hair\",\"face\""),
        ("/uploads/upload", "hair"),
    ] {
        let (content_type, body) = multipart_body(&[
            ("media", Some(("download.jpeg", "image/png")), &image),
            ("tags", None, tags.as_bytes()),
        ]);
        let request = reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("content-type", content_type)
            .body(body);
        let answer = read(
            with_cred(request, Cred::Key(&api_key))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
    }
    let key_cred = Cred::Key(&api_key);
    let count = |answer: &Value| answer["media"].as_array().unwrap().len();
    assert_eq!(
        count(
            &call_at(base, "GET", "/api/v1/media", key_cred, None)
                .await
                .body
        ),
        2
    );
    assert_eq!(
        count(
            &call_at(base, "GET", "/api/v1/media?tags=face", key_cred, None)
                .await
                .body
        ),
        1
    );
    assert_eq!(
        count(
            &call_at(
                base,
                "GET",
                "/api/v1/media?excludeTags=face",
                key_cred,
                None
            )
            .await
            .body
        ),
        1
    );
    let listed = call_at(
        base,
        "GET",
        "/api/v1/media?tags=hair&excludeTags=test",
        key_cred,
        None,
    )
    .await;
    assert_eq!(count(&listed.body), 2);
    let media_id = listed.body["media"][0]["id"].as_str().unwrap().to_owned();
    let put = call_at(
        base,
        "PUT",
        &format!("/api/v1/media/{media_id}"),
        key_cred,
        Some(&json!({"tags": ["face", "tags", "hair"]})),
    )
    .await;
    assert_eq!(put.body["media"]["tags"], json!(["face", "tags", "hair"]));

    let model = json!({"args": {"image": {"type": "file", "optional": true}, "alpha": {"type": "number", "min": 0, "max": 100}},
        "name": "styleClip", "container": "ubuntu", "machine_type": "container2", "machine_count": 2,
        "tags": ["face", "head"], "id": "c691b065-2a8e-4db5-a8bb-3d33eaccf0d5", "icon": "icon.jpg",
        "command": "127.0.0.1:8013/styleclip {args} --form output=/tmp/clust_mgr/",
        "description": "it does manipulation based on text query from user", "example_outputs": []});
    let created = call_at(base, "POST", "/api/v1/models", cred, Some(&model)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let model_path = "/api/v1/models/c691b065-2a8e-4db5-a8bb-3d33eaccf0d5";
    assert_eq!(
        call_at(base, "GET", model_path, cred, None).await.status,
        200
    );
    let by_tag = call_at(base, "GET", "/api/v1/models?tags=head", cred, None).await;
    assert_eq!(by_tag.body.as_array().unwrap().len(), 1);
    let mut update = model.clone();
    update.as_object_mut().unwrap().remove("id");
    update["tags"] = json!(["face", "body", "face2"]);
    let updated = call_at(base, "PUT", model_path, cred, Some(&update)).await;
    assert_eq!(updated.body["tags"], json!(["face", "body", "face2"]));
    assert_eq!(
        call_at(base, "DELETE", model_path, cred, None).await.status,
        204
    );

    let deployment = call_at(
        base,
        "POST",
        "/api/v1/deployments",
        key_cred,
        Some(&json!({"name": "test", "model_id": "image-resize", "args": {"image": media_id, "width": 32}})),
    )
    .await;
    assert_eq!(deployment.status, 201, "{:?}", deployment.body);
    let deployment_id = deployment.body["id"].as_str().unwrap();
    assert_eq!(
        call_at(base, "GET", "/api/v1/deployments", key_cred, None)
            .await
            .status,
        200
    );
    assert_eq!(
        call_at(
            base,
            "GET",
            &format!("/api/v1/deployments/{deployment_id}"),
            key_cred,
            None
        )
        .await
        .status,
        200
    );
    let job_id = deployment.body["job_id"].as_str().unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let job = call_at(
            base,
            "GET",
            &format!("/api/v1/jobs/{job_id}"),
            key_cred,
            None,
        )
        .await;
        if job.body["status"] == "succeeded" {
            assert!(job.body["outputs"][0]["url"].is_string(), "{:?}", job.body);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job did not finish: {:?}",
            job.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        call_at(base, "GET", "/api/v1/jobs", key_cred, None)
            .await
            .status,
        200
    );
    let usage = call_at(base, "GET", "/api/v1/billing/usage", key_cred, None).await;
    assert_eq!(usage.status, 200);
    assert_eq!(
        call_at(
            base,
            "DELETE",
            &format!("/api/v1/media/{media_id}"),
            key_cred,
            None
        )
        .await
        .status,
        204
    );
}

/// Seeds 001/002: log in, upload a real mp4, wait, download a playable mp3.
async fn converter_journey(base: &str) {
    let (_, email) = sign_up(base, "converter").await;
    let login = reqwest::Client::new()
        .post(format!("{base}/converter/login"))
        .basic_auth(&email, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.text().await.unwrap();
    let video = mp4();
    let (content_type, body) =
        multipart_body(&[("file", Some(("video.mp4", "video/mp4")), &video)]);
    let uploaded = read(
        reqwest::Client::new()
            .post(format!("{base}/converter/upload"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(uploaded.status, 200, "{:?}", uploaded.body);
    let fid = uploaded.body["fid"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + WAIT;
    let mp3 = loop {
        let response = reqwest::Client::new()
            .get(format!("{base}/converter/download?fid={fid}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => break response.bytes().await.unwrap(),
            409 => {}
            other => panic!("download answered {other}"),
        }
        assert!(Instant::now() < deadline, "the mp3 never became ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (codec, seconds) = probe(&mp3);
    assert_eq!(codec, "mp3");
    assert!(seconds > 1.5, "{seconds}");
}

/// Seed 004: separate, queue, fetch the four tracks, remove one.
async fn separation_journey(base: &str) {
    let (token, _) = sign_up(base, "separation").await;
    let cred = Cred::Bearer(&token);
    let health = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(health.status(), 200);
    let song = base64::engine::general_purpose::STANDARD.encode(mp3());
    let queued = call_at(
        base,
        "POST",
        "/apiv1/separate",
        cred,
        Some(&json!({"mp3": song, "model": "stems"})),
    )
    .await;
    assert_eq!(queued.status, 200, "{:?}", queued.body);
    let hash = queued.body["hash"].as_str().unwrap().to_owned();
    let queue = call_at(base, "GET", "/apiv1/queue", cred, None).await;
    assert!(queue.body["queue"].is_array());
    for track in ["base.mp3", "vocals.mp3", "drums.mp3", "other.mp3"] {
        let deadline = Instant::now() + WAIT;
        loop {
            let response = reqwest::Client::new()
                .get(format!("{base}/apiv1/track/{hash}/{track}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if response.status() == 200 {
                assert_eq!(response.headers()["content-type"], "audio/mpeg");
                assert_eq!(probe(&response.bytes().await.unwrap()).0, "mp3", "{track}");
                break;
            }
            assert_eq!(response.status(), 409, "{track}");
            assert!(Instant::now() < deadline, "{track} never became ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let removed = call_at(
        base,
        "DELETE",
        &format!("/apiv1/remove/{hash}/other.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(removed.status, 200);
    let gone = call_at(
        base,
        "GET",
        &format!("/apiv1/track/{hash}/other.mp3"),
        cred,
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
}

/// The playground in headless Chromium: introspection, then a query.
async fn playground_journey(base: &str) {
    let (token, email) = sign_up(base, "playground").await;
    let browser = Browser::launch().await;
    let mut page = browser.page().await;
    let docs = page
        .open_graphiql(&format!("{base}/playground"), Duration::from_secs(30))
        .await;
    assert!(docs.contains("Query"));
    let headers = json!({"Authorization": format!("Bearer {token}")}).to_string();
    let answer = page
        .run_in_graphiql(
            &headers,
            "{ me { email } }",
            &email,
            Duration::from_secs(30),
        )
        .await;
    assert!(answer.contains(&email));
    let png = page.screenshot().await;
    assert_eq!(&png[..4], b"\x89PNG");
}
