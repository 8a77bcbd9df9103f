//! The OpenAPI 3.1 description of the REST surfaces (`compat/openapi.yaml`): served by the
//! stack as checked in, valid (openapi-spec-validator), and true: the REST journeys of every
//! seed surface, run through the router with a real worker, are recorded and each answer is
//! checked against it with openapi-core (`e2e/openapi/check_exchanges.py`); then
//! schemathesis, in OpenAPI mode, sends generated requests to every operation and checks
//! status codes, content types and bodies against the document, and that nothing answers 5xx.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use mediamagic_e2e::{
    Cred, TestStack,
    media::{mp3, mp4, png, sha},
    spawn_stack_with,
};
use serde_json::{Value, json};
use std::{
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

fn spec_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../compat/openapi.yaml"
    ))
}

fn python_tool(name: &str) -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .chain([PathBuf::from(home).join(".local/bin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is installed (scripts/install-deps.sh, pip)"))
}

/// A REST client that records every exchange for the conformance check.
struct Recorder {
    base: String,
    http: reqwest::Client,
    exchanges: Vec<Value>,
}

/// One answer.
struct Answer {
    status: u16,
    body: Value,
}

impl Recorder {
    fn new(stack: &TestStack) -> Self {
        Self {
            base: stack.router_url(0).trim_end_matches("/graphql").to_owned(),
            http: reqwest::Client::new(),
            exchanges: Vec::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder, method: &str, path: &str) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await.unwrap();
        let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
        let mut exchange = json!({
            "method": method, "path": path_only, "query": query,
            "status": status, "content_type": content_type,
        });
        let text = String::from_utf8(bytes.to_vec());
        match (&text, content_type.starts_with("audio/")) {
            (Ok(text), false) => exchange["body"] = json!(text),
            _ => {
                exchange["body_base64"] =
                    json!(base64::engine::general_purpose::STANDARD.encode(&bytes));
                exchange["body"] = json!("");
            }
        }
        self.exchanges.push(exchange);
        let body = text
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        Answer { status, body }
    }

    async fn call(
        &mut self,
        method: &str,
        path: &str,
        cred: Cred<'_>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", self.base),
        );
        request = mediamagic_e2e::rest::with_cred(request, cred);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request, method, path).await
    }

    async fn multipart(
        &mut self,
        path: &str,
        token: &str,
        form: reqwest::multipart::Form,
    ) -> Answer {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .multipart(form);
        self.send(request, "POST", path).await
    }

    /// Calls until the answer is not 409 NOT_READY (a job still running).
    async fn until_ready(&mut self, method: &str, path: &str, cred: Cred<'_>) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = self.call(method, path, cred, None).await;
            if answer.status != 409 || Instant::now() > deadline {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

fn file_part(bytes: Vec<u8>, name: &str, content_type: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(content_type)
        .unwrap()
}

async fn seed_000_journey(rec: &mut Recorder, stack: &TestStack) {
    stack.sign_up_with_email("Ann", "ann@example.com").await;
    let (other, _, _) = stack.sign_up_with_email("Bob", "bob@example.com").await;
    let login = rec
        .call(
            "POST",
            "/api/v1/auth/login",
            Cred::None,
            Some(json!({"email": "ann@example.com", "password": "correct horse 1"})),
        )
        .await;
    assert_eq!(login.status, 200);
    let no_provider = rec
        .call("GET", "/api/v1/auth/login", Cred::None, None)
        .await;
    assert_eq!(no_provider.status, 401);
    let refreshed = rec
        .call(
            "POST",
            "/api/v1/auth/refresh",
            Cred::None,
            Some(json!({"refresh_token": login.body["refresh_token"]})),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    let token = refreshed.body["access_token"].as_str().unwrap().to_owned();
    let cred = Cred::Bearer(&token);

    let key = rec
        .call("POST", "/api/v1/tokens", cred, Some(json!({"name": "ci"})))
        .await;
    assert_eq!(key.status, 201);
    rec.call("GET", "/api/v1/tokens", cred, None).await;
    let key_id = key.body["id"].as_str().unwrap();
    rec.call("DELETE", &format!("/api/v1/tokens/{key_id}"), cred, None)
        .await;

    let team = rec
        .call("POST", "/api/v1/teams", cred, Some(json!({"name": "Acme"})))
        .await;
    assert_eq!(team.status, 201);
    let team_id = team.body["id"].as_str().unwrap().to_owned();
    rec.call("GET", "/api/v1/teams", cred, None).await;
    rec.call("GET", &format!("/api/v1/teams/{team_id}"), cred, None)
        .await;
    rec.call(
        "POST",
        &format!("/api/v1/teams/{team_id}/token"),
        cred,
        None,
    )
    .await;
    let invite = rec
        .call(
            "POST",
            &format!("/api/v1/teams/{team_id}/invites"),
            cred,
            Some(json!({"email": "bob@example.com", "role": "member"})),
        )
        .await;
    assert_eq!(invite.status, 201);
    let accepted = rec
        .call(
            "POST",
            "/api/v1/invites/accept",
            Cred::Bearer(&other),
            Some(json!({"token": invite.body["token"]})),
        )
        .await;
    assert_eq!(accepted.status, 200);

    let uploaded = rec
        .multipart(
            "/upload",
            &token,
            reqwest::multipart::Form::new()
                .part("media", file_part(mp4(), "clip.mp4", "video/mp4"))
                .text("tags", "hair,face"),
        )
        .await;
    assert_eq!(uploaded.status, 200);
    let media_id = uploaded.body["media"]["id"].as_str().unwrap().to_owned();
    rec.call("GET", "/api/v1/media?tags=hair&limit=10", cred, None)
        .await;
    rec.call("GET", &format!("/api/v1/media/{media_id}"), cred, None)
        .await;
    rec.call(
        "PUT",
        &format!("/api/v1/media/{media_id}"),
        cred,
        Some(json!({"tags": ["face"]})),
    )
    .await;

    let model = rec
        .call(
            "POST",
            "/api/v1/models",
            cred,
            Some(
                json!({"name": "echo", "container": "debian", "machine_type": "cpu",
                        "command": "echo {text}", "args": {"text": {"type": "string"}},
                        "tags": ["demo"]}),
            ),
        )
        .await;
    assert_eq!(model.status, 201);
    let model_id = model.body["id"].as_str().unwrap().to_owned();
    rec.call("GET", "/api/v1/models?tags=demo", cred, None)
        .await;
    rec.call("GET", &format!("/api/v1/models/{model_id}"), cred, None)
        .await;
    rec.call(
        "PUT",
        &format!("/api/v1/models/{model_id}"),
        cred,
        Some(json!({"description": "says it back"})),
    )
    .await;
    rec.call("GET", "/api/v1/models/audio-extract", cred, None)
        .await;

    let deployment = rec
        .call(
            "POST",
            "/api/v1/deployments",
            cred,
            Some(json!({"name": "extract", "model_id": "audio-extract", "args": {"video": media_id}})),
        )
        .await;
    assert_eq!(deployment.status, 201);
    let deployment_id = deployment.body["id"].as_str().unwrap().to_owned();
    let job_id = deployment.body["job_id"].as_str().unwrap().to_owned();
    rec.call("GET", "/api/v1/deployments", cred, None).await;
    rec.call(
        "GET",
        &format!("/api/v1/deployments/{deployment_id}"),
        cred,
        None,
    )
    .await;
    rec.call(
        "GET",
        "/api/v1/jobs?status=queued,running,succeeded",
        cred,
        None,
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = rec
            .call("GET", &format!("/api/v1/jobs/{job_id}"), cred, None)
            .await;
        if job.body["status"] == "succeeded" || Instant::now() > deadline {
            assert_eq!(job.body["status"], "succeeded", "{}", job.body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    rec.call("POST", &format!("/api/v1/jobs/{job_id}/cancel"), cred, None)
        .await;
    rec.call("GET", "/api/v1/billing/usage", cred, None).await;
    // Errors have the documented shape too.
    rec.call("GET", "/api/v1/media", Cred::None, None).await;
    rec.call(
        "GET",
        &format!("/api/v1/media/{}", uuid::Uuid::new_v4()),
        cred,
        None,
    )
    .await;
    rec.call("DELETE", &format!("/api/v1/models/{model_id}"), cred, None)
        .await;
    rec.call("DELETE", &format!("/api/v1/media/{media_id}"), cred, None)
        .await;
    let out = rec.call("POST", "/api/v1/auth/logout", cred, None).await;
    assert_eq!(out.status, 204);
}

async fn converter_journey(rec: &mut Recorder, stack: &TestStack) {
    stack.sign_up_with_email("Cy", "cy@example.com").await;
    let request = rec
        .http
        .post(format!("{}/converter/login", rec.base))
        .basic_auth("cy@example.com", Some("correct horse 1"));
    let login = rec.send(request, "POST", "/converter/login").await;
    assert_eq!(login.status, 200);
    let token = stack
        .gql(
            Cred::None,
            "mutation { logIn(input: {email: \"cy@example.com\", password: \"correct horse 1\"}) { token } }",
            json!({}),
        )
        .await
        .data("/logIn/token")
        .as_str()
        .unwrap()
        .to_owned();
    rec.call("POST", "/converter/validate", Cred::Bearer(&token), None)
        .await;
    rec.call("GET", "/converter/validate", Cred::None, None)
        .await;
    let queued = rec
        .multipart(
            "/converter/upload",
            &token,
            reqwest::multipart::Form::new()
                .part("file", file_part(mp4(), "video.mp4", "video/mp4")),
        )
        .await;
    assert_eq!(queued.status, 200);
    let fid = queued.body["fid"].as_str().unwrap().to_owned();
    let mp3 = rec
        .until_ready(
            "GET",
            &format!("/converter/download?fid={fid}"),
            Cred::Bearer(&token),
        )
        .await;
    assert_eq!(mp3.status, 200);
}

async fn seed_003_journey(rec: &mut Recorder, stack: &TestStack) {
    let (token, _, _) = stack.sign_up("dee").await;
    let cred = Cred::Bearer(&token);
    rec.call(
        "POST",
        "/media-management/tags",
        cred,
        Some(json!({"name": "face"})),
    )
    .await;
    rec.call(
        "POST",
        "/media-management/tags",
        cred,
        Some(json!({"name": "face"})),
    )
    .await;
    rec.call("GET", "/media-management/tags", cred, None).await;
    let bytes = png();
    let created = rec
        .call(
            "POST",
            "/media-management/media",
            cred,
            Some(
                json!({"name": "a.png", "content_type": "image/png", "size": bytes.len(),
                        "sha256": sha(&bytes), "tags": ["face"]}),
            ),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    rec.call("GET", &format!("/media-management/media/{id}"), cred, None)
        .await;
    let upload = &created.body["upload"];
    let mut put = reqwest::Client::new().put(upload["url"].as_str().unwrap());
    for (name, value) in upload["headers"].as_object().unwrap() {
        put = put.header(name, value.as_str().unwrap());
    }
    assert!(put.body(bytes).send().await.unwrap().status().is_success());
    rec.call(
        "POST",
        "/media-management/media/finalize",
        cred,
        Some(json!({"id": id})),
    )
    .await;
    rec.call(
        "GET",
        &format!("/media-management/media/{id}?expires_in=60"),
        cred,
        None,
    )
    .await;
    rec.call(
        "GET",
        &format!("/media-management/media?id={id}"),
        cred,
        None,
    )
    .await;
    rec.call(
        "GET",
        "/media-management/media?tags=face&limit=5",
        cred,
        None,
    )
    .await;
    let wrong = rec
        .call(
            "POST",
            "/media-management/media",
            cred,
            Some(json!({"name": "b.png", "content_type": "image/png", "size": 3, "sha256": "0".repeat(64)})),
        )
        .await;
    let wrong_id = wrong.body["id"].as_str().unwrap().to_owned();
    rec.call(
        "POST",
        "/media-management/media/finalize",
        cred,
        Some(json!({"id": wrong_id})),
    )
    .await;
    rec.call(
        "DELETE",
        &format!("/media-management/media/{id}"),
        cred,
        None,
    )
    .await;
}

async fn separation_journey(rec: &mut Recorder, stack: &TestStack) {
    let (token, _, _) = stack.sign_up("eve").await;
    let cred = Cred::Bearer(&token);
    rec.call("GET", "/", Cred::None, None).await;
    let song = base64::engine::general_purpose::STANDARD.encode(mp3());
    let queued = rec
        .call(
            "POST",
            "/apiv1/separate",
            cred,
            Some(json!({"mp3": song, "model": "htdemucs", "callback": {"url": "https://1.1.1.1/hook", "data": {}}})),
        )
        .await;
    assert_eq!(queued.status, 200);
    let hash = queued.body["hash"].as_str().unwrap().to_owned();
    rec.call("GET", "/apiv1/queue", cred, None).await;
    let track = rec
        .until_ready("GET", &format!("/apiv1/track/{hash}/base.mp3"), cred)
        .await;
    assert_eq!(track.status, 200);
    rec.call(
        "DELETE",
        &format!("/apiv1/remove/{hash}/vocals.mp3"),
        cred,
        None,
    )
    .await;
    rec.call(
        "GET",
        &format!("/apiv1/track/{hash}/vocals.mp3"),
        cred,
        None,
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_is_served_as_checked_in_and_is_valid() {
    let stack = spawn_stack_with(|_| {}).await;
    let base = stack.router_url(0).trim_end_matches("/graphql").to_owned();

    let served = reqwest::get(format!("{base}/openapi.yaml")).await.unwrap();
    let content_type = served.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = served.text().await.unwrap();
    let validated = Command::new(python_tool("openapi-spec-validator"))
        .arg(spec_path())
        .output()
        .unwrap();

    assert_eq!(content_type, "application/yaml");
    assert_eq!(text, std::fs::read_to_string(spec_path()).unwrap());
    assert!(
        validated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
}

#[tokio::test]
async fn the_rest_journeys_answers_conform_to_the_openapi_document() {
    // Arrange: a stack whose worker runs the catalogue (cpu), so downloads finish.
    let stack = spawn_stack_with(|config| config.worker.enabled = true).await;
    let mut rec = Recorder::new(&stack);

    // Act: every surface's journey, recorded.
    seed_000_journey(&mut rec, &stack).await;
    converter_journey(&mut rec, &stack).await;
    seed_003_journey(&mut rec, &stack).await;
    separation_journey(&mut rec, &stack).await;

    // Assert: every answer is one the document describes.
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("exchanges.json");
    std::fs::write(&recorded, serde_json::to_string(&rec.exchanges).unwrap()).unwrap();
    let checked = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/openapi/check_exchanges.py"
        ))
        .arg(spec_path())
        .arg(&recorded)
        .output()
        .unwrap();
    assert!(
        rec.exchanges.len() >= 50,
        "{} exchanges",
        rec.exchanges.len()
    );
    assert!(
        checked.status.success(),
        "answers that do not conform:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[tokio::test]
async fn generated_requests_to_every_rest_operation_get_documented_answers_and_no_server_errors() {
    let stack = spawn_stack_with(|_| {}).await;
    let (token, _, _) = stack.sign_up("schemathesis").await;
    let base = stack.router_url(0).trim_end_matches("/graphql").to_owned();
    let dir = tempfile::tempdir().unwrap();

    let run = {
        let base = base.clone();
        let dir = dir.path().to_owned();
        tokio::task::spawn_blocking(move || {
            Command::new(python_tool("schemathesis"))
                .args(["run", &format!("{base}/openapi.yaml"), "--url", &base])
                .args(["--max-examples", "2", "--seed", "1", "--request-timeout", "20"])
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                ])
                .args(["-H", &format!("Authorization: Bearer {token}")])
                // Logging out would revoke the token every later request carries.
                .args(["--exclude-operation-id", "seed000Logout"])
                .current_dir(dir)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };

    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "schemathesis found answers the document does not describe:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
