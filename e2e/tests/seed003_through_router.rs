//! Seed 003's media management API through the router, as its clients call it with only the
//! base URL changed (`/media-management`): tags as entities; media created with size and
//! sha256 (201 with a presigned upload), uploaded straight to storage, finalized (verified),
//! downloaded through a presigned URL with an expiry; on local storage, on SeaweedFS (S3)
//! and on fake-gcs-server (GCS).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use mediamagic_e2e::{
    Cred, TestStack,
    media::{png, sha},
    rest::{RestResponse, call},
    seaweed::Seaweed,
    spawn_stack, spawn_stack_with,
};
use serde_json::{Value, json};

async fn create(stack: &TestStack, token: &str, bytes: &[u8], sha256: &str) -> RestResponse {
    call(
        stack,
        "POST",
        "/media-management/media",
        Cred::Bearer(token),
        Some(&json!({
            "name": "photo.png", "content_type": "image/png",
            "size": bytes.len(), "sha256": sha256, "tags": ["Face"],
        })),
    )
    .await
}

/// PUTs `bytes` as the created media's `upload` says.
async fn put(created: &Value, bytes: &[u8]) -> u16 {
    let upload = &created["upload"];
    assert_eq!(upload["method"], "PUT", "{created}");
    let mut request = reqwest::Client::new().put(upload["url"].as_str().unwrap());
    for (name, value) in upload["headers"].as_object().unwrap() {
        request = request.header(name, value.as_str().unwrap());
    }
    request
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn finalize(stack: &TestStack, token: &str, id: &str) -> RestResponse {
    call(
        stack,
        "POST",
        "/media-management/media/finalize",
        Cred::Bearer(token),
        Some(&json!({"id": id})),
    )
    .await
}

/// The whole seed 003 flow, with the checks every storage must pass.
async fn seed_003_flow(stack: &TestStack) {
    let (token, _, _) = stack.sign_up("seed003").await;
    let cred = Cred::Bearer(&token);

    // Tags as entities: created (201), created again (200), listed.
    let tag = call(
        stack,
        "POST",
        "/media-management/tags",
        cred,
        Some(&json!({"name": " Face "})),
    )
    .await;
    assert_eq!(tag.status, 201, "{:?}", tag.body);
    assert_eq!(tag.body["name"], "face");
    let again = call(
        stack,
        "POST",
        "/media-management/tags",
        cred,
        Some(&json!({"name": "face"})),
    )
    .await;
    assert_eq!(again.status, 200, "{:?}", again.body);

    // Create → presigned upload → PUT straight to storage → finalize.
    let bytes = png();
    let created = create(stack, &token, &bytes, &sha(&bytes)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["status"], "pending");
    assert_eq!(created.body["size"], bytes.len() as f64);
    assert_eq!(created.body["tags"], json!(["face"]));
    let id = created.body["id"].as_str().unwrap().to_owned();
    let early = call(
        stack,
        "GET",
        &format!("/media-management/media/{id}"),
        cred,
        None,
    )
    .await;
    assert_eq!(
        early.status, 409,
        "not downloadable before finalize: {:?}",
        early.body
    );
    assert_eq!(put(&created.body, &bytes).await, 200);
    let live = finalize(stack, &token, &id).await;
    assert_eq!(live.status, 200, "{:?}", live.body);
    assert_eq!(live.body["status"], "live");
    assert_eq!(live.body["sha256"], sha(&bytes));

    // Presigned download with an expiry, by path and by `?id=`.
    let asked_at = Utc::now();
    let got = call(
        stack,
        "GET",
        &format!("/media-management/media/{id}?expires_in=120"),
        cred,
        None,
    )
    .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    let expires: DateTime<Utc> = got.body["download"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lifetime = (expires - asked_at).num_seconds();
    assert!((118..=122).contains(&lifetime), "{lifetime} s");
    let url = got.body["download"]["url"].as_str().unwrap();
    let downloaded = reqwest::get(url).await.unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), bytes);
    let by_query = call(
        stack,
        "GET",
        &format!("/media-management/media?id={id}"),
        cred,
        None,
    )
    .await;
    assert_eq!(by_query.status, 200);
    assert_eq!(by_query.body["id"], id.as_str());

    // Lists and tags.
    let listed = call(
        stack,
        "GET",
        "/media-management/media?tags=face",
        cred,
        None,
    )
    .await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body["media"][0]["id"], id.as_str());
    assert_eq!(listed.body["total"], 1);
    let none = call(
        stack,
        "GET",
        "/media-management/media?exclude_tags=face",
        cred,
        None,
    )
    .await;
    assert_eq!(none.body["media"], json!([]));
    let tags = call(stack, "GET", "/media-management/tags", cred, None).await;
    assert_eq!(tags.body["tags"][0]["name"], "face");
    assert_eq!(tags.body["tags"][0]["media_count"], 1);

    // A wrong checksum: finalize refuses, nothing live stays behind.
    let other = png();
    let wrong = create(stack, &token, &other, &"0".repeat(64)).await;
    assert_eq!(wrong.status, 201);
    assert_eq!(put(&wrong.body, &other).await, 200);
    let refused = finalize(stack, &token, wrong.body["id"].as_str().unwrap()).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let failed = call(
        stack,
        "GET",
        &format!(
            "/media-management/media/{}",
            wrong.body["id"].as_str().unwrap()
        ),
        cred,
        None,
    )
    .await;
    assert_eq!(failed.status, 409, "{:?}", failed.body);

    // Another account sees none of it.
    let (stranger, _, _) = stack.sign_up("stranger003").await;
    let theirs = Cred::Bearer(&stranger);
    for path in [
        format!("/media-management/media/{id}"),
        format!("/media-management/media?id={id}"),
    ] {
        let answer = call(stack, "GET", &path, theirs, None).await;
        assert_eq!(answer.status, 404, "{path}: {:?}", answer.body);
    }
    assert_eq!(finalize(stack, &stranger, &id).await.status, 404);
    let their_tags = call(stack, "GET", "/media-management/tags", theirs, None).await;
    assert_eq!(their_tags.body["tags"], json!([]));

    // Deleting answers 204; the media is gone for its owner too.
    let deleted = call(
        stack,
        "DELETE",
        &format!("/media-management/media/{id}"),
        cred,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    let gone = call(
        stack,
        "GET",
        &format!("/media-management/media/{id}"),
        cred,
        None,
    )
    .await;
    assert_ne!(gone.status, 200);
}

#[tokio::test]
async fn seed_003s_flow_works_on_local_storage_with_per_path_metrics() {
    let stack = spawn_stack().await;

    seed_003_flow(&stack).await;

    // The seed's metrics: requests per path and status, with their time, on the compat
    // service's /metrics.
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
    let has = |prefix: &str, route: &str, extra: &str| {
        metrics.lines().any(|l| {
            l.starts_with(prefix) && l.contains(&format!("route=\"{route}\"")) && l.contains(extra)
        })
    };
    assert!(
        has(
            "mediamagic_http_requests_total",
            "/media-management/media",
            "status=\"201\""
        ),
        "{metrics}"
    );
    assert!(has(
        "mediamagic_http_requests_total",
        "/media-management/media/finalize",
        "status=\"422\""
    ));
    assert!(has(
        "mediamagic_http_request_duration_seconds_sum",
        "/media-management/media/{id}",
        "method=\"GET\""
    ));
}

#[tokio::test]
async fn seed_003s_flow_works_on_s3_compatible_storage() {
    let weed = Seaweed::start().await;
    let storage = weed.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;

    seed_003_flow(&stack).await;
}

#[tokio::test]
async fn seed_003s_flow_works_on_google_cloud_storage() {
    let gcs = mediamagic_e2e::fake_gcs::FakeGcs::start().await;
    let storage = gcs.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;

    seed_003_flow(&stack).await;
}

#[tokio::test]
async fn seed_003_requests_with_missing_fields_or_unknown_routes_get_clear_errors() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("sloppy003").await;
    let cred = Cred::Bearer(&token);

    let missing = call(
        &stack,
        "POST",
        "/media-management/media",
        cred,
        Some(&json!({"name": "a.png"})),
    )
    .await;
    let not_media = call(
        &stack,
        "POST",
        "/media-management/media",
        cred,
        Some(&json!({"name": "a.txt", "content_type": "text/plain", "size": 3, "sha256": "0".repeat(64)})),
    )
    .await;
    let unknown = call(&stack, "GET", "/media-management/nothing", cred, None).await;
    let anonymous = call(&stack, "GET", "/media-management/tags", Cred::None, None).await;

    assert_eq!(missing.status, 400, "{:?}", missing.body);
    assert_eq!(not_media.status, 422, "{:?}", not_media.body);
    assert_eq!(not_media.code(), "BAD_USER_INPUT");
    assert_eq!(unknown.status, 404);
    assert_eq!(anonymous.status, 401);
}
