//! Multipart uploads through the router, on local storage, SeaweedFS (S3) and
//! fake-gcs-server (GCS): parts PUT in parallel to presigned URLs that carry each part's
//! checksum (SHA-256, or CRC32 when the upload asks for it); a connection dropped halfway
//! leaves that part out, `uploadParts` says what is missing, the upload resumes and
//! completes with the declared sha256. A wrong part, a part of the wrong size or a wrong
//! final checksum fails and leaves no object or row behind; aborting removes the parts. The
//! checks run on a 23 MiB file in 5 MiB parts; the resumed upload also at full size, 1 GiB
//! in 64 MiB parts, on every store (throughput is `e2e/bench/run.sh uploads`). On GCS, which
//! checks only its own MD5 and CRC32C as bytes arrive, parts are checked when assembled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, GqlResponse, TestStack,
    fake_gcs::FakeGcs,
    media::{PartCheck as Check, object_files},
    seaweed::Seaweed,
    spawn_stack, spawn_stack_with,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;
const PART: usize = 5 * MIB;
const CREATE: &str = "mutation($input: CreateUploadInput!) { createUpload(input: $input) { url media { id status } multipart { partSize partCount parts { number url method headers { name value } } } } }";
const PART_URLS: &str = "mutation($id: ID!, $parts: [UploadPartInput!]!) { uploadPartUrls(id: $id, parts: $parts) { number url headers { name value } } }";
const PROGRESS: &str = "query($id: ID!) { uploadParts(id: $id) { partSize partCount uploaded { number size } missing } }";
const COMPLETE: &str =
    "mutation($id: ID!) { completeUpload(id: $id) { id status size sha256 url } }";

/// Deterministic incompressible bytes.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn part_of(file: &[u8], number: usize) -> &[u8] {
    let start = (number - 1) * PART;
    &file[start..(start + PART).min(file.len())]
}

fn parts_input(check: Check, file: &[u8], numbers: &[usize]) -> Value {
    numbers
        .iter()
        .map(|n| check.part(*n, part_of(file, *n)))
        .collect()
}

async fn create(
    stack: &TestStack,
    token: &str,
    check: Check,
    file: &[u8],
    sha256: &str,
    first: &[usize],
) -> GqlResponse {
    stack
        .gql(
            Cred::Bearer(token),
            CREATE,
            json!({"input": {
                "filename": "big.mp4", "contentType": "video/mp4", "size": file.len(),
                "sha256": sha256, "partSize": PART, "partChecksum": check.algorithm(),
                "parts": parts_input(check, file, first),
            }}),
        )
        .await
}

/// PUTs `body` to a part URL as the platform said; the HTTP status.
async fn put_part(part: &Value, body: Vec<u8>) -> u16 {
    let mut request = reqwest::Client::new().put(part["url"].as_str().unwrap());
    for header in part["headers"].as_array().unwrap() {
        request = request.header(
            header["name"].as_str().unwrap(),
            header["value"].as_str().unwrap(),
        );
    }
    request.body(body).send().await.unwrap().status().as_u16()
}

/// Sends half of `body` under a full Content-Length, then drops the connection.
async fn put_part_and_drop_the_connection(part: &Value, body: Vec<u8>) {
    let full = body.len();
    let half = body[..full / 2].to_vec();
    let stream = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(half),
        Err(std::io::Error::other("the connection dropped")),
    ]);
    let mut request = reqwest::Client::new()
        .put(part["url"].as_str().unwrap())
        .header("content-length", full);
    for header in part["headers"].as_array().unwrap() {
        request = request.header(
            header["name"].as_str().unwrap(),
            header["value"].as_str().unwrap(),
        );
    }
    let sent = request
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    assert!(
        sent.is_err() || !sent.unwrap().status().is_success(),
        "a half-sent part must not be accepted"
    );
}

async fn put_all(parts: &[Value], file: &[u8]) {
    let puts = parts.iter().map(|part| {
        let number = part["number"].as_u64().unwrap() as usize;
        put_part(part, part_of(file, number).to_vec())
    });
    for status in futures::future::join_all(puts).await {
        assert_eq!(status, 200);
    }
}

fn urls(answer: &GqlResponse, pointer: &str) -> Vec<Value> {
    answer.data(pointer).as_array().unwrap().clone()
}

async fn gone(stack: &TestStack, token: &str, id: &str) {
    let media = stack
        .gql(
            Cred::Bearer(token),
            "query($id: ID!) { media(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(media.error_code(), "NOT_FOUND", "{}", media.body);
    let progress = stack
        .gql(Cred::Bearer(token), PROGRESS, json!({"id": id}))
        .await;
    assert_eq!(progress.error_code(), "NOT_FOUND");
}

/// Completing upload `id` is refused (BAD_USER_INPUT, saying `says`), and the upload and its
/// media are gone.
async fn completion_refused(stack: &TestStack, token: &str, id: &str, says: &str) {
    let refused = stack
        .gql(Cred::Bearer(token), COMPLETE, json!({"id": id}))
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(refused.error_message().contains(says), "{}", refused.body);
    gone(stack, token, id).await;
}

/// Where a store checks a part's checksum: as the bytes arrive (local files, S3), or only
/// when the upload is assembled (GCS, which checks only its own MD5 and CRC32C on arrival).
#[derive(Clone, Copy, PartialEq)]
enum PartsChecked {
    OnArrival,
    OnAssembly,
}

/// Everything every store must do with parts checked by `check`; `objects` counts the
/// store's objects when it can.
async fn multipart_flow(
    stack: &TestStack,
    check: Check,
    objects: &dyn Fn() -> Option<usize>,
    checked: PartsChecked,
) {
    let (token, _, _) = stack.sign_up("multipart").await;
    let file = bytes(23 * MIB, 7);
    let sha256 = sha(&file);
    let baseline = objects();

    // Started with URLs for the first three parts.
    let created = create(stack, &token, check, &file, &sha256, &[1, 2, 3]).await;
    assert!(created.body["data"]["createUpload"]["url"].is_null());
    assert_eq!(created.data("/createUpload/multipart/partCount"), 5);
    assert_eq!(
        created.data("/createUpload/multipart/partSize"),
        PART as f64
    );
    let id = created
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    let first = urls(&created, "/createUpload/multipart/parts");

    // Parts 1 and 2 arrive (in parallel); part 3's connection drops halfway.
    put_all(&first[..2], &file).await;
    put_part_and_drop_the_connection(&first[2], part_of(&file, 3).to_vec()).await;

    // Resuming: the store lists what it has.
    let progress = stack
        .gql(Cred::Bearer(&token), PROGRESS, json!({"id": id}))
        .await;
    assert_eq!(progress.data("/uploadParts/missing"), &json!([3, 4, 5]));
    assert_eq!(
        progress.data("/uploadParts/uploaded"),
        &json!([{"number": 1, "size": PART as f64}, {"number": 2, "size": PART as f64}])
    );
    // Completing early names the missing parts and keeps the upload.
    let early = stack
        .gql(Cred::Bearer(&token), COMPLETE, json!({"id": id}))
        .await;
    assert_eq!(early.error_code(), "BAD_USER_INPUT");
    assert!(early.error_message().contains("3, 4, 5"), "{}", early.body);

    // A part whose bytes differ from its URL's checksum is refused by the store; on GCS it
    // is stored, and sending the right bytes again replaces it.
    let rest = stack
        .gql(
            Cred::Bearer(&token),
            PART_URLS,
            json!({"id": id, "parts": parts_input(check, &file, &[3, 4, 5])}),
        )
        .await;
    let rest = urls(&rest, "/uploadPartUrls");
    let mut wrong = part_of(&file, 4).to_vec();
    wrong[10] ^= 0xff;
    let expected = match checked {
        PartsChecked::OnArrival => 400,
        PartsChecked::OnAssembly => 200,
    };
    assert_eq!(put_part(&rest[1], wrong).await, expected);
    put_all(&rest, &file).await;

    // Complete: live, with the declared sha256, and the bytes download whole.
    let done = stack
        .gql(Cred::Bearer(&token), COMPLETE, json!({"id": id}))
        .await;
    assert_eq!(done.data("/completeUpload/status"), "LIVE", "{}", done.body);
    assert_eq!(done.data("/completeUpload/sha256"), sha256.as_str());
    assert_eq!(done.data("/completeUpload/size"), file.len() as f64);
    let downloaded = reqwest::get(done.data("/completeUpload/url").as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha(&downloaded), sha256);
    // Completing again answers the same media.
    let again = stack
        .gql(Cred::Bearer(&token), COMPLETE, json!({"id": id}))
        .await;
    assert_eq!(again.data("/completeUpload/id"), id.as_str());
    if let Some(baseline) = baseline {
        assert_eq!(
            objects(),
            Some(baseline + 1),
            "the parts are gone, one object stays"
        );
    }

    // A wrong final checksum: every part is right, the file's declared sha256 is not.
    let wrong_sum = sha(b"something else");
    let created = create(stack, &token, check, &file, &wrong_sum, &[1, 2, 3, 4, 5]).await;
    let wrong_id = created
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    put_all(&urls(&created, "/createUpload/multipart/parts"), &file).await;
    completion_refused(stack, &token, &wrong_id, "sha256").await;

    // A part of the wrong size (its own checksum right) fails the whole upload.
    let created = create(stack, &token, check, &file, &sha256, &[]).await;
    let short_id = created
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    let mut parts = Vec::new();
    for n in 1..=5 {
        let body = if n == 2 {
            part_of(&file, 2)[..MIB].to_vec()
        } else {
            part_of(&file, n).to_vec()
        };
        parts.push(check.part(n, &body));
    }
    let signed = stack
        .gql(
            Cred::Bearer(&token),
            PART_URLS,
            json!({"id": short_id, "parts": parts}),
        )
        .await;
    for part in urls(&signed, "/uploadPartUrls") {
        let n = part["number"].as_u64().unwrap() as usize;
        let body = if n == 2 {
            part_of(&file, 2)[..MIB].to_vec()
        } else {
            part_of(&file, n).to_vec()
        };
        assert_eq!(put_part(&part, body).await, 200);
    }
    completion_refused(stack, &token, &short_id, "part 2").await;

    if checked == PartsChecked::OnAssembly {
        // A wrong part left in place fails the completion, naming it, and nothing stays.
        let created = create(stack, &token, check, &file, &sha256, &[1, 2, 3, 4, 5]).await;
        let mixed_id = created
            .data("/createUpload/media/id")
            .as_str()
            .unwrap()
            .to_owned();
        let parts = urls(&created, "/createUpload/multipart/parts");
        put_all(&parts, &file).await;
        let mut wrong = part_of(&file, 3).to_vec();
        wrong[0] ^= 0xff;
        assert_eq!(put_part(&parts[2], wrong).await, 200);
        completion_refused(stack, &token, &mixed_id, "part 3").await;
    }

    // Aborting drops the parts and the pending media.
    let created = create(stack, &token, check, &file, &sha256, &[1]).await;
    let aborted_id = created
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    put_all(&urls(&created, "/createUpload/multipart/parts"), &file).await;
    let aborted = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { abortUpload(id: $id) }",
            json!({"id": aborted_id}),
        )
        .await;
    assert_eq!(aborted.data("/abortUpload"), true);
    gone(stack, &token, &aborted_id).await;
    if let Some(baseline) = baseline {
        assert_eq!(
            objects(),
            Some(baseline + 1),
            "nothing of the failed uploads stays"
        );
    }

    // A multipart upload is completed, not finalized; another account cannot touch it.
    let created = create(stack, &token, check, &file, &sha256, &[]).await;
    let open_id = created
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    let finalize = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { finalizeUpload(id: $id) { id } }",
            json!({"id": open_id}),
        )
        .await;
    assert_eq!(finalize.error_code(), "BAD_USER_INPUT");
    let (other, _, _) = stack.sign_up("intruder").await;
    for (query, vars) in [
        (PROGRESS, json!({"id": open_id})),
        (COMPLETE, json!({"id": open_id})),
        (
            PART_URLS,
            json!({"id": open_id, "parts": parts_input(check, &file, &[1])}),
        ),
        (
            "mutation($id: ID!) { abortUpload(id: $id) }",
            json!({"id": open_id}),
        ),
    ] {
        let answer = stack.gql(Cred::Bearer(&other), query, vars).await;
        assert_eq!(answer.error_code(), "NOT_FOUND", "{query}: {}", answer.body);
    }
}

#[tokio::test]
async fn a_multipart_upload_resumes_and_completes_on_local_storage() {
    let stack = spawn_stack().await;
    multipart_flow(
        &stack,
        Check::Sha256,
        &|| Some(object_files(&stack)),
        PartsChecked::OnArrival,
    )
    .await;
}

#[tokio::test]
async fn a_multipart_upload_with_crc32_parts_resumes_and_completes_on_local_storage() {
    let stack = spawn_stack().await;
    multipart_flow(
        &stack,
        Check::Crc32,
        &|| Some(object_files(&stack)),
        PartsChecked::OnArrival,
    )
    .await;
}

#[tokio::test]
async fn a_multipart_upload_resumes_and_completes_on_seaweedfs() {
    let weed = Seaweed::start().await;
    let storage = weed.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    multipart_flow(&stack, Check::Sha256, &|| None, PartsChecked::OnArrival).await;
}

#[tokio::test]
async fn a_multipart_upload_resumes_and_completes_on_google_cloud_storage() {
    let gcs = FakeGcs::start().await;
    let storage = gcs.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    multipart_flow(&stack, Check::Sha256, &|| None, PartsChecked::OnAssembly).await;
    // No part, and nothing of the compositions, stays in the bucket.
    let left = gcs.objects_under("parts/").await;
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_multipart_upload_with_crc32_parts_resumes_and_completes_on_google_cloud_storage() {
    let gcs = FakeGcs::start().await;
    let storage = gcs.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    multipart_flow(&stack, Check::Crc32, &|| None, PartsChecked::OnAssembly).await;
}

#[tokio::test]
async fn a_multipart_upload_with_crc32_parts_resumes_and_completes_on_seaweedfs() {
    let weed = Seaweed::start().await;
    let storage = weed.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    multipart_flow(&stack, Check::Crc32, &|| None, PartsChecked::OnArrival).await;
}

#[tokio::test]
async fn part_urls_and_sizes_are_checked() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("checks").await;
    let file = bytes(12 * MIB, 3);
    let input = |extra: Value| {
        let mut input = json!({"filename": "a.mp4", "contentType": "video/mp4", "size": file.len(), "sha256": sha(&file)});
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({"input": input})
    };
    for (extra, field) in [
        (json!({"partSize": 1024}), "partSize"),
        (
            json!({"parts": [{"number": 4, "sha256": sha(b"x")}], "partSize": PART}),
            "parts",
        ),
        (json!({"parts": [{"number": 1, "sha256": "zz"}]}), "parts"),
        (json!({"parts": [{"number": 1}]}), "parts"),
        (
            json!({"parts": [{"number": 1, "sha256": sha(b"x"), "crc32": "cbf43926"}]}),
            "parts",
        ),
        // A CRC32 upload's parts come with CRC32s, 8 hex digits each.
        (
            json!({"partChecksum": "CRC32", "parts": [{"number": 1, "sha256": sha(b"x")}]}),
            "parts",
        ),
        (
            json!({"partChecksum": "CRC32", "parts": [{"number": 1, "crc32": sha(b"x")}]}),
            "parts",
        ),
        (
            json!({"parts": [{"number": 1, "sha256": sha(b"x")}, {"number": 1, "sha256": sha(b"x")}]}),
            "parts",
        ),
    ] {
        let answer = stack
            .gql(Cred::Bearer(&token), CREATE, input(extra.clone()))
            .await;
        assert_eq!(
            answer.error_code(),
            "BAD_USER_INPUT",
            "{extra}: {}",
            answer.body
        );
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], field,
            "{}",
            answer.body
        );
    }
    // Nothing was left pending by the refusals.
    let quota = stack
        .gql(
            Cred::Bearer(&token),
            "{ uploadQuota { pendingUploads } }",
            json!({}),
        )
        .await;
    assert_eq!(quota.data("/uploadQuota/pendingUploads"), 0);

    // A tampered part URL (another part's checksum) is refused by the service.
    let created = stack
        .gql(
            Cred::Bearer(&token),
            CREATE,
            input(json!({"multipart": true, "parts": [{"number": 1, "sha256": sha(&file[..8 * MIB])}]})),
        )
        .await;
    let part = &created.data("/createUpload/multipart/parts")[0];
    let tampered = part["url"]
        .as_str()
        .unwrap()
        .replace(&sha(&file[..8 * MIB]), &sha(b"other"));
    let status = reqwest::Client::new()
        .put(tampered)
        .body(b"other".to_vec())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403);

    // So is a CRC32 part URL with the CRC32 of other bytes, or with the checksum moved to
    // the other algorithm's name.
    let created = stack
        .gql(
            Cred::Bearer(&token),
            CREATE,
            input(
                json!({"partChecksum": "CRC32", "parts": [Check::Crc32.part(1, &file[..8 * MIB])]}),
            ),
        )
        .await;
    let url = created
        .data("/createUpload/multipart/parts/0/url")
        .as_str()
        .unwrap()
        .to_owned();
    let crc = Check::Crc32.sum(&file[..8 * MIB]);
    let other = Check::Crc32.sum(b"other");
    for tampered in [
        url.replace(&crc, &other),
        url.replace("crc32=", "sha256="),
        format!("{url}&sha256={}", sha(b"other")),
    ] {
        let status = reqwest::Client::new()
            .put(&tampered)
            .body(b"other".to_vec())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "{tampered}");
    }
}

#[tokio::test]
async fn an_idempotency_key_replays_a_crc32_upload_and_refuses_another_part_checksum() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("keyed").await;
    let file = bytes(12 * MIB, 5);
    let create = "mutation($input: CreateUploadInput!, $key: String) { createUpload(input: $input, idempotencyKey: $key) { media { id } multipart { parts { number url } } } }";
    let input = |check: Check| {
        json!({
            "filename": "a.mp4", "contentType": "video/mp4", "size": file.len(),
            "sha256": sha(&file), "partSize": PART, "partChecksum": check.algorithm(),
            "parts": parts_input(check, &file, &[1]),
        })
    };
    let first = stack
        .gql(
            Cred::Bearer(&token),
            create,
            json!({"input": input(Check::Crc32), "key": "big-1"}),
        )
        .await;
    let again = stack
        .gql(
            Cred::Bearer(&token),
            create,
            json!({"input": input(Check::Crc32), "key": "big-1"}),
        )
        .await;
    assert_eq!(
        again.data("/createUpload/media/id"),
        first.data("/createUpload/media/id"),
        "{}",
        again.body
    );
    // The replay's part URL still carries the CRC32.
    let url = again.data("/createUpload/multipart/parts/0/url");
    assert!(url.as_str().unwrap().contains("crc32="), "{url}");
    let other = stack
        .gql(
            Cred::Bearer(&token),
            create,
            json!({"input": input(Check::Sha256), "key": "big-1"}),
        )
        .await;
    assert_eq!(other.error_code(), "CONFLICT", "{}", other.body);
}

/// The acceptance at full size: a 1 GiB file in 64 MiB CRC32-checked parts, four at
/// a time; the connection of part 9 drops halfway, `uploadParts` lists 9 to 16 as missing,
/// they are sent and the upload completes with the declared size and sha256.
async fn one_gib_resumes_and_completes(stack: &TestStack) {
    const GIB: usize = 1024 * MIB;
    const BIG_PART: usize = 64 * MIB;
    let (token, _, _) = stack.sign_up("gigabyte").await;
    // Made off the runtime: seconds of work that would leave pooled connections unpolled.
    let (file, sha256, parts) = tokio::task::spawn_blocking(|| {
        let file = bytes(GIB, 11);
        let sha256 = sha(&file);
        let parts: Vec<Value> = (1..=16)
            .map(|n| Check::Crc32.part(n, &file[(n - 1) * BIG_PART..n * BIG_PART]))
            .collect();
        (file, sha256, parts)
    })
    .await
    .unwrap();
    let part = |n: usize| &file[(n - 1) * BIG_PART..n * BIG_PART];
    let created = stack
        .gql(
            Cred::Bearer(&token),
            CREATE,
            json!({"input": {
                "filename": "big.mov", "contentType": "video/quicktime", "size": GIB,
                "sha256": sha256, "partSize": BIG_PART, "partChecksum": "CRC32", "parts": parts,
            }}),
        )
        .await;
    assert_eq!(created.data("/createUpload/multipart/partCount"), 16);
    let id = created
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    let urls = urls(&created, "/createUpload/multipart/parts");
    let url = |n: usize| urls.iter().find(|u| u["number"] == n).unwrap();
    let send = |numbers: Vec<usize>| async {
        use futures::StreamExt;
        let statuses: Vec<u16> = futures::stream::iter(numbers)
            .map(|n| put_part(url(n), part(n).to_vec()))
            .buffer_unordered(4)
            .collect()
            .await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    };

    send((1..=8).collect()).await;
    put_part_and_drop_the_connection(url(9), part(9).to_vec()).await;
    let progress = stack
        .gql(Cred::Bearer(&token), PROGRESS, json!({"id": id}))
        .await;
    let missing: Vec<usize> = (9..=16).collect();
    assert_eq!(progress.data("/uploadParts/missing"), &json!(missing));
    send(missing).await;
    let done = stack
        .gql(Cred::Bearer(&token), COMPLETE, json!({"id": id}))
        .await;
    assert_eq!(done.data("/completeUpload/status"), "LIVE", "{}", done.body);
    assert_eq!(done.data("/completeUpload/size"), GIB as f64);
    assert_eq!(done.data("/completeUpload/sha256"), sha256.as_str());
}

#[tokio::test]
async fn a_one_gib_upload_interrupted_halfway_resumes_and_completes_on_local_storage() {
    let stack = spawn_stack().await;
    one_gib_resumes_and_completes(&stack).await;
}

#[tokio::test]
async fn a_one_gib_upload_interrupted_halfway_resumes_and_completes_on_seaweedfs() {
    let weed = Seaweed::start().await;
    let storage = weed.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    one_gib_resumes_and_completes(&stack).await;
}

#[tokio::test]
async fn a_one_gib_upload_interrupted_halfway_resumes_and_completes_on_google_cloud_storage() {
    let gcs = FakeGcs::start().await;
    let storage = gcs.storage();
    let stack = spawn_stack_with(move |config| config.media.storage = storage).await;
    one_gib_resumes_and_completes(&stack).await;
    let left = gcs.objects_under("parts/").await;
    assert!(left.is_empty(), "{left:?}");
}
