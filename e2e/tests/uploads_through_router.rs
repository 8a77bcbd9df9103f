//! Direct uploads through the router's public address: seed 000's multipart form
//! (`/upload`, `/uploads/upload`) and `uploadMedia` by the GraphQL multipart request spec,
//! both streamed to the media service by the router's forward plugin; signed object URLs
//! served through the router; and refused uploads leaving nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    media::{graphql_multipart, object_files, png, seed_upload_form, sha},
    spawn_stack_with,
};
use mediamagic_kit::auth::INTERNAL_TOKEN_HEADER;
use serde_json::{Value, json};

const LIMIT: u64 = 100_000;

const UPLOAD_MEDIA: &str = "mutation($file: Upload!, $tags: [String!]) {
    uploadMedia(file: $file, tags: $tags) { id name kind status size sha256 tags contentType url }
}";

async fn stack() -> TestStack {
    spawn_stack_with(|config| config.media.max_upload_bytes = LIMIT).await
}

fn router_base(stack: &TestStack) -> String {
    stack.router_url(0).trim_end_matches("/graphql").to_owned()
}

/// POSTs a multipart body to `url` with a credential; returns (status, JSON body).
async fn post_multipart(
    url: &str,
    cred: Cred<'_>,
    (content_type, body): (String, Vec<u8>),
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body);
    match cred {
        Cred::None => {}
        Cred::Bearer(token) => request = request.bearer_auth(token),
        Cred::Key(key) => request = request.header("x-mediamagic-key", key),
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn media_count(stack: &TestStack, token: &str) -> u64 {
    stack
        .gql(
            Cred::Bearer(token),
            "{ mediaList { totalCount } }",
            json!({}),
        )
        .await
        .data("/mediaList/totalCount")
        .as_u64()
        .unwrap()
}

fn first_error(body: &Value) -> (&str, &str) {
    (
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or(""),
        body["errors"][0]["message"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn an_upload_far_over_the_limit_gets_its_413_through_the_router() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("overshoot").await;
    let base = router_base(&stack);
    // Megabytes past the limit: the media service stops storing at the limit, and the
    // client must still read the 413 (not a reset connection relayed as a 502).
    let far_over = vec![3u8; LIMIT as usize + 8 * 1024 * 1024];
    for attempt in 0..5 {
        let (status, error) = post_multipart(
            &format!("{base}/upload"),
            Cred::Bearer(&token),
            seed_upload_form(&far_over, "video/mp4", "big"),
        )
        .await;
        assert_eq!(status, 413, "attempt {attempt}: {error}");
        assert_eq!(error["error"]["code"], "PAYLOAD_TOO_LARGE");
    }
    assert_eq!(media_count(&stack, &token).await, 0);
}

#[tokio::test]
async fn seed_000s_multipart_upload_through_the_router_streams_into_storage_within_the_limit() {
    let stack = stack().await;
    let (token, user_id, _) = stack.sign_up("multipart").await;
    let base = router_base(&stack);
    let image = png();

    let (status, created) = post_multipart(
        &format!("{base}/upload"),
        Cred::Bearer(&token),
        seed_upload_form(&image, "image/png", "\"hair\",\"face\""),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["media"]["id"].as_str().unwrap();
    assert_eq!(created["media"]["tags"], json!(["hair", "face"]));
    let downloaded = reqwest::get(created["media"]["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), image);
    let media = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { media(id: $id) { name sha256 } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(media.data("/media/sha256"), sha(&image).as_str());
    assert_eq!(media.data("/media/name"), "download.jpeg");
    let files_before = object_files(&stack);

    // Over the limit: 413, nothing registered, nothing stored.
    let (status, error) = post_multipart(
        &format!("{base}/uploads/upload"),
        Cred::Bearer(&token),
        seed_upload_form(&vec![7u8; 150_000], "video/mp4", "big"),
    )
    .await;
    assert_eq!(status, 413, "{error}");
    assert_eq!(error["error"]["code"], "PAYLOAD_TOO_LARGE");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit")
    );
    assert_eq!(media_count(&stack, &token).await, 1);
    assert_eq!(object_files(&stack), files_before);

    // Without credentials: 401 from the router's address...
    let (status, _) = post_multipart(
        &format!("{base}/upload"),
        Cred::None,
        seed_upload_form(&image, "image/png", ""),
    )
    .await;
    assert_eq!(status, 401);
    // ...and a client-sent internal token is dropped by the router, so it does not help.
    let forged = reqwest::Client::new()
        .post(format!("{base}/upload"))
        .header(INTERNAL_TOKEN_HEADER, stack.internal_token(&user_id))
        .header("content-type", seed_upload_form(&image, "image/png", "").0)
        .body(seed_upload_form(&image, "image/png", "").1)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn upload_media_follows_the_graphql_multipart_spec_through_the_router() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("spec").await;
    let (key, _) = stack.create_key(&token, None).await;
    let image = png();

    let request = graphql_multipart(
        &json!({"query": UPLOAD_MEDIA, "variables": {"file": null, "tags": ["Cats", " pets "]}}),
        &json!({"0": ["variables.file"]}),
        &[("0", "cat.png", "image/png", &image)],
    );
    let (status, body) = post_multipart(stack.router_url(0), Cred::Key(&key), request).await;

    assert_eq!(status, 200, "{body}");
    let media = &body["data"]["uploadMedia"];
    assert_eq!(media["name"], "cat.png");
    assert_eq!(media["kind"], "IMAGE");
    assert_eq!(media["status"], "LIVE");
    assert_eq!(media["contentType"], "image/png");
    assert_eq!(media["size"].as_f64().unwrap() as usize, image.len());
    assert_eq!(media["sha256"], sha(&image).as_str());
    assert_eq!(media["tags"], json!(["cats", "pets"]));
    let downloaded = reqwest::get(media["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), image);
    // The live media goes through the same processing as any other.
    let id = media["id"].as_str().unwrap();
    for _ in 0..200 {
        let processed = stack
            .gql(
                Cred::Bearer(&token),
                "query($id: ID!) { media(id: $id) { metadata { width height } } }",
                json!({"id": id}),
            )
            .await;
        if !processed.body["data"]["media"]["metadata"].is_null() {
            assert_eq!(processed.data("/media/metadata/width"), 640);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the uploaded media was not processed");
}

#[tokio::test]
async fn refused_multipart_graphql_uploads_leave_nothing_behind() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("refused").await;
    let url = stack.router_url(0).to_owned();
    let image = png();
    let operations = json!({"query": UPLOAD_MEDIA, "variables": {"file": null}});
    let map = json!({"0": ["variables.file"]});

    // Over the size limit.
    let big = vec![1u8; LIMIT as usize + 1];
    let (status, body) = post_multipart(
        &url,
        Cred::Bearer(&token),
        graphql_multipart(&operations, &map, &[("0", "big.mp4", "video/mp4", &big)]),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(first_error(&body).0, "PAYLOAD_TOO_LARGE");

    // A content type that is not accepted.
    let (status, body) = post_multipart(
        &url,
        Cred::Bearer(&token),
        graphql_multipart(
            &operations,
            &map,
            &[("0", "notes.txt", "text/plain", b"hi")],
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(first_error(&body).0, "BAD_USER_INPUT");
    assert!(first_error(&body).1.contains("text/plain"));

    // The worker's mutations are not reachable by clients, even though the router forwards
    // multipart requests to the media service whole.
    for query in [
        "mutation($file: Upload!) { uploadJobOutput(jobId: \"01a2205e-1a7d-7599-abec-4b92c968663e\", file: $file) { id } }",
        "mutation($file: Upload!) { uploadMedia(file: $file) { id } discardJobOutputs(jobId: \"01a2205e-1a7d-7599-abec-4b92c968663e\", keep: []) }",
        "mutation($file: Upload!) { ... on Mutation { uploadJobOutput(jobId: \"01a2205e-1a7d-7599-abec-4b92c968663e\", file: $file) { id } } }",
    ] {
        let (status, body) = post_multipart(
            &url,
            Cred::Bearer(&token),
            graphql_multipart(
                &json!({"query": query, "variables": {"file": null}}),
                &map,
                &[("0", "a.png", "image/png", &image)],
            ),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            first_error(&body).1.contains("may only select uploadMedia"),
            "{body}"
        );
    }

    // A map entry without its file part, after another file was stored.
    let two = json!({"0": ["variables.file"], "1": ["variables.file"]});
    let (status, body) = post_multipart(
        &url,
        Cred::Bearer(&token),
        graphql_multipart(&operations, &two, &[("0", "a.png", "image/png", &image)]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(first_error(&body).1.contains("no file part `1`"));

    // A map path that names no variable.
    let wrong = json!({"0": ["variables.nothing"]});
    let (status, body) = post_multipart(
        &url,
        Cred::Bearer(&token),
        graphql_multipart(&operations, &wrong, &[("0", "a.png", "image/png", &image)]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(first_error(&body).0, "BAD_USER_INPUT");

    // A file the operation never uses is removed after it runs.
    let unused =
        json!({"query": "mutation($file: Upload) { __typename }", "variables": {"file": null}});
    let (status, body) = post_multipart(
        &url,
        Cred::Bearer(&token),
        graphql_multipart(&unused, &map, &[("0", "a.png", "image/png", &image)]),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // uploadMedia sent as plain JSON.
    let json_request = stack
        .gql(
            Cred::Bearer(&token),
            UPLOAD_MEDIA,
            json!({"file": "#__graphql_file__:0"}),
        )
        .await;
    assert_eq!(json_request.error_code(), "BAD_USER_INPUT");
    assert!(json_request.error_message().contains("multipart"));

    // No credentials.
    let (status, body) = post_multipart(
        &url,
        Cred::None,
        graphql_multipart(&operations, &map, &[("0", "a.png", "image/png", &image)]),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");

    assert_eq!(media_count(&stack, &token).await, 0);
    assert_eq!(object_files(&stack), 0, "no stored bytes left behind");
}

#[tokio::test]
async fn signed_object_urls_work_through_the_router_with_range_and_refuse_tampering() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("objects").await;
    let image = png();
    let (_, body) = post_multipart(
        stack.router_url(0),
        Cred::Bearer(&token),
        graphql_multipart(
            &json!({"query": UPLOAD_MEDIA, "variables": {"file": null}}),
            &json!({"0": ["variables.file"]}),
            &[("0", "cat.png", "image/png", &image)],
        ),
    )
    .await;
    let signed = body["data"]["uploadMedia"]["url"].as_str().unwrap();
    // The same signed path and query, at the router's public address.
    let path = &signed[signed.find("/objects/").unwrap()..];
    let through_router = format!("{}{path}", router_base(&stack));
    let http = reqwest::Client::new();

    let ranged = http
        .get(&through_router)
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()["content-type"], "image/png");
    assert_eq!(ranged.bytes().await.unwrap().to_vec(), image[..8].to_vec());
    let head = http.head(&through_router).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        image.len().to_string()
    );
    let tampered = http
        .get(through_router.replace("signature=", "signature=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 403);
}

#[tokio::test]
async fn a_direct_upload_of_several_chunks_is_composed_whole_in_google_cloud_storage() {
    let gcs = mediamagic_e2e::fake_gcs::FakeGcs::start().await;
    let storage = gcs.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    let (token, _, _) = stack.sign_up("gcsdirect").await;
    // Three 8 MiB chunks and a rest: parts written in parallel, then composed.
    let video: Vec<u8> = (0..(26 * 1024 * 1024 + 123))
        .map(|i| (i % 251) as u8)
        .collect();
    let request = graphql_multipart(
        &json!({"query": UPLOAD_MEDIA, "variables": {"file": null}}),
        &json!({"0": ["variables.file"]}),
        &[("0", "long.mp4", "video/mp4", &video)],
    );
    let (status, body) = post_multipart(stack.router_url(0), Cred::Bearer(&token), request).await;
    assert_eq!(status, 200, "{body}");
    let media = &body["data"]["uploadMedia"];
    assert_eq!(media["status"], "LIVE", "{body}");
    assert_eq!(media["sha256"], sha(&video).as_str());
    let url = media["url"].as_str().unwrap();
    assert!(
        url.starts_with(&gcs.endpoint) && url.contains("X-Goog-Signature="),
        "{url}"
    );
    let downloaded = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(sha(&downloaded), sha(&video));
    // The chunks are gone once composed.
    let left = gcs.objects_under("parts/").await;
    assert!(left.is_empty(), "{left:?}");
}
