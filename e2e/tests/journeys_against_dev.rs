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
    public_api::{PASSWORD, sign_up},
    rest::{REST_JSON, call_at, read, with_cred},
    seed_examples,
    subscriptions::WsSubscription,
};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_seed_journeys_work_against_mediamagic_dev() {
    let data = tempfile::tempdir().unwrap();
    let dev = DevProcess::start(data.path()).await;
    let base = dev.base();

    seed_000_user_journey(&base).await;
    seed_000_rest_examples(&base).await;
    converter_journey(&base).await;
    seed_003_journey(&base).await;
    separation_journey(&base).await;
    playground_journey(&base).await;

    dev.stop().await;
}

/// Seed 000's "Models" examples, read from a verbatim copy of the seed and sent with curl as
/// written, against `mediamagic dev` with its defaults: its `container2` models register,
/// and a deployment of one queues and then fails NO_CAPACITY (no pool of it on this stack).
#[tokio::test]
async fn seed_000s_model_examples_work_unchanged_against_mediamagic_dev() {
    let data = tempfile::tempdir().unwrap();
    let dev = DevProcess::start(data.path()).await;
    let base = dev.base();
    let (token, _) = sign_up(&base, "models").await;
    let examples = seed_examples::examples(SEED_000_MODELS);
    let example = |heading: &str| {
        examples
            .iter()
            .find(|e| e.heading == heading)
            .unwrap_or_else(|| panic!("seed 000 has no example {heading:?}"))
    };
    let mut with = BTreeMap::from([
        ("https://mediamagic.dev".to_owned(), base.clone()),
        ("$TOKEN".to_owned(), token.clone()),
    ]);
    let fields_match = |heading: &str, answer: &Value| {
        let expected = example(heading).output.clone().unwrap();
        let missing = seed_examples::missing_fields(&expected, answer);
        assert!(
            missing.is_empty(),
            "{heading}: {missing:?} missing from {answer}"
        );
    };

    // Create model with id: answered as the seed shows, with the id it chose.
    let created = example("Create model with id").send(&with).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    fields_match("Create model with id", &created.body);
    assert_eq!(created.body["id"], SEED_MODEL_ID);
    assert_eq!(created.body["tags"], json!(["face", "head", "body"]));

    // A deployment of it queues at once; the wait for a container2 pool runs meanwhile.
    let deployment = call_at(
        &base,
        "POST",
        "/api/v1/deployments",
        Cred::Bearer(&token),
        Some(&json!({"name": "test", "model_id": SEED_MODEL_ID,
            "args": {"source": "a face", "target": "a smile", "alpha": 50, "beta": 50}})),
    )
    .await;
    assert_eq!(deployment.status, 201, "{:?}", deployment.body);
    let job_path = format!(
        "/api/v1/jobs/{}",
        deployment.body["job_id"].as_str().unwrap()
    );
    let job = call_at(&base, "GET", &job_path, Cred::Bearer(&token), None).await;
    assert_eq!(job.body["status"], "queued", "{:?}", job.body);

    // Create model without id: a fresh id, which the later examples address.
    let second = example("Create model without id or random id")
        .send(&with)
        .await;
    assert_eq!(second.status, 201, "{:?}", second.body);
    fields_match("Create model without id or random id", &second.body);
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, SEED_MODEL_ID);
    // The ids the seed's examples show for that model (and for the one its delete example
    // removes, which no example made) are the one it answered here.
    with.insert(SEED_RANDOM_ID.to_owned(), second_id.clone());
    with.insert(SEED_DELETED_ID.to_owned(), second_id.clone());

    let got = example("Get model by id").send(&with).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    fields_match("Get model by id", &got.body);
    assert_eq!(got.body["args"]["alpha"]["max"], 100);
    assert_eq!(got.body["args"]["image"]["optional"], true);

    let listed = example("List models").send(&with).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    fields_match("List models", &listed.body);
    let ids = |answer: &Value| -> Vec<String> {
        answer
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = ids(&listed.body);
    assert!(
        all.contains(&SEED_MODEL_ID.to_owned()) && all.contains(&second_id),
        "{all:?}"
    );

    let by_tag = example("Filter models by tags").send(&with).await;
    assert_eq!(by_tag.status, 200, "{:?}", by_tag.body);
    fields_match("Filter models by tags", &by_tag.body);
    assert_eq!(ids(&by_tag.body), vec![SEED_MODEL_ID.to_owned()]);

    let updated = example("Update model").send(&with).await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    fields_match("Update model", &updated.body);
    assert_eq!(updated.body["tags"], json!(["face", "body", "face2"]));
    assert_eq!(updated.body["machine_type"], "container2");

    let deleted = example("Delete model").send(&with).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    let gone = call_at(
        &base,
        "GET",
        &format!("/api/v1/models/{second_id}"),
        Cred::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(gone.status, 404, "{:?}", gone.body);

    // Honest about capacity: the cluster shows the wait, then the job fails NO_CAPACITY.
    let cluster = gql(
        &base,
        Some(&token),
        "{ cluster { machineTypes { name capacity queued } } }",
        json!({}),
    )
    .await;
    let container2 = cluster["cluster"]["machineTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "container2")
        .cloned();
    assert_eq!(
        container2,
        Some(json!({"name": "container2", "capacity": 0, "queued": 1}))
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let failed = loop {
        let job = call_at(&base, "GET", &job_path, Cred::Bearer(&token), None).await;
        if job.body["status"] != "queued" {
            break job.body;
        }
        assert!(Instant::now() < deadline, "still queued: {:?}", job.body);
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed.to_string().contains("NO_CAPACITY"), "{failed}");
    assert!(failed.to_string().contains("container2"), "{failed}");

    dev.stop().await;
}

/// Seed 000's "## Models" section, copied verbatim from the seed.
const SEED_000_MODELS: &str = include_str!("fixtures/seed000_models.md");
/// The id seed 000's "Create model with id" chooses.
const SEED_MODEL_ID: &str = "c691b065-2a8e-4db5-a8bb-3d33eaccf0d5";
/// The id seed 000's "Create model without id" example answered, which "Update model" uses.
const SEED_RANDOM_ID: &str = "1c3c27d8-5560-41d6-bb56-8c9c3be889c5";
/// The id seed 000's "Delete model" example removes.
const SEED_DELETED_ID: &str = "56c7c6bf-4987-4e36-9cc9-9281e96a7d74";

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

/// Seed 003: a tag, media created with size and sha256, PUT straight to storage, finalized,
/// then downloaded through its presigned URL and found by its tag.
async fn seed_003_journey(base: &str) {
    let (token, _) = sign_up(base, "seed003").await;
    let cred = Cred::Bearer(&token);
    let tag = call_at(
        base,
        "POST",
        "/media-management/tags",
        cred,
        Some(&json!({"name": "face"})),
    )
    .await;
    assert_eq!(tag.status, 201, "{:?}", tag.body);
    let bytes = png();
    let sha256 = mediamagic_e2e::media::sha(&bytes);
    let created = call_at(
        base,
        "POST",
        "/media-management/media",
        cred,
        Some(
            &json!({"name": "photo.png", "content_type": "image/png", "size": bytes.len(),
            "sha256": sha256, "tags": ["face"]}),
        ),
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let upload = &created.body["upload"];
    let mut put = reqwest::Client::new().put(upload["url"].as_str().unwrap());
    for (name, value) in upload["headers"].as_object().unwrap() {
        put = put.header(name, value.as_str().unwrap());
    }
    assert_eq!(put.body(bytes.clone()).send().await.unwrap().status(), 200);
    let live = call_at(
        base,
        "POST",
        "/media-management/media/finalize",
        cred,
        Some(&json!({"id": id})),
    )
    .await;
    assert_eq!(live.body["status"], "live", "{:?}", live.body);
    let got = call_at(
        base,
        "GET",
        &format!("/media-management/media/{id}?expires_in=120"),
        cred,
        None,
    )
    .await;
    let url = got.body["download"]["url"].as_str().unwrap();
    assert_eq!(
        reqwest::get(url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        bytes
    );
    let tagged = call_at(base, "GET", "/media-management/media?tags=face", cred, None).await;
    assert_eq!(tagged.status, 200, "{:?}", tagged.body);
    assert!(tagged.body.to_string().contains(&id), "{:?}", tagged.body);
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
