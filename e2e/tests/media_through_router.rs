//! The media issue's acceptance tests, through the real router and real HTTP: presigned
//! uploads of a real image, video and mp3 made with ffmpeg, finalize checks, metadata and
//! thumbnails from the event handlers, signed downloads with Range, seed 000's tag filters and
//! tenancy. Direct uploads (multipart) are in `uploads_through_router.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, GqlResponse, TestStack,
    fake_gcs::FakeGcs,
    media::{mp3, mp4, object_files, png, sha},
    seaweed::Seaweed,
    spawn_stack, spawn_stack_with,
};
use serde_json::{Value, json};

const MEDIA_FIELDS: &str = "id name kind status failure size sha256 tags contentType
    metadata { width height durationSeconds videoCodec audioCodec frameRate }";

async fn create_upload(
    stack: &TestStack,
    token: &str,
    name: &str,
    content_type: &str,
    size: usize,
    sha256: &str,
    tags: &[&str],
) -> GqlResponse {
    stack
        .gql(
            Cred::Bearer(token),
            &format!(
                "mutation($i: CreateUploadInput!) {{ createUpload(input: $i) {{
                    url method expiresAt headers {{ name value }} media {{ {MEDIA_FIELDS} }} }} }}"
            ),
            json!({"i": {"filename": name, "contentType": content_type, "size": size, "sha256": sha256, "tags": tags}}),
        )
        .await
}

async fn put(url: &str, headers: &Value, bytes: Vec<u8>) -> reqwest::Response {
    let mut request = reqwest::Client::new().put(url).body(bytes);
    for header in headers.as_array().unwrap() {
        request = request.header(
            header["name"].as_str().unwrap(),
            header["value"].as_str().unwrap(),
        );
    }
    request.send().await.unwrap()
}

async fn finalize(stack: &TestStack, token: &str, id: &str) -> GqlResponse {
    stack
        .gql(
            Cred::Bearer(token),
            &format!("mutation($id: ID!) {{ finalizeUpload(id: $id) {{ {MEDIA_FIELDS} }} }}"),
            json!({"id": id}),
        )
        .await
}

/// Declares `size` and `sha256` for `bytes`, PUTs the bytes and finalizes; returns the
/// media id and the finalize answer.
async fn put_and_finalize(
    stack: &TestStack,
    token: &str,
    bytes: &[u8],
    size: usize,
    sha256: &str,
) -> (String, GqlResponse) {
    let ticket = create_upload(stack, token, "a.png", "image/png", size, sha256, &[]).await;
    let id = ticket
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    put(
        ticket.data("/createUpload/url").as_str().unwrap(),
        ticket.data("/createUpload/headers"),
        bytes.to_vec(),
    )
    .await;
    let answer = finalize(stack, token, &id).await;
    (id, answer)
}

/// The presigned flow end to end; returns the media id.
async fn upload(
    stack: &TestStack,
    token: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
    tags: &[&str],
) -> String {
    let ticket = create_upload(
        stack,
        token,
        name,
        content_type,
        bytes.len(),
        &sha(bytes),
        tags,
    )
    .await;
    let id = ticket
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(ticket.data("/createUpload/media/status"), "PENDING");
    let response = put(
        ticket.data("/createUpload/url").as_str().unwrap(),
        ticket.data("/createUpload/headers"),
        bytes.to_vec(),
    )
    .await;
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    let live = finalize(stack, token, &id).await;
    assert_eq!(live.data("/finalizeUpload/status"), "LIVE", "{}", live.body);
    id
}

/// Uploads `bytes` by presigned PUT, finalizes, then PUTs other bytes of the same size to
/// the same URL; returns the second PUT's status and what a download gives afterwards.
async fn put_again_after_finalize(stack: &TestStack, token: &str, bytes: &[u8]) -> (u16, Vec<u8>) {
    let ticket = create_upload(
        stack,
        token,
        "a.png",
        "image/png",
        bytes.len(),
        &sha(bytes),
        &[],
    )
    .await;
    let id = ticket
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    let url = ticket
        .data("/createUpload/url")
        .as_str()
        .unwrap()
        .to_owned();
    let headers = ticket.data("/createUpload/headers").clone();
    assert!(
        put(&url, &headers, bytes.to_vec())
            .await
            .status()
            .is_success()
    );
    let live = finalize(stack, token, &id).await;
    assert_eq!(live.data("/finalizeUpload/status"), "LIVE", "{}", live.body);

    let tampered: Vec<u8> = bytes.iter().map(|b| b.wrapping_add(1)).collect();
    let second = put(&url, &headers, tampered).await.status().as_u16();
    let again = finalize(stack, token, &id).await;
    assert_eq!(again.data("/finalizeUpload/sha256"), sha(bytes).as_str());
    let download = get(stack, token, &id).await;
    let url = download.data("/media/url").as_str().unwrap().to_owned();
    let stored = reqwest::get(&url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    (second, stored)
}

#[tokio::test]
async fn a_presigned_url_cannot_change_the_bytes_after_finalize() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("tamperer").await;
    let bytes = png();

    let (second_put, stored) = put_again_after_finalize(&stack, &token, &bytes).await;

    assert_eq!(second_put, 409, "the URL is single-use on local storage");
    assert_eq!(stored, bytes, "the verified bytes stay");
}

async fn get(stack: &TestStack, token: &str, id: &str) -> GqlResponse {
    stack
        .gql(
            Cred::Bearer(token),
            &format!("query($id: ID!) {{ media(id: $id) {{ {MEDIA_FIELDS} url thumbnailUrl }} }}"),
            json!({"id": id}),
        )
        .await
}

/// Waits until the `media_live` handler has stored metadata (or failed the media).
async fn processed(stack: &TestStack, token: &str, id: &str) -> GqlResponse {
    for _ in 0..200 {
        let media = get(stack, token, id).await;
        if !media.body["data"]["media"]["metadata"].is_null()
            || media.body["data"]["media"]["status"] == "FAILED"
        {
            return media;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("media {id} was not processed in 20 s");
}

#[tokio::test]
async fn image_video_and_mp3_go_through_presigned_upload_processing_and_download() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("uploader").await;
    let http = reqwest::Client::new();

    for (name, content_type, bytes, kind) in [
        ("image.png", "image/png", png(), "IMAGE"),
        ("video.mp4", "video/mp4", mp4(), "VIDEO"),
        ("audio.mp3", "audio/mpeg", mp3(), "AUDIO"),
    ] {
        let id = upload(&stack, &token, name, content_type, &bytes, &["test"]).await;
        let media = processed(&stack, &token, &id).await;
        assert_eq!(media.data("/media/status"), "LIVE", "{}", media.body);
        assert_eq!(media.data("/media/kind"), kind);
        assert_eq!(
            media.data("/media/size").as_f64().unwrap() as usize,
            bytes.len()
        );
        let metadata = media.data("/media/metadata");
        match kind {
            "IMAGE" => assert_eq!(
                (metadata["width"].as_i64(), metadata["height"].as_i64()),
                (Some(640), Some(480))
            ),
            "VIDEO" => {
                assert_eq!(metadata["width"], 320);
                assert_eq!(metadata["videoCodec"], "h264");
                assert_eq!(metadata["frameRate"], 25.0);
                assert!((metadata["durationSeconds"].as_f64().unwrap() - 2.0).abs() < 0.2);
            }
            _ => {
                assert_eq!(metadata["audioCodec"], "mp3");
                assert!(metadata["width"].is_null());
            }
        }

        // Byte-for-byte download with the right content type.
        let url = media.data("/media/url").as_str().unwrap();
        let downloaded = http.get(url).send().await.unwrap();
        assert_eq!(downloaded.status(), 200);
        assert_eq!(downloaded.headers()["content-type"], content_type);
        assert_eq!(downloaded.bytes().await.unwrap().to_vec(), bytes);
        // HTTP Range.
        let partial = http
            .get(url)
            .header("range", "bytes=10-19")
            .send()
            .await
            .unwrap();
        assert_eq!(partial.status(), 206);
        assert_eq!(
            partial.headers()["content-range"].to_str().unwrap(),
            format!("bytes 10-19/{}", bytes.len())
        );
        assert_eq!(
            partial.bytes().await.unwrap().to_vec(),
            bytes[10..20].to_vec()
        );

        // Thumbnails for images and videos only.
        let thumbnail = &media.body["data"]["media"]["thumbnailUrl"];
        if kind == "AUDIO" {
            assert!(thumbnail.is_null());
        } else {
            let jpeg = http.get(thumbnail.as_str().unwrap()).send().await.unwrap();
            assert_eq!(jpeg.headers()["content-type"], "image/jpeg");
            assert_eq!(&jpeg.bytes().await.unwrap()[..2], &[0xFF, 0xD8]);
        }
    }
}

#[tokio::test]
async fn a_wrong_sha256_or_size_fails_the_upload_and_removes_the_bytes() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("mismatch").await;
    let bytes = png();

    let (id, refused) =
        put_and_finalize(&stack, &token, &bytes, bytes.len(), &"0".repeat(64)).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(
        refused.error_message().contains("sha256"),
        "{}",
        refused.error_message()
    );
    let media = get(&stack, &token, &id).await;
    assert_eq!(media.data("/media/status"), "FAILED");
    assert!(
        media
            .data("/media/failure")
            .as_str()
            .unwrap()
            .contains("sha256")
    );
    assert_eq!(object_files(&stack), 0, "the bytes were removed");

    let (id, refused) =
        put_and_finalize(&stack, &token, &bytes, bytes.len() + 1, &sha(&bytes)).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(
        refused.error_message().contains("bytes"),
        "{}",
        refused.error_message()
    );
    assert_eq!(object_files(&stack), 0);
    // Finalizing again says it failed, and never turns it live.
    assert_eq!(finalize(&stack, &token, &id).await.error_code(), "CONFLICT");
}

#[tokio::test]
async fn tampered_and_expired_urls_are_refused_with_403() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("tamperer").await;
    let bytes = mp3();
    let id = upload(&stack, &token, "a.mp3", "audio/mpeg", &bytes, &[]).await;
    let http = reqwest::Client::new();

    let url = get(&stack, &token, &id)
        .await
        .data("/media/url")
        .as_str()
        .unwrap()
        .to_owned();
    let tampered = url.replace("type=audio/mpeg", "type=text/html");
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    let unsigned = url.split('?').next().unwrap().to_owned();
    assert_eq!(http.get(&unsigned).send().await.unwrap().status(), 403);
    // A GET URL does not allow PUT.
    assert_eq!(http.put(&url).body("x").send().await.unwrap().status(), 403);

    let short = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { media(id: $id) { url(expiresIn: 1) } }",
            json!({"id": id}),
        )
        .await;
    let short_url = short.data("/media/url").as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = http.get(&short_url).send().await.unwrap();
    assert_eq!(expired.status(), 403);
    assert_eq!(expired.text().await.unwrap(), "the URL has expired");
    let too_long = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { media(id: $id) { url(expiresIn: 999999) } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(too_long.error_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_disallowed_content_type_is_refused_before_anything_is_stored() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("pdf").await;
    for content_type in ["application/pdf", "image/x-photoshop"] {
        let refused = create_upload(
            &stack,
            &token,
            "doc",
            content_type,
            10,
            &"a".repeat(64),
            &[],
        )
        .await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(
            refused.body["errors"][0]["extensions"]["field"],
            "contentType"
        );
    }
    let list = stack
        .gql(
            Cred::Bearer(&token),
            "{ mediaList { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data("/mediaList/totalCount"), 0);
}

async fn names(stack: &TestStack, token: &str, filter: Value) -> Vec<String> {
    let response = stack
        .gql(
            Cred::Bearer(token),
            "query($f: MediaFilter) { mediaList(filter: $f) { totalCount nodes { name } } }",
            json!({"f": filter}),
        )
        .await;
    let mut names: Vec<String> = response
        .data("/mediaList/nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn seed_000s_tag_filters_give_the_documented_results() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("tagger").await;
    let bytes = png();
    upload(
        &stack,
        &token,
        "download.jpeg",
        "image/png",
        &bytes,
        &["hair", "face"],
    )
    .await;
    upload(
        &stack,
        &token,
        "images.jpeg",
        "image/png",
        &bytes,
        &["face", "tags2", "hair"],
    )
    .await;
    upload(&stack, &token, "other.jpeg", "image/png", &bytes, &["hair"]).await;
    upload(
        &stack,
        &token,
        "test.jpeg",
        "image/png",
        &bytes,
        &["hair", "test"],
    )
    .await;

    assert_eq!(
        names(&stack, &token, json!({"tags": ["face"]})).await,
        ["download.jpeg", "images.jpeg"]
    );
    assert_eq!(
        names(&stack, &token, json!({"excludeTags": ["face"]})).await,
        ["other.jpeg", "test.jpeg"]
    );
    assert_eq!(
        names(
            &stack,
            &token,
            json!({"tags": ["hair"], "excludeTags": ["test"]})
        )
        .await,
        ["download.jpeg", "images.jpeg", "other.jpeg"]
    );
    assert_eq!(
        names(&stack, &token, json!({"tags": ["FACE", "tags2"]})).await,
        ["images.jpeg"]
    );
    assert_eq!(
        names(&stack, &token, json!({"search": "IMAGES"})).await,
        ["images.jpeg"]
    );

    let tags = stack
        .gql(
            Cred::Bearer(&token),
            "{ tags { name mediaCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tags.data("/tags"),
        &json!([
            {"name": "face", "mediaCount": 2}, {"name": "hair", "mediaCount": 4},
            {"name": "tags2", "mediaCount": 1}, {"name": "test", "mediaCount": 1}
        ])
    );
    // Renaming into an existing tag merges; deleting removes it everywhere.
    let renamed = stack
        .gql(
            Cred::Bearer(&token),
            "mutation { renameTag(name: \"tags2\", newName: \"Face\") { name mediaCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        renamed.data("/renameTag"),
        &json!({"name": "face", "mediaCount": 2})
    );
    stack
        .gql(
            Cred::Bearer(&token),
            "mutation { deleteTag(name: \"hair\") }",
            json!({}),
        )
        .await;
    assert_eq!(
        names(&stack, &token, json!({"tags": ["hair"]})).await,
        Vec::<String>::new()
    );
    let tags = stack
        .gql(Cred::Bearer(&token), "{ tags { name } }", json!({}))
        .await;
    assert_eq!(
        tags.data("/tags"),
        &json!([{"name": "face"}, {"name": "test"}])
    );
}

#[tokio::test]
async fn another_accounts_media_is_not_found_everywhere() {
    let stack = spawn_stack().await;
    let (owner, _, _) = stack.sign_up("owner").await;
    let (other, _, _) = stack.sign_up("other").await;
    let id = upload(
        &stack,
        &owner,
        "mine.mp3",
        "audio/mpeg",
        &mp3(),
        &["private"],
    )
    .await;

    assert_eq!(get(&stack, &other, &id).await.error_code(), "NOT_FOUND");
    let update = stack
        .gql(
            Cred::Bearer(&other),
            "mutation($id: ID!) { updateMedia(id: $id, input: {name: \"x\"}) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(update.error_code(), "NOT_FOUND");
    let delete = stack
        .gql(
            Cred::Bearer(&other),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(delete.error_code(), "NOT_FOUND");
    assert_eq!(
        finalize(&stack, &other, &id).await.error_code(),
        "NOT_FOUND"
    );
    assert_eq!(names(&stack, &other, json!({})).await, Vec::<String>::new());
    assert_eq!(
        get(&stack, &owner, &id).await.data("/media/name"),
        "mine.mp3"
    );
}

#[tokio::test]
async fn the_media_entity_resolves_a_batch_for_its_owner_only_with_deleted_ones_marked() {
    let stack = spawn_stack().await;
    let (owner, owner_id, _) = stack.sign_up("entity-owner").await;
    let (other, _, _) = stack.sign_up("entity-other").await;
    let image = png();
    let mine = upload(&stack, &owner, "a.png", "image/png", &image, &[]).await;
    let also_mine = upload(&stack, &owner, "b.png", "image/png", &image, &[]).await;
    let gone = upload(&stack, &owner, "c.png", "image/png", &image, &[]).await;
    let theirs = upload(&stack, &other, "d.png", "image/png", &image, &[]).await;
    stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": gone}),
        )
        .await;

    // What the router sends when another subgraph's type refers to media (job outputs).
    let representations: Vec<Value> = [&mine, &theirs, &also_mine, &gone]
        .iter()
        .map(|id| json!({"__typename": "Media", "id": id}))
        .collect();
    let response: Value = reqwest::Client::new()
        .post(stack.subgraph_url("media"))
        .header(
            mediamagic_kit::auth::INTERNAL_TOKEN_HEADER,
            stack.internal_token(&owner_id),
        )
        .json(&json!({
            "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on Media { id name status url } } }",
            "variables": {"r": representations},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert!(response["errors"].is_null(), "{response}");
    assert!(response["data"]["_entities"][0]["url"].is_string());
    assert_eq!(
        response["data"]["_entities"],
        json!([
            {"id": mine, "name": "a.png", "status": "LIVE", "url": response["data"]["_entities"][0]["url"]},
            null,
            {"id": also_mine, "name": "b.png", "status": "LIVE", "url": response["data"]["_entities"][2]["url"]},
            // A deleted one keeps its place (a job's outputs stay listable), without a URL.
            {"id": gone, "name": "c.png", "status": "DELETED", "url": null},
        ])
    );
}

#[tokio::test]
async fn deleting_media_removes_it_at_once_and_its_bytes_soon_after() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("deleter").await;
    let id = upload(&stack, &token, "a.png", "image/png", &png(), &[]).await;
    processed(&stack, &token, &id).await;
    assert_eq!(object_files(&stack), 2, "the image and its thumbnail");

    let deleted = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(deleted.data("/deleteMedia"), id.as_str());
    assert_eq!(get(&stack, &token, &id).await.error_code(), "NOT_FOUND");
    for _ in 0..100 {
        if object_files(&stack) == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the stored objects were not removed");
}

#[tokio::test]
async fn a_corrupt_file_fails_with_a_reason_instead_of_retrying() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("corrupt").await;
    let garbage = b"this is not a video at all".repeat(100);
    let id = upload(&stack, &token, "broken.mp4", "video/mp4", &garbage, &[]).await;
    let media = processed(&stack, &token, &id).await;
    assert_eq!(media.data("/media/status"), "FAILED");
    assert!(
        media
            .data("/media/failure")
            .as_str()
            .unwrap()
            .contains("could not be read")
    );
}

#[tokio::test]
async fn presigned_upload_processing_and_download_work_on_s3_compatible_storage() {
    let weed = Seaweed::start().await;
    let storage = weed.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    bucket_flow(&stack, &weed.endpoint, "X-Amz-Signature=").await;
}

#[tokio::test]
async fn presigned_upload_processing_and_download_work_on_google_cloud_storage() {
    let gcs = FakeGcs::start().await;
    let storage = gcs.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    bucket_flow(&stack, &gcs.endpoint, "X-Goog-Signature=").await;
}

/// Upload, processing, download, a wrong checksum and deletion on a bucket at `endpoint`
/// whose URLs carry `signature`.
async fn bucket_flow(stack: &TestStack, endpoint: &str, signature: &str) {
    let (token, _, _) = stack.sign_up("bucketuser").await;
    let http = reqwest::Client::new();
    let video = mp4();

    let id = upload(stack, &token, "clip.mp4", "video/mp4", &video, &["s3"]).await;
    let media = processed(stack, &token, &id).await;
    assert_eq!(media.data("/media/status"), "LIVE", "{}", media.body);
    assert_eq!(media.data("/media/metadata/width"), 320);
    let url = media.data("/media/url").as_str().unwrap().to_owned();
    assert!(url.starts_with(endpoint), "a real presigned URL: {url}");
    assert!(url.contains(signature), "{url}");
    let downloaded = http.get(&url).send().await.unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), video);
    let thumbnail = http
        .get(media.data("/media/thumbnailUrl").as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(&thumbnail.bytes().await.unwrap()[..2], &[0xFF, 0xD8]);
    assert_eq!(object_files(stack), 0, "nothing went to local storage");

    // A bucket cannot refuse a presigned PUT before it expires, but what it writes lands in
    // a staging object nothing reads: the verified object stays as it was.
    let (_, stored) = put_again_after_finalize(stack, &token, &png()).await;
    assert_eq!(stored, png());

    // A wrong sha256 fails and removes the object from the bucket.
    let bytes = png();
    let ticket = create_upload(
        stack,
        &token,
        "a.png",
        "image/png",
        bytes.len(),
        &"1".repeat(64),
        &[],
    )
    .await;
    let bad_id = ticket
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    let put_url = ticket
        .data("/createUpload/url")
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        put(&put_url, ticket.data("/createUpload/headers"), bytes)
            .await
            .status()
            .is_success()
    );
    assert_eq!(
        finalize(stack, &token, &bad_id).await.error_code(),
        "BAD_USER_INPUT"
    );

    // Deleting removes the bytes from the bucket.
    stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": id}),
        )
        .await;
    for _ in 0..100 {
        if http.get(&url).send().await.unwrap().status() == 404 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the object was not removed from the bucket");
}
