//! Idempotency keys on every create, through the router: the same key with the same request
//! gives the first call's resource (an API key's id without its secret, an invite without its
//! token), another request with the key is CONFLICT, ten parallel calls with one key make
//! one resource, keys belong to the account that sent them, they expire, and the REST
//! surfaces take them as an `Idempotency-Key` header.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_e2e::{
    Cred, GqlResponse, TestStack,
    jobs::post_upload,
    media::{object_files, png, seed_upload_form, sha},
    rest::{base, call, read, with_cred},
    spawn_stack,
};
use serde_json::{Value, json};

const CREATE_MODEL: &str = "mutation($input: CreateModelInput!, $key: String) { createModel(input: $input, idempotencyKey: $key) { id } }";
const CREATE_KEY: &str = "mutation($input: CreateApiKeyInput!, $key: String) { createApiKey(input: $input, idempotencyKey: $key) { secret apiKey { id } } }";
const CREATE_TEAM: &str = "mutation($name: String!, $key: String) { createTeam(name: $name, idempotencyKey: $key) { id } }";
const INVITE: &str = "mutation($team: ID!, $email: String!, $key: String) { inviteMember(teamId: $team, email: $email, idempotencyKey: $key) { id token } }";
const SET_BUDGET: &str = "mutation($input: SetBudgetInput!, $key: String) { setBudget(input: $input, idempotencyKey: $key) { monthlyLimit { amount } hard } }";
const CREATE_UPLOAD: &str = "mutation($input: CreateUploadInput!, $key: String) { createUpload(input: $input, idempotencyKey: $key) { media { id } url } }";

fn model(name: &str) -> Value {
    json!({"name": name, "container": "ubuntu", "command": "echo {args}"})
}

fn upload_input(bytes: &[u8]) -> Value {
    json!({"filename": "a.png", "contentType": "image/png", "size": bytes.len(), "sha256": sha(bytes)})
}

async fn twice(
    stack: &TestStack,
    token: &str,
    query: &str,
    first: Value,
    second: Value,
) -> (GqlResponse, GqlResponse) {
    let a = stack.gql(Cred::Bearer(token), query, first).await;
    let b = stack.gql(Cred::Bearer(token), query, second).await;
    (a, b)
}

#[tokio::test]
async fn each_create_called_twice_with_one_key_makes_one_resource_and_another_request_conflicts() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("idem").await;

    // createModel
    let vars = json!({"input": model("idem-model"), "key": "model-1"});
    let (a, b) = twice(&stack, &token, CREATE_MODEL, vars.clone(), vars).await;
    assert_eq!(a.data("/createModel/id"), b.data("/createModel/id"));
    let changed = json!({"input": model("idem-other"), "key": "model-1"});
    let conflict = stack.gql(Cred::Bearer(&token), CREATE_MODEL, changed).await;
    assert_eq!(conflict.error_code(), "CONFLICT", "{}", conflict.body);
    assert!(conflict.error_message().contains("model-1"));

    // createApiKey: the same key id, and the secret only the first time.
    let vars = json!({"input": {"name": "ci"}, "key": "api-key-1"});
    let (a, b) = twice(&stack, &token, CREATE_KEY, vars.clone(), vars).await;
    assert_eq!(
        a.data("/createApiKey/apiKey/id"),
        b.data("/createApiKey/apiKey/id")
    );
    assert!(a.data("/createApiKey/secret").is_string());
    assert!(
        b.body["data"]["createApiKey"]["secret"].is_null(),
        "{}",
        b.body
    );
    let changed = json!({"input": {"name": "ci", "scopes": ["READ"]}, "key": "api-key-1"});
    let conflict = stack.gql(Cred::Bearer(&token), CREATE_KEY, changed).await;
    assert_eq!(conflict.error_code(), "CONFLICT");

    // createTeam
    let vars = json!({"name": "Crew", "key": "team-1"});
    let (a, b) = twice(&stack, &token, CREATE_TEAM, vars.clone(), vars).await;
    let team = a.data("/createTeam/id").as_str().unwrap().to_owned();
    assert_eq!(team, b.data("/createTeam/id").as_str().unwrap());
    let conflict = stack
        .gql(
            Cred::Bearer(&token),
            CREATE_TEAM,
            json!({"name": "Other", "key": "team-1"}),
        )
        .await;
    assert_eq!(conflict.error_code(), "CONFLICT");
    let teams = stack
        .gql(Cred::Bearer(&token), "{ teams { team { id } } }", json!({}))
        .await;
    assert_eq!(teams.data("/teams").as_array().unwrap().len(), 1);

    // inviteMember: the same invite, its token only the first time.
    let vars = json!({"team": team, "email": "friend@example.com", "key": "invite-1"});
    let (a, b) = twice(&stack, &token, INVITE, vars.clone(), vars).await;
    assert_eq!(a.data("/inviteMember/id"), b.data("/inviteMember/id"));
    assert!(a.data("/inviteMember/token").is_string());
    assert!(b.body["data"]["inviteMember"]["token"].is_null());
    let conflict = stack
        .gql(
            Cred::Bearer(&token),
            INVITE,
            json!({"team": team, "email": "other@example.com", "key": "invite-1"}),
        )
        .await;
    assert_eq!(conflict.error_code(), "CONFLICT");

    // setBudget: a late retry does not undo a newer change.
    let vars = json!({"input": {"monthlyLimit": 500, "hard": false}, "key": "budget-1"});
    let first = stack
        .gql(Cred::Bearer(&token), SET_BUDGET, vars.clone())
        .await;
    assert_eq!(first.data("/setBudget/monthlyLimit/amount"), 500);
    let newer = json!({"input": {"monthlyLimit": 900, "hard": true}});
    stack
        .gql(Cred::Bearer(&token), SET_BUDGET, newer)
        .await
        .data("/setBudget");
    let retried = stack.gql(Cred::Bearer(&token), SET_BUDGET, vars).await;
    assert_eq!(retried.data("/setBudget/monthlyLimit/amount"), 900);
    assert_eq!(retried.data("/setBudget/hard"), true);
    let conflict = stack
        .gql(
            Cred::Bearer(&token),
            SET_BUDGET,
            json!({"input": {"monthlyLimit": 1, "hard": false}, "key": "budget-1"}),
        )
        .await;
    assert_eq!(conflict.error_code(), "CONFLICT");

    // createUpload: the same pending media, a working URL each time.
    let bytes = png();
    let vars = json!({"input": upload_input(&bytes), "key": "upload-1"});
    let (a, b) = twice(&stack, &token, CREATE_UPLOAD, vars.clone(), vars).await;
    assert_eq!(
        a.data("/createUpload/media/id"),
        b.data("/createUpload/media/id")
    );
    let put = reqwest::Client::new()
        .put(b.data("/createUpload/url").as_str().unwrap())
        .header("content-type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let conflict = stack
        .gql(
            Cred::Bearer(&token),
            CREATE_UPLOAD,
            json!({"input": upload_input(b"other bytes"), "key": "upload-1"}),
        )
        .await;
    assert_eq!(conflict.error_code(), "CONFLICT");

    // A key of 201 characters is refused before anything happens.
    let long = stack
        .gql(
            Cred::Bearer(&token),
            CREATE_TEAM,
            json!({"name": "Long", "key": "k".repeat(201)}),
        )
        .await;
    assert_eq!(long.error_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn ten_parallel_calls_with_one_key_make_one_resource() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("parallel").await;
    let bytes = png();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            CREATE_MODEL,
            json!({"input": model("raced"), "key": "race"}),
            "/createModel/id",
        ),
        (
            CREATE_KEY,
            json!({"input": {"name": "raced"}, "key": "race"}),
            "/createApiKey/apiKey/id",
        ),
        (
            CREATE_TEAM,
            json!({"name": "Raced", "key": "race"}),
            "/createTeam/id",
        ),
        (
            CREATE_UPLOAD,
            json!({"input": upload_input(&bytes), "key": "race"}),
            "/createUpload/media/id",
        ),
    ];
    for (query, vars, pointer) in cases {
        let calls = (0..10).map(|_| stack.gql(Cred::Bearer(&token), query, vars.clone()));
        let answers = futures::future::join_all(calls).await;
        let ids: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|a| a.data(pointer).as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 1, "{query}: {ids:?}");
    }
    // Counted where they are listed, too.
    let listed = stack
        .gql(
            Cred::Bearer(&token),
            "{ teams { team { id } } apiKeys { totalCount } mediaList { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data("/teams").as_array().unwrap().len(), 1);
    assert_eq!(listed.data("/apiKeys/totalCount"), 1);
    assert_eq!(listed.data("/mediaList/totalCount"), 1);

    // uploadMedia: ten parallel multipart requests store the file once.
    let before = object_files(&stack);
    let requests = (0..10).map(|_| upload_media(&stack, &token, &bytes, "race-upload"));
    let ids: std::collections::BTreeSet<String> = futures::future::join_all(requests)
        .await
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(object_files(&stack), before + 1);
}

async fn upload_media(stack: &TestStack, token: &str, bytes: &[u8], key: &str) -> String {
    let operations = json!({"query": "mutation($f: Upload!, $key: String) { uploadMedia(file: $f, idempotencyKey: $key) { id } }", "variables": {"f": null, "key": key}});
    let answer = post_upload(stack, token, operations, "a.png", "image/png", bytes).await;
    answer["data"]["uploadMedia"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_owned()
}

#[tokio::test]
async fn a_key_belongs_to_the_account_that_sent_it_and_expires() {
    let stack = spawn_stack().await;
    let (alice, _, _) = stack.sign_up("alice").await;
    let (bob, _, _) = stack.sign_up("bob").await;
    let vars = json!({"input": model("shared-name"), "key": "same-key"});

    let mine = stack
        .gql(Cred::Bearer(&alice), CREATE_MODEL, vars.clone())
        .await;
    let theirs = stack.gql(Cred::Bearer(&bob), CREATE_MODEL, vars).await;

    // Bob's call with Alice's key makes Bob's own model; he never sees hers.
    assert_ne!(mine.data("/createModel/id"), theirs.data("/createModel/id"));
    let bob_models = stack
        .gql(
            Cred::Bearer(&bob),
            "{ models(filter: {mine: true}) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bob_models.data("/models/nodes/0/id"),
        theirs.data("/createModel/id")
    );

    // After the key's day is over it may be used for something else.
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    diesel::sql_query(
        "UPDATE models.idempotency_keys SET expires_at = now() - interval '1 second'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let reused = stack
        .gql(
            Cred::Bearer(&alice),
            CREATE_MODEL,
            json!({"input": model("another-name"), "key": "same-key"}),
        )
        .await;
    assert_ne!(reused.data("/createModel/id"), mine.data("/createModel/id"));
}

#[tokio::test]
async fn rest_surfaces_take_an_idempotency_key_header() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("rest-idem").await;
    let bytes = png();

    // Seed 000's direct upload: the same file twice under one key is one media, stored once.
    let upload = |file: Vec<u8>| {
        let (content_type, body) = seed_upload_form(&file, "image/png", "a,b");
        let request = reqwest::Client::new()
            .post(format!("{}/upload", base(&stack)))
            .header("content-type", content_type)
            .header("idempotency-key", "seed-upload-1")
            .body(body);
        let request = with_cred(request, Cred::Bearer(&token));
        async move { read(request.send().await.unwrap()).await }
    };
    let first = upload(bytes.clone()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let stored = object_files(&stack);
    let again = upload(bytes.clone()).await;
    assert_eq!(again.body["media"]["id"], first.body["media"]["id"]);
    assert_eq!(object_files(&stack), stored);
    let other = upload(b"\x89PNG other bytes".to_vec()).await;
    assert_eq!(other.status, 409, "{:?}", other.body);
    assert_eq!(other.body["error"]["code"], "CONFLICT");
    assert_eq!(object_files(&stack), stored, "the refused file is not kept");

    // Seed 000's JSON creates.
    let create_team = || async {
        let request = reqwest::Client::new()
            .post(format!("{}/api/v1/teams", base(&stack)))
            .header("content-type", "application/json")
            .header("idempotency-key", "team-create-1")
            .body(json!({"name": "Rest crew"}).to_string());
        read(
            with_cred(request, Cred::Bearer(&token))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let a = create_team().await;
    let b = create_team().await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.body["id"], b.body["id"]);

    // Seed 003's presigned create.
    let create_media = || async {
        let request = reqwest::Client::new()
            .post(format!("{}/media-management/media", base(&stack)))
            .header("content-type", "application/json")
            .header("idempotency-key", "seed003-media-1")
            .body(
                json!({"name": "a.png", "content_type": "image/png", "size": bytes.len(), "sha256": sha(&bytes)})
                    .to_string(),
            );
        read(
            with_cred(request, Cred::Bearer(&token))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let a = create_media().await;
    let b = create_media().await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.body["id"], b.body["id"]);

    // Without a key nothing changes: two calls, two teams.
    let plain = call(
        &stack,
        "POST",
        "/api/v1/teams",
        Cred::Bearer(&token),
        Some(&json!({"name": "No key"})),
    )
    .await;
    let plain_again = call(
        &stack,
        "POST",
        "/api/v1/teams",
        Cred::Bearer(&token),
        Some(&json!({"name": "No key"})),
    )
    .await;
    assert_ne!(plain.body["id"], plain_again.body["id"]);
}

#[tokio::test]
async fn an_idempotency_key_header_replayed_by_another_account_gets_nothing_of_the_first() {
    // Arrange: Alice creates a team and a presigned upload with keys Bob learns.
    let stack = spawn_stack().await;
    let (alice, _, _) = stack.sign_up("rest-alice").await;
    let (bob, _, _) = stack.sign_up("rest-bob").await;
    let post = |path: &'static str, token: String, key: &'static str, body: Value| {
        let request = reqwest::Client::new()
            .post(format!("{}{path}", base(&stack)))
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(body.to_string());
        async move {
            read(
                with_cred(request, Cred::Bearer(&token))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let bytes = png();
    let media_body = json!({"name": "a.png", "content_type": "image/png", "size": bytes.len(), "sha256": sha(&bytes)});
    let alices_team = post(
        "/api/v1/teams",
        alice.clone(),
        "shared-1",
        json!({"name": "Alice's"}),
    )
    .await;
    let alices_media = post(
        "/media-management/media",
        alice.clone(),
        "shared-2",
        media_body.clone(),
    )
    .await;
    assert_eq!(alices_team.status, 201, "{:?}", alices_team.body);
    assert_eq!(alices_media.status, 201, "{:?}", alices_media.body);

    // Act: Bob replays the same keys, with the same and with other requests.
    let same_team = post(
        "/api/v1/teams",
        bob.clone(),
        "shared-1",
        json!({"name": "Alice's"}),
    )
    .await;
    let other_team = post(
        "/api/v1/teams",
        bob.clone(),
        "shared-1",
        json!({"name": "Bob's"}),
    )
    .await;
    let same_media = post(
        "/media-management/media",
        bob.clone(),
        "shared-2",
        media_body,
    )
    .await;

    // Assert: his own resources (or a conflict with his own earlier call), never Alice's ids
    // or upload URL.
    assert_eq!(same_team.status, 201, "{:?}", same_team.body);
    assert_ne!(same_team.body["id"], alices_team.body["id"]);
    assert_eq!(other_team.status, 409, "{:?}", other_team.body);
    assert!(
        !other_team
            .body
            .to_string()
            .contains(alices_team.body["id"].as_str().unwrap())
    );
    assert_eq!(same_media.status, 201, "{:?}", same_media.body);
    assert_ne!(same_media.body["id"], alices_media.body["id"]);
    assert!(
        !same_media
            .body
            .to_string()
            .contains(alices_media.body["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn odd_idempotency_key_headers_are_bad_requests_and_create_nothing() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("odd-keys").await;
    let teams_before = call(&stack, "GET", "/api/v1/teams", Cred::Bearer(&token), None).await;
    let long = "k".repeat(201);
    let odd: [&[u8]; 3] = [b"caf\xc3\xa9", b"", long.as_bytes()];

    for key in odd {
        let request = reqwest::Client::new()
            .post(format!("{}/api/v1/teams", base(&stack)))
            .header("content-type", "application/json")
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(key).unwrap(),
            )
            .body(json!({"name": "Odd"}).to_string());
        let answer = read(
            with_cred(request, Cred::Bearer(&token))
                .send()
                .await
                .unwrap(),
        )
        .await;

        assert_eq!(answer.status, 400, "{key:?}: {:?}", answer.body);
    }
    let teams_after = call(&stack, "GET", "/api/v1/teams", Cred::Bearer(&token), None).await;
    assert_eq!(teams_after.body, teams_before.body);

    // The converter's upload refused such a header only after storing the video, and then
    // went on without the key (a retry made a second conversion).
    let stored = object_files(&stack);
    let video = mediamagic_e2e::media::mp4();
    let (content_type, body) =
        mediamagic_e2e::media::multipart_body(&[("file", Some(("clip.mp4", "video/mp4")), &video)]);
    let request = reqwest::Client::new()
        .post(format!("{}/converter/upload", base(&stack)))
        .header("content-type", content_type)
        .header(
            "idempotency-key",
            reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        )
        .body(body);
    let answer = read(
        with_cred(request, Cred::Bearer(&token))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    assert_eq!(object_files(&stack), stored, "nothing was stored");
}
