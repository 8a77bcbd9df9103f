//! Seeds 001/002's mp4-to-mp3 converter, under `/converter` (its `/upload` collides with
//! seed 000's): `POST /converter/login` (HTTP basic → a session token as text),
//! `POST /converter/upload` (multipart `file`, optional `callback`) queues the converter
//! model and answers with a file id (`fid`, the job's id), `GET /converter/download?fid=`
//! returns the mp3 as an attachment (409 while it is not ready), `POST /converter/validate`
//! answers whether a token is valid and whose it is (the seed's auth service's `/validate`).
//! The finished conversion is announced on the account's `myJobs` subscription and, with
//! `callback`, by a signed POST.

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    files,
    seed000::deployments::fetch_job,
    shapes::{IdempotencyKeyHeader, QueryParams},
};
use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Multipart, State},
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The converter routes.
pub fn routes(deps: CompatDeps) -> Router {
    Router::new()
        .route("/converter/login", post(login))
        .route(
            "/converter/upload",
            // The media service enforces its upload limit while the file streams through.
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/converter/download", get(download))
        .route("/converter/validate", post(validate).get(validate))
        .with_state(deps)
}

/// Logs in with HTTP basic auth; the session token as plain text, as the seed's auth
/// service answered.
async fn login(State(deps): State<CompatDeps>, caller: Caller) -> Result<Response, RestError> {
    let Some((email, password)) = caller.basic_credentials() else {
        return Err(RestError::unauthenticated(
            "send your email and password with HTTP basic auth (`curl -u email:password`)",
        ));
    };
    let data = deps
        .platform
        .run(
            &Caller::default(),
            "mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }",
            json!({"input": {"email": email, "password": password}}),
        )
        .await?;
    let token = data["logIn"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], token).into_response())
}

/// Whether the bearer token (or API key) is valid: 200 with what it stands for (`username`,
/// `admin`, `scopes`, as the seed's auth service answered with the token's claims), 401
/// otherwise.
async fn validate(
    State(deps): State<CompatDeps>,
    caller: Caller,
) -> Result<Json<Value>, RestError> {
    if !caller.has_credential() {
        return Err(RestError::unauthenticated(
            "send the token from /converter/login as `Authorization: Bearer <token>`",
        ));
    }
    let data = deps
        .platform
        .run(
            &caller,
            "query Validate { actingAccount { id kind scopes user { id email name } } }",
            json!({}),
        )
        .await?;
    let account = &data["actingAccount"];
    let scopes: Vec<String> = account["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_ascii_lowercase))
        .collect();
    Ok(Json(json!({
        "valid": true,
        "username": account["user"]["email"],
        "name": account["user"]["name"],
        "user_id": account["user"]["id"],
        "account_id": account["id"],
        "account_kind": account["kind"].as_str().map(str::to_ascii_lowercase),
        "admin": scopes.iter().any(|s| s == "admin"),
        "scopes": scopes,
    })))
}

/// Uploads a video and queues its conversion.
async fn upload(
    State(deps): State<CompatDeps>,
    caller: Caller,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, RestError> {
    if !caller.has_credential() {
        return Err(RestError::unauthenticated(
            "send the token from /converter/login as `Authorization: Bearer <token>`",
        ));
    }
    let mut form = form.map_err(|e| {
        RestError::BadRequest(format!(
            "send the video as multipart/form-data: {}",
            e.body_text()
        ))
    })?;
    let mut video = None;
    let mut callback = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| RestError::BadRequest(format!("malformed multipart body: {e}")))?
    {
        match field.name() {
            Some("file") if video.is_none() => {
                video = Some(
                    files::upload_field(&deps, &caller, field, vec!["converter".into()]).await?,
                );
            }
            Some("file") => {
                return Err(RestError::BadRequest("send exactly one `file`".into()));
            }
            Some("callback") => {
                callback = Some(field.text().await.map_err(|e| {
                    RestError::BadRequest(format!("could not read `callback`: {e}"))
                })?);
            }
            _ => {}
        }
    }
    let Some(video) = video else {
        return Err(RestError::BadRequest(
            "send the video in a multipart field named `file`".into(),
        ));
    };
    let key = key.map(|key| format!("converter:{key}"));
    let deployment = json!({
        "name": format!("convert {}", video["name"].as_str().unwrap_or("video")),
        "model": deps.config.converter.model,
        "args": {"video": video["id"]},
        "callbackUrl": callback.filter(|c| !c.trim().is_empty()),
    });
    let deployed = files::deploy(&deps, &caller, &video, deployment, key).await?;
    Ok(Json(json!({
        "fid": deployed["job"]["id"],
        "job_id": deployed["job"]["id"],
        "video_id": video["id"],
        "status": deployed["job"]["status"].as_str().map(str::to_ascii_lowercase),
        "message": "video queued for conversion; download the mp3 with /converter/download?fid=<fid>",
    })))
}

/// `?fid=`: a conversion's job id (or the mp3's media id).
#[derive(Debug, Deserialize)]
struct DownloadQuery {
    fid: Option<String>,
}

/// The mp3 of a finished conversion.
async fn download(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<DownloadQuery>,
) -> Result<Response, RestError> {
    let fid = query.fid.as_deref().map(str::trim).unwrap_or_default();
    if uuid::Uuid::parse_str(fid).is_err() {
        return Err(RestError::BadRequest(
            "`fid` must be the file id the upload answered".into(),
        ));
    }
    let job = match fetch_job(&deps, &caller, fid).await {
        Ok(job) => Some(job),
        Err(RestError::Refused { code, .. }) if code == "NOT_FOUND" => None,
        Err(e) => return Err(e),
    };
    let (url, name) = match job {
        Some(job) => ready_output(&job)?,
        None => media_by_id(&deps, &caller, fid).await?,
    };
    files::download(&deps, &url, &name, "audio/mpeg").await
}

/// The mp3 of a finished job, or why there is none yet.
fn ready_output(job: &Value) -> Result<(String, String), RestError> {
    let status = job["status"].as_str().unwrap_or_default();
    match status {
        "SUCCEEDED" => {}
        "FAILED" | "CANCELLED" => {
            return Err(RestError::refused(
                "CONFLICT",
                format!(
                    "the conversion {}: {}",
                    status.to_ascii_lowercase(),
                    job["error"]["message"]
                        .as_str()
                        .unwrap_or("no mp3 was made")
                ),
            ));
        }
        _ => {
            return Err(RestError::NotReady(format!(
                "the conversion is {} ({:.0}% done); try again shortly",
                status.to_ascii_lowercase(),
                job["progress"].as_f64().unwrap_or(0.0) * 100.0
            )));
        }
    }
    job["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["contentType"] == "audio/mpeg" && o["url"].is_string())
        .and_then(|o| {
            Some((
                o["url"].as_str()?.to_owned(),
                o["name"].as_str()?.to_owned(),
            ))
        })
        .ok_or_else(|| RestError::not_found("the conversion's mp3 was removed"))
}

/// A media item by id (an mp3 announced by `myJobs`), when it is ready.
async fn media_by_id(
    deps: &CompatDeps,
    caller: &Caller,
    id: &str,
) -> Result<(String, String), RestError> {
    let data = deps
        .platform
        .run(
            caller,
            "query File($id: ID!) { media(id: $id) { name status url } }",
            json!({"id": id}),
        )
        .await?;
    let media = &data["media"];
    match (media["status"].as_str(), media["url"].as_str()) {
        (Some("LIVE"), Some(url)) => Ok((
            url.to_owned(),
            media["name"].as_str().unwrap_or("audio.mp3").to_owned(),
        )),
        (Some("PENDING"), _) => Err(RestError::NotReady(
            "the file is still being stored; try again shortly".into(),
        )),
        _ => Err(RestError::not_found("no such file")),
    }
}
