//! Upload limits through the router: an account's storage quota refuses the upload that
//! would pass it (presigned, multipart, GraphQL multipart and REST `/upload` alike) with
//! QUOTA_EXCEEDED and accepts it after a deletion; the pending and concurrent limits; an
//! admin sets an account's own limits, nobody else can; parallel uploads cannot share the
//! same free space.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::post_upload,
    media::{png, seed_upload_form, sha},
    rest::{base, read, with_cred},
    spawn_stack, spawn_stack_with,
};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($input: CreateUploadInput!) { createUpload(input: $input) { media { id } } }";
const SET_QUOTA: &str = "mutation($account: ID!, $input: UploadQuotaInput!) { setUploadQuota(accountId: $account, input: $input) { storageBytes maxPendingUploads overridden } }";
const QUOTA: &str = "{ uploadQuota { storageBytes storedBytes reservedBytes pendingUploads maxPendingUploads activeUploads maxConcurrentUploads overridden } }";

fn upload_input(len: usize) -> Value {
    json!({"input": {"filename": "a.png", "contentType": "image/png", "size": len, "sha256": sha(&vec![7u8; len])}})
}

async fn upload_media(stack: &TestStack, token: &str, bytes: &[u8]) -> Value {
    let operations = json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id size } }", "variables": {"f": null}});
    post_upload(stack, token, operations, "a.png", "image/png", bytes).await
}

async fn admin(stack: &TestStack) -> String {
    let (_, _, email) = stack.sign_up("operator").await;
    stack.make_admin(&email).await
}

#[tokio::test]
async fn the_storage_quota_refuses_the_upload_that_would_pass_it_and_accepts_it_after_deletion() {
    let stack = spawn_stack().await;
    let admin = admin(&stack).await;
    let (token, user, _) = stack.sign_up("quota").await;
    let image = png();
    let limit = image.len() * 2 + 100;

    // Only an admin sets limits.
    let refused = stack
        .gql(
            Cred::Bearer(&token),
            SET_QUOTA,
            json!({"account": user, "input": {"storageBytes": 1e12}}),
        )
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
    let set = stack
        .gql(
            Cred::Bearer(&admin),
            SET_QUOTA,
            json!({"account": user, "input": {"storageBytes": limit}}),
        )
        .await;
    assert_eq!(set.data("/setUploadQuota/storageBytes"), limit as f64);
    assert_eq!(set.data("/setUploadQuota/overridden"), true);

    // Two images fit; the quota says so.
    let first = upload_media(&stack, &token, &image).await;
    let first_id = first["data"]["uploadMedia"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    upload_media(&stack, &token, &image).await["data"]["uploadMedia"]["id"]
        .as_str()
        .unwrap();
    let quota = stack.gql(Cred::Bearer(&token), QUOTA, json!({})).await;
    assert_eq!(
        quota.data("/uploadQuota/storedBytes"),
        (image.len() * 2) as f64
    );

    // A third one would pass the quota: refused on every path, nothing stored.
    let third = upload_media(&stack, &token, &image).await;
    assert_eq!(
        third["errors"][0]["extensions"]["code"], "QUOTA_EXCEEDED",
        "{third}"
    );
    let presigned = stack
        .gql(Cred::Bearer(&token), CREATE, upload_input(image.len()))
        .await;
    assert_eq!(presigned.error_code(), "QUOTA_EXCEEDED");
    assert!(presigned.error_message().contains(&limit.to_string()));
    let multipart = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($input: CreateUploadInput!) { createUpload(input: $input) { media { id } } }",
            json!({"input": {"filename": "a.mp4", "contentType": "video/mp4", "size": 6 * 1024 * 1024, "sha256": sha(b"x"), "multipart": true}}),
        )
        .await;
    assert_eq!(multipart.error_code(), "QUOTA_EXCEEDED");
    let (content_type, body) = seed_upload_form(&image, "image/png", "a");
    let rest = read(
        with_cred(
            reqwest::Client::new()
                .post(format!("{}/upload", base(&stack)))
                .header("content-type", content_type)
                .body(body),
            Cred::Bearer(&token),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(rest.status, 403, "{:?}", rest.body);
    assert_eq!(rest.body["error"]["code"], "QUOTA_EXCEEDED");
    let quota = stack.gql(Cred::Bearer(&token), QUOTA, json!({})).await;
    assert_eq!(
        quota.data("/uploadQuota/storedBytes"),
        (image.len() * 2) as f64
    );
    assert_eq!(quota.data("/uploadQuota/reservedBytes"), 0.0);
    // Billing shows the same figures with the account's storage usage.
    let usage = stack
        .gql(
            Cred::Bearer(&token),
            "{ usage { storage { storedBytes quotaBytes } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        usage.data("/usage/storage/storedBytes"),
        (image.len() * 2) as f64
    );
    assert_eq!(usage.data("/usage/storage/quotaBytes"), limit as f64);

    // After a deletion it fits again.
    stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": first_id}),
        )
        .await
        .data("/deleteMedia");
    let accepted = stack
        .gql(Cred::Bearer(&token), CREATE, upload_input(image.len()))
        .await;
    accepted.data("/createUpload/media/id");
    // The pending upload reserves its declared size.
    let quota = stack.gql(Cred::Bearer(&token), QUOTA, json!({})).await;
    assert_eq!(quota.data("/uploadQuota/reservedBytes"), image.len() as f64);

    // Back to the configured default.
    let reset = stack
        .gql(
            Cred::Bearer(&admin),
            SET_QUOTA,
            json!({"account": user, "input": {}}),
        )
        .await;
    assert_eq!(
        reset.data("/setUploadQuota/storageBytes"),
        100.0 * 1024.0 * 1024.0 * 1024.0
    );
}

#[tokio::test]
async fn pending_and_concurrent_upload_limits_hold() {
    let stack = spawn_stack_with(|config| {
        config.media.quotas.pending_uploads = 2;
        config.media.quotas.concurrent_uploads = 0;
    })
    .await;
    let (token, _, _) = stack.sign_up("limits").await;

    let a = stack
        .gql(Cred::Bearer(&token), CREATE, upload_input(10))
        .await;
    stack
        .gql(Cred::Bearer(&token), CREATE, upload_input(11))
        .await
        .data("/createUpload");
    let third = stack
        .gql(Cred::Bearer(&token), CREATE, upload_input(12))
        .await;
    assert_eq!(third.error_code(), "QUOTA_EXCEEDED");
    assert!(third.error_message().contains("abortUpload"));
    // Aborting one makes room.
    let aborted = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { abortUpload(id: $id) }",
            json!({"id": a.data("/createUpload/media/id")}),
        )
        .await;
    assert_eq!(aborted.data("/abortUpload"), true);
    stack
        .gql(Cred::Bearer(&token), CREATE, upload_input(12))
        .await
        .data("/createUpload");

    // No stream slots at all: a direct upload is refused before anything is stored.
    let refused = upload_media(&stack, &token, &png()).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "QUOTA_EXCEEDED",
        "{refused}"
    );
    let quota = stack.gql(Cred::Bearer(&token), QUOTA, json!({})).await;
    assert_eq!(quota.data("/uploadQuota/pendingUploads"), 2);
    assert_eq!(quota.data("/uploadQuota/maxPendingUploads"), 2);
    assert_eq!(quota.data("/uploadQuota/maxConcurrentUploads"), 0);
    assert_eq!(quota.data("/uploadQuota/storedBytes"), 0.0);
}

#[tokio::test]
async fn parallel_uploads_cannot_share_the_same_free_space() {
    let stack = spawn_stack().await;
    let admin = admin(&stack).await;
    let (token, user, _) = stack.sign_up("racer").await;
    stack
        .gql(
            Cred::Bearer(&admin),
            SET_QUOTA,
            json!({"account": user, "input": {"storageBytes": 1000, "pendingUploads": 100}}),
        )
        .await
        .data("/setUploadQuota");

    // Twenty uploads of 100 bytes at once: exactly ten fit.
    let calls = (0..20).map(|i| {
        stack.gql(
            Cred::Bearer(&token),
            CREATE,
            json!({"input": {"filename": "a.png", "contentType": "image/png", "size": 100, "sha256": sha(&[i as u8])}}),
        )
    });
    let answers = futures::future::join_all(calls).await;
    let accepted = answers
        .iter()
        .filter(|a| a.body["data"]["createUpload"].is_object())
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.body["errors"][0]["extensions"]["code"] == "QUOTA_EXCEEDED")
        .count();
    assert_eq!((accepted, refused), (10, 10));
}
