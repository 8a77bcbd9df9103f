//! Seed 000's REST API through the router's public address, every example of the seed
//! document with its paths, methods, headers and JSON shapes, plus the errors a REST client
//! gets (statuses with a JSON body).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    media::{png, seed_upload_form},
    rest::{REST_JSON, base, call, read, with_cred},
    spawn_stack,
};
use serde_json::{Value, json};

/// Seed 000's "Create model" body (with its `id` when given).
fn style_clip(id: Option<&str>, tags: &[&str]) -> Value {
    let mut body = json!({
        "args": {
            "image": {"tags": ["mask"], "optional": true, "type": "file", "format": "--form image=@:value"},
            "source": {"type": "string", "format": "--form source=@:value"},
            "target": {"type": "string", "format": "--form target=@:value"},
            "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100},
            "beta": {"type": "number", "format": "--form beta=@:value", "min": 0, "max": 100}
        },
        "name": "styleClip",
        "container": "ubuntu",
        "machine_type": "container2",
        "machine_count": 2,
        "tags": tags,
        "icon": "icon.jpg",
        "command": "127.0.0.1:8013/styleclip {args} --form output=/tmp/clust_mgr/",
        "description": "it does manipulation based on text query from user",
        "example_outputs": ["https://studio213.us/gpu/ai/input/em.jpg"]
    });
    if let Some(id) = id {
        body["id"] = json!(id);
    }
    body
}

/// Seed 000's curl upload: `POST <path>` with `media` and `tags`.
async fn upload(stack: &TestStack, path: &str, cred: Cred<'_>, tags: &str) -> Value {
    let (content_type, body) = seed_upload_form(&png(), "image/png", tags);
    let request = reqwest::Client::new()
        .post(format!("{}{path}", base(stack)))
        .header("content-type", content_type)
        .body(body);
    let answer = read(with_cred(request, cred).send().await.unwrap()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

#[tokio::test]
async fn logging_in_answers_with_the_seed_token_fields_and_the_token_works() {
    let stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("ann").await;

    // Seed 000's example is a GET with its content type; credentials go in basic auth.
    let answer = read(
        reqwest::Client::new()
            .get(format!("{}/api/v1/auth/login", base(&stack)))
            .header("content-type", REST_JSON)
            .basic_auth(&email, Some("correct horse 1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    for field in ["access_token", "refresh_token", "id_token", "token_type"] {
        assert!(answer.body.get(field).is_some(), "missing {field}");
    }
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap().to_owned();
    let media = call(&stack, "GET", "/api/v1/media", Cred::Bearer(&token), None).await;
    assert_eq!(media.status, 200);

    // A JSON body works too; a wrong password is 401 without saying whether the email exists.
    let json_login = call(
        &stack,
        "POST",
        "/api/v1/auth/login",
        Cred::None,
        Some(&json!({"email": email, "password": "correct horse 1"})),
    )
    .await;
    assert_eq!(json_login.status, 200);
    let wrong = call(
        &stack,
        "POST",
        "/api/v1/auth/login",
        Cred::None,
        Some(&json!({"email": email, "password": "wrong horse 1"})),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    let nobody = call(&stack, "GET", "/api/v1/auth/login", Cred::None, None).await;
    assert_eq!(nobody.status, 401);

    // Logging out revokes the token.
    let out = call(
        &stack,
        "POST",
        "/api/v1/auth/logout",
        Cred::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(out.status, 204);
    let after = call(&stack, "GET", "/api/v1/media", Cred::Bearer(&token), None).await;
    assert_eq!(after.status, 401);
}

#[tokio::test]
async fn api_keys_for_me_and_for_a_team_act_as_their_owner_and_revoke_at_once() {
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("ann").await;

    let mine = call(
        &stack,
        "POST",
        "/api/v1/tokens",
        Cred::Bearer(&token),
        Some(&json!({"name": "my-token"})),
    )
    .await;
    assert_eq!(mine.status, 201, "{:?}", mine.body);
    assert_eq!(mine.body["name"], "my-token");
    assert_eq!(mine.body["owner_id"], json!(user_id));
    let key = mine.body["key"].as_str().unwrap().to_owned();

    let team = call(
        &stack,
        "POST",
        "/api/v1/teams",
        Cred::Bearer(&token),
        Some(&json!({"name": "my-team"})),
    )
    .await;
    assert_eq!(team.status, 201, "{:?}", team.body);
    assert_eq!(team.body["role"], "owner");
    let team_id = team.body["id"].as_str().unwrap().to_owned();
    let team_key = call(
        &stack,
        "POST",
        "/api/v1/tokens",
        Cred::Bearer(&token),
        Some(&json!({"name": "my-token", "team_id": team_id})),
    )
    .await;
    assert_eq!(team_key.status, 201, "{:?}", team_key.body);
    assert_eq!(team_key.body["owner_kind"], "team");
    assert_eq!(team_key.body["team_id"], json!(team_id));
    let team_secret = team_key.body["key"].as_str().unwrap().to_owned();

    // What the team key uploads belongs to the team, not to the user.
    upload(
        &stack,
        "/uploads/upload",
        Cred::Key(&team_secret),
        "\"team\"",
    )
    .await;
    let as_team = call(
        &stack,
        "GET",
        "/api/v1/media",
        Cred::Key(&team_secret),
        None,
    )
    .await;
    assert_eq!(as_team.body["media"].as_array().unwrap().len(), 1);
    let as_user = call(&stack, "GET", "/api/v1/media", Cred::Key(&key), None).await;
    assert_eq!(as_user.body["media"], json!([]));

    // A team session token (seed 000's organisation token) acts as the team too.
    let team_token = call(
        &stack,
        "POST",
        &format!("/api/v1/teams/{team_id}/token"),
        Cred::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(team_token.status, 200);
    let org = team_token.body["access_token"].as_str().unwrap().to_owned();
    let org_media = call(&stack, "GET", "/api/v1/media", Cred::Bearer(&org), None).await;
    assert_eq!(org_media.body["media"].as_array().unwrap().len(), 1);
    let teams = call(&stack, "GET", "/api/v1/teams", Cred::Bearer(&token), None).await;
    assert_eq!(teams.body["teams"][0]["id"], json!(team_id));

    let listed = call(&stack, "GET", "/api/v1/tokens", Cred::Bearer(&token), None).await;
    assert_eq!(listed.status, 200);
    assert!(
        listed.body["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("key").is_none())
    );

    let key_id = mine.body["id"].as_str().unwrap();
    let revoked = call(
        &stack,
        "DELETE",
        &format!("/api/v1/tokens/{key_id}"),
        Cred::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(revoked.status, 204);
    let refused = call(&stack, "GET", "/api/v1/media", Cred::Key(&key), None).await;
    assert_eq!(refused.status, 401);
    // Refused by the router itself, in the REST surfaces' error shape.
    assert_eq!(refused.code(), "UNAUTHENTICATED", "{:?}", refused.body);
}

#[tokio::test]
async fn media_examples_upload_list_filter_update_and_delete_with_the_seed_shapes() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("ann").await;
    let cred = Cred::Bearer(&token);

    let first = upload(&stack, "/upload", cred, "\"hair\",\"face\"").await;
    assert!(first["media"]["id"].is_string());
    assert!(first["media"]["url"].is_string());
    assert!(first["base_url"].is_string());
    let first_id = first["media"]["id"].as_str().unwrap().to_owned();
    let second = upload(&stack, "/uploads/upload", cred, "hair").await;
    let second_id = second["media"]["id"].as_str().unwrap().to_owned();

    let all = call(&stack, "GET", "/api/v1/media", cred, None).await;
    assert_eq!(all.status, 200);
    let items = all.body["media"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let item = items.iter().find(|m| m["id"] == json!(first_id)).unwrap();
    assert_eq!(item["image_name"], "download.jpeg");
    assert_eq!(item["status"], "live");
    assert_eq!(item["type"], "source_asset");
    assert_eq!(item["tags"], json!(["hair", "face"]));
    assert!(item["media_key"].as_str().unwrap().starts_with("http"));
    assert!(item["upload_date"].as_str().unwrap().ends_with("+0000 UTC"));
    assert!(all.body["media_key"].is_string());

    let ids = |answer: &Value| -> Vec<String> {
        answer["media"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let face = call(&stack, "GET", "/api/v1/media?tags=face", cred, None).await;
    assert_eq!(ids(&face.body), vec![first_id.clone()]);
    let not_face = call(&stack, "GET", "/api/v1/media?excludeTags=face", cred, None).await;
    assert_eq!(ids(&not_face.body), vec![second_id.clone()]);
    let both = call(
        &stack,
        "GET",
        "/api/v1/media?tags=hair&excludeTags=test",
        cred,
        None,
    )
    .await;
    assert_eq!(both.body["media"].as_array().unwrap().len(), 2);

    // Paging: one per page, then the next cursor.
    let page = call(&stack, "GET", "/api/v1/media?limit=1", cred, None).await;
    assert_eq!(page.body["media"].as_array().unwrap().len(), 1);
    let next = page.body["next"].as_str().unwrap();
    let rest = call(
        &stack,
        "GET",
        &format!("/api/v1/media?limit=1&after={next}"),
        cred,
        None,
    )
    .await;
    assert_eq!(rest.body["media"].as_array().unwrap().len(), 1);
    assert_ne!(rest.body["media"][0]["id"], page.body["media"][0]["id"]);

    let updated = call(
        &stack,
        "PUT",
        &format!("/api/v1/media/{first_id}"),
        cred,
        Some(&json!({"tags": ["face", "tags", "hair"]})),
    )
    .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(
        updated.body["media"]["tags"],
        json!(["face", "tags", "hair"])
    );
    assert_eq!(updated.body["media"]["status"], "live");
    assert!(updated.body["media"]["title"].is_string());
    assert!(updated.body["media_key"].is_string());

    let deleted = call(
        &stack,
        "DELETE",
        &format!("/api/v1/media/{first_id}"),
        cred,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    let gone = call(
        &stack,
        "GET",
        &format!("/api/v1/media/{first_id}"),
        cred,
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "NOT_FOUND");
}

#[tokio::test]
async fn model_examples_create_get_list_filter_update_and_delete_with_the_seed_shapes() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("ann").await;
    let cred = Cred::Bearer(&token);
    let given = "c691b065-2a8e-4db5-a8bb-3d33eaccf0d5";

    let with_id = call(
        &stack,
        "POST",
        "/api/v1/models",
        cred,
        Some(&style_clip(Some(given), &["face", "head", "body"])),
    )
    .await;
    assert_eq!(with_id.status, 201, "{:?}", with_id.body);
    assert_eq!(with_id.body["id"], given);
    assert_eq!(with_id.body["classification"], "fast");
    assert_eq!(with_id.body["name"], "styleClip");
    assert_eq!(with_id.body["tags"], json!(["face", "head", "body"]));
    assert_eq!(
        with_id.body["example_outputs"],
        json!(["https://studio213.us/gpu/ai/input/em.jpg"])
    );
    let without_id = call(
        &stack,
        "POST",
        "/api/v1/models",
        cred,
        Some(&style_clip(None, &["face", "body"])),
    )
    .await;
    assert_eq!(without_id.status, 201, "{:?}", without_id.body);
    let other = without_id.body["id"].as_str().unwrap().to_owned();
    assert_ne!(other, given);

    let got = call(
        &stack,
        "GET",
        &format!("/api/v1/models/{given}"),
        cred,
        None,
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["args"]["alpha"]["optional"], false);
    assert_eq!(got.body["args"]["alpha"]["type"], "number");
    assert_eq!(got.body["args"]["image"]["optional"], true);
    assert!(got.body["updated_at"].as_str().unwrap().ends_with("UTC"));

    let listed = call(&stack, "GET", "/api/v1/models", cred, None).await;
    assert_eq!(listed.status, 200);
    let listed_ids: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(listed_ids.contains(&given) && listed_ids.contains(&other.as_str()));
    // A bare array, as in the seed: the next page's cursor is in a header.
    let first_page = call(&stack, "GET", "/api/v1/models?limit=1", cred, None).await;
    assert_eq!(first_page.body.as_array().unwrap().len(), 1);
    let cursor = first_page.headers["x-next-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    let second_page = call(
        &stack,
        "GET",
        &format!("/api/v1/models?limit=1&after={cursor}"),
        cred,
        None,
    )
    .await;
    assert_ne!(second_page.body[0]["id"], first_page.body[0]["id"]);
    let head = call(&stack, "GET", "/api/v1/models?tags=head", cred, None).await;
    let head_ids: Vec<&str> = head
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(head_ids, vec![given]);

    let updated = call(
        &stack,
        "PUT",
        &format!("/api/v1/models/{other}"),
        cred,
        Some(&style_clip(None, &["face", "body", "face2"])),
    )
    .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["tags"], json!(["face", "body", "face2"]));
    assert_eq!(updated.body["hidden"], "false");
    assert_eq!(updated.body["machine_count"], 2);
    assert_eq!(updated.body["machine_type"], "container2");
    assert_eq!(updated.body["container"], "ubuntu");
    assert!(
        updated.body["command"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:8013/styleclip")
    );

    let deleted = call(
        &stack,
        "DELETE",
        &format!("/api/v1/models/{other}"),
        cred,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    let gone = call(
        &stack,
        "GET",
        &format!("/api/v1/models/{other}"),
        cred,
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn deployments_jobs_and_usage_examples_answer_with_the_seed_shapes() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("ann").await;
    let cred = Cred::Bearer(&token);
    let image = upload(&stack, "/upload", cred, "face").await;
    let image_id = image["media"]["id"].as_str().unwrap().to_owned();

    let created = call(
        &stack,
        "POST",
        "/api/v1/deployments",
        cred,
        Some(&json!({"name": "test", "model_id": "image-resize", "args": {"image": image_id, "width": 64}})),
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let deployment_id = created.body["id"].as_str().unwrap().to_owned();
    assert!(created.body["model_id"].is_string());
    assert_eq!(created.body["image_asset_id"], json!(image_id));
    assert_eq!(created.body["status"], "queued");
    let job_id = created.body["job_id"].as_str().unwrap().to_owned();

    let listed = call(&stack, "GET", "/api/v1/deployments", cred, None).await;
    assert_eq!(listed.body["deployments"][0]["id"], json!(deployment_id));
    let one = call(
        &stack,
        "GET",
        &format!("/api/v1/deployments/{deployment_id}"),
        cred,
        None,
    )
    .await;
    assert_eq!(one.body["job_id"], json!(job_id));

    let jobs = call(&stack, "GET", "/api/v1/jobs", cred, None).await;
    assert_eq!(jobs.status, 200);
    assert_eq!(jobs.body["jobs"][0]["id"], json!(job_id));
    let queued = call(&stack, "GET", "/api/v1/jobs?status=queued", cred, None).await;
    assert_eq!(queued.body["jobs"].as_array().unwrap().len(), 1);
    let succeeded = call(&stack, "GET", "/api/v1/jobs?status=succeeded", cred, None).await;
    assert_eq!(succeeded.body["jobs"], json!([]));
    let job = call(&stack, "GET", &format!("/api/v1/jobs/{job_id}"), cred, None).await;
    assert_eq!(job.body["status"], "queued");
    assert_eq!(job.body["deployment_id"], json!(deployment_id));
    assert_eq!(job.body["outputs"], json!([]));

    let usage = call(&stack, "GET", "/api/v1/billing/usage", cred, None).await;
    assert_eq!(usage.status, 200, "{:?}", usage.body);
    assert!(usage.body["period"].is_string());
    assert!(usage.body["total"]["amount"].is_i64());
    assert!(usage.body["by_machine_type"].is_array());

    let cancelled = call(
        &stack,
        "POST",
        &format!("/api/v1/jobs/{job_id}/cancel"),
        cred,
        None,
    )
    .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["status"], "cancelled");

    // A retry with the same idempotency key answers with the same deployment.
    let body = json!({"model_id": "image-resize", "args": {"image": image_id, "width": 64}});
    let url = format!("{}/api/v1/deployments", base(&stack));
    let send = || async {
        read(
            reqwest::Client::new()
                .post(&url)
                .bearer_auth(&token)
                .header("idempotency-key", "retry-1")
                .header("content-type", REST_JSON)
                .body(body.to_string())
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let first = send().await;
    let again = send().await;
    assert_eq!(first.body["id"], again.body["id"]);
}

#[tokio::test]
async fn rest_errors_come_with_their_http_status_and_a_json_body() {
    let stack = spawn_stack().await;
    let (ann, _, _) = stack.sign_up("ann").await;
    let (bob, _, bob_email) = stack.sign_up("bob").await;
    let image = upload(&stack, "/upload", Cred::Bearer(&ann), "face").await;
    let image_id = image["media"]["id"].as_str().unwrap().to_owned();

    // 401: no credential.
    let anonymous = call(&stack, "GET", "/api/v1/media", Cred::None, None).await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (401, "UNAUTHENTICATED")
    );
    // 404: another account's media is not found, whatever the method.
    for method in ["GET", "DELETE"] {
        let other = call(
            &stack,
            method,
            &format!("/api/v1/media/{image_id}"),
            Cred::Bearer(&bob),
            None,
        )
        .await;
        assert_eq!((other.status, other.code()), (404, "NOT_FOUND"), "{method}");
    }
    // 400: malformed JSON, unknown fields, a bad query parameter.
    let url = format!("{}/api/v1/tokens", base(&stack));
    let malformed = read(
        reqwest::Client::new()
            .post(url)
            .bearer_auth(&ann)
            .header("content-type", REST_JSON)
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((malformed.status, malformed.code()), (400, "BAD_REQUEST"));
    let unknown = call(
        &stack,
        "POST",
        "/api/v1/models",
        Cred::Bearer(&ann),
        Some(&json!({"nmae": "x"})),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nmae")
    );
    let bad_status = call(
        &stack,
        "GET",
        "/api/v1/jobs?status=done",
        Cred::Bearer(&ann),
        None,
    )
    .await;
    assert_eq!(bad_status.status, 400);
    // 422: well-formed but refused by the platform (an argument out of range).
    let refused = call(
        &stack,
        "POST",
        "/api/v1/deployments",
        Cred::Bearer(&ann),
        Some(&json!({"model_id": "image-resize", "args": {"image": image_id, "width": -5}})),
    )
    .await;
    assert_eq!(
        (refused.status, refused.code()),
        (422, "BAD_USER_INPUT"),
        "{:?}",
        refused.body
    );
    // 403: a member who is not an admin cannot make the team's keys.
    let team = stack.create_team(&ann, "crew").await;
    stack
        .join_team(&ann, &team, &bob, &bob_email, "MEMBER")
        .await;
    let forbidden = call(
        &stack,
        "POST",
        "/api/v1/tokens",
        Cred::Bearer(&bob),
        Some(&json!({"name": "k", "team_id": team})),
    )
    .await;
    assert_eq!((forbidden.status, forbidden.code()), (403, "FORBIDDEN"));
    // 413: a JSON body past the limit.
    let huge = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let too_large = call(
        &stack,
        "POST",
        "/api/v1/teams",
        Cred::Bearer(&ann),
        Some(&huge),
    )
    .await;
    assert_eq!(too_large.status, 413);
    // 404 for a path the API does not have.
    let nowhere = call(&stack, "GET", "/api/v1/nowhere", Cred::Bearer(&ann), None).await;
    assert_eq!(nowhere.status, 404);
}
