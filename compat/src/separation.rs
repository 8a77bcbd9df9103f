//! Seed 004's music separation API: `GET /` (health), `POST /apiv1/separate` (base64 mp3 in
//! JSON, optional `model` and `callback`) queues the separation model and answers with a
//! `hash` (the job's id), `GET /apiv1/queue` lists the hashes still waiting,
//! `GET /apiv1/track/<hash>/<track>` returns one of the four tracks as `audio/mpeg`, and
//! `GET`/`DELETE /apiv1/remove/<hash>/<track>` removes it.
//!
//! Seed 004 had no authentication. Our credentials work here as everywhere; with
//! `compat.separation.anonymous_api_key` set, calls without one act as that key's account.

use crate::{
    CompatDeps,
    client::{Caller, UploadFile},
    demucs,
    error::RestError,
    files,
    seed000::deployments::fetch_job,
    shapes::{JsonBody, JsonLimit},
};
use axum::{
    Extension, Json, Router,
    extract::{Path, State},
    response::{Html, Response},
    routing::{get, post},
};
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The tracks a separation writes.
pub const TRACKS: &[&str] = &["base.mp3", "vocals.mp3", "drums.mp3", "other.mp3"];

/// The separation routes.
pub fn routes(deps: CompatDeps) -> Router {
    let limit = deps.config.separation.max_body_bytes;
    Router::new()
        .route("/", get(health))
        .route(
            "/apiv1/separate",
            post(separate).layer(Extension(JsonLimit(limit))),
        )
        .route("/apiv1/queue", get(queue))
        .route("/apiv1/queue/", get(queue))
        .route("/apiv1/track/{hash}/{track}", get(track))
        .route("/apiv1/remove/{hash}/{track}", get(remove).delete(remove))
        .with_state(deps)
}

/// The load balancer's health check.
async fn health() -> Html<&'static str> {
    Html("<h1> Music Separation Server</h1><p> Use a valid endpoint </p>")
}

/// The caller, or the configured legacy account when they sent no credential.
fn acting(deps: &CompatDeps, caller: Caller) -> Result<Caller, RestError> {
    if caller.has_credential() {
        return Ok(caller);
    }
    match &deps.config.separation.anonymous_api_key {
        Some(key) => Ok(caller.with_api_key(key.expose())),
        None => Err(RestError::unauthenticated(
            "send a session token (`Authorization: Bearer`) or an API key (`x-mediamagic-key`)",
        )),
    }
}

/// Where to report a finished separation: a URL, or seed 004's `{"url", "data"}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Callback {
    Url(String),
    Object {
        url: String,
        /// Seed 004 echoed it back; our callbacks carry the job instead.
        #[serde(default)]
        #[allow(dead_code)]
        data: Value,
    },
}

/// `POST /apiv1/separate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Separate {
    /// The song, base64.
    mp3: String,
    /// A model slug or UUID, or a Demucs pretrained model name ([`demucs::PRETRAINED`]); the
    /// configured default when absent.
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    callback: Option<Callback>,
}

/// Queues a separation. Sending the same song with the same model again answers with the
/// same hash instead of separating it twice.
async fn separate(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<Separate>,
) -> Result<Json<Value>, RestError> {
    let caller = acting(&deps, caller)?;
    let song = decode_song(&body.mp3)?;
    let choice = demucs::choose(&deps, &caller, body.model).await?;
    let model = choice.model;
    let key = format!(
        "separate:{}:{model}:{}",
        hex::encode(Sha256::digest(&song)),
        choice.args["model"].as_str().unwrap_or("")
    );
    // A resent song: answer with its first separation, uploading nothing.
    if let Some(hash) = hash_by_key(&deps, &caller, &key).await? {
        return Ok(with_report(enqueued(hash), choice.report));
    }
    let size = song.len();
    let uploaded = deps
        .platform
        .upload(
            &caller,
            UploadFile {
                filename: "song.mp3".into(),
                content_type: "audio/mpeg".into(),
                tags: vec!["separation".into()],
                bytes: futures::stream::once(async move { Ok::<_, std::io::Error>(song) }),
            },
        )
        .await?;
    let callback = body.callback.map(|c| match c {
        Callback::Url(url) | Callback::Object { url, .. } => url,
    });
    let mut args = choice.args;
    args["audio"] = uploaded["id"].clone();
    let name = match &choice.report {
        Some(report) => format!(
            "separate {size} bytes ({} ran as {})",
            report["requested"].as_str().unwrap_or(""),
            report["ran"].as_str().unwrap_or("")
        ),
        None => format!("separate {size} bytes"),
    };
    let deployment = json!({
        "name": name,
        "model": model,
        "args": args,
        "callbackUrl": callback,
    });
    // With a callback the upload is kept if the first try fails: it may be retried without.
    let first = match &callback {
        Some(_) => files::try_deploy(&deps, &caller, deployment.clone(), Some(key.clone())).await,
        None => {
            files::deploy(
                &deps,
                &caller,
                &uploaded,
                deployment.clone(),
                Some(key.clone()),
            )
            .await
        }
    };
    // Seed 004: the callback "may be called but does not need to succeed", so a callback the
    // platform refuses (a loopback or private address in production) does not refuse the
    // song: it is queued without one, and the answer and the job's name say why.
    let (outcome, refused_callback) = match first {
        Err(RestError::Refused { code, message })
            if code == "BAD_USER_INPUT" && callback.is_some() =>
        {
            let mut without = deployment;
            without["callbackUrl"] = Value::Null;
            without["name"] = json!(format!(
                "{} (callback not used: {message})",
                without["name"].as_str().unwrap_or("separate")
            ));
            let retried =
                files::deploy(&deps, &caller, &uploaded, without, Some(key.clone())).await;
            (retried, Some(message))
        }
        Err(e) if callback.is_some() => {
            // Refused for another reason: nothing will use the upload.
            files::discard(&deps, &caller, &uploaded["id"]).await;
            (Err(e), None)
        }
        other => (other, None),
    };
    let callback_report = match (&refused_callback, callback.is_some()) {
        (Some(reason), _) => Some(json!({"accepted": false, "reason": reason})),
        (None, true) => Some(json!({"accepted": true})),
        (None, false) => None,
    };
    match outcome {
        Ok(deployed) => {
            let mut answer = with_report(enqueued(deployed["job"]["id"].clone()), choice.report);
            if let Some(report) = callback_report {
                answer.0["callback"] = report;
            }
            Ok(answer)
        }
        // The same song sent twice at once: the other request won; its upload is the one kept.
        Err(RestError::Refused { code, .. }) if code == "CONFLICT" => {
            match hash_by_key(&deps, &caller, &key).await? {
                Some(hash) => Ok(with_report(enqueued(hash), choice.report)),
                None => Err(RestError::refused(
                    "CONFLICT",
                    "the song is being enqueued by another request; retry",
                )),
            }
        }
        Err(RestError::Refused { code, message }) if code == "NOT_FOUND" => {
            Err(RestError::refused(
                "BAD_USER_INPUT",
                format!("{message}; omit `model` to use the default separation model"),
            ))
        }
        Err(e) => Err(e),
    }
}

fn enqueued(hash: Value) -> Json<Value> {
    Json(json!({"hash": hash, "reason": "Song enqueued for separation"}))
}

/// Adds which model ran when the client named a Demucs model (`"model": {...}`).
fn with_report(mut answer: Json<Value>, report: Option<Value>) -> Json<Value> {
    if let Some(report) = report {
        answer.0["model"] = report;
    }
    answer
}

/// The job of the caller's separation made with idempotency `key`, if there is one.
async fn hash_by_key(
    deps: &CompatDeps,
    caller: &Caller,
    key: &str,
) -> Result<Option<Value>, RestError> {
    let data = deps
        .platform
        .run(
            caller,
            "query Resent($key: String!) { deploymentByKey(idempotencyKey: $key) { job { id } } }",
            json!({"key": key}),
        )
        .await?;
    let hash = &data["deploymentByKey"]["job"]["id"];
    Ok((!hash.is_null()).then(|| hash.clone()))
}

/// The song's bytes from base64 (standard alphabet; line breaks tolerated).
fn decode_song(text: &str) -> Result<Bytes, RestError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| RestError::BadRequest(format!("`mp3` is not base64: {e}")))?;
    if bytes.is_empty() {
        return Err(RestError::BadRequest("`mp3` is empty".into()));
    }
    Ok(Bytes::from(bytes))
}

/// Hashes of separations still waiting for a worker (oldest first): jobs of the default
/// and of the neural separation model.
async fn queue(State(deps): State<CompatDeps>, caller: Caller) -> Result<Json<Value>, RestError> {
    let caller = acting(&deps, caller)?;
    let config = &deps.config.separation;
    let mut waiting: Vec<(String, Value)> = Vec::new();
    for slug in [&config.default_model, &config.neural_model] {
        let model = deps
            .platform
            .run(
                &caller,
                "query Model($id: ID!) { model(id: $id) { id } }",
                json!({"id": slug}),
            )
            .await;
        let model = match model {
            Ok(model) => model,
            // A model this deployment does not have (no neural model) queues nothing.
            Err(RestError::Refused { code, .. }) if code == "NOT_FOUND" => continue,
            Err(e) => return Err(e),
        };
        let data = deps
            .platform
            .run(
                &caller,
                "query Queue($filter: JobFilter) { jobs(filter: $filter, first: 100) { nodes { id createdAt } } }",
                json!({"filter": {"status": ["QUEUED", "SCHEDULED"], "model": model["model"]["id"]}}),
            )
            .await?;
        for job in data["jobs"]["nodes"].as_array().into_iter().flatten() {
            let created = job["createdAt"].as_str().unwrap_or_default().to_owned();
            waiting.push((created, job["id"].clone()));
        }
    }
    // A queue reads oldest first (RFC 3339 UTC times sort as text).
    waiting.sort_by(|a, b| a.0.cmp(&b.0));
    let hashes: Vec<Value> = waiting.into_iter().map(|(_, id)| id).collect();
    Ok(Json(json!({"queue": hashes})))
}

/// The output `track` of job `hash`: its media id and download URL.
async fn find_track(
    deps: &CompatDeps,
    caller: &Caller,
    hash: &str,
    track: &str,
) -> Result<(Value, String), RestError> {
    if !TRACKS.contains(&track) {
        return Err(RestError::not_found(format!(
            "no track `{track}`; tracks are {}",
            TRACKS.join(", ")
        )));
    }
    if uuid::Uuid::parse_str(hash).is_err() {
        return Err(RestError::not_found("no such song hash"));
    }
    let job = fetch_job(deps, caller, hash).await?;
    match job["status"].as_str() {
        Some("SUCCEEDED") => {}
        Some("FAILED" | "CANCELLED") => {
            return Err(RestError::refused(
                "CONFLICT",
                format!(
                    "the separation did not finish: {}",
                    job["error"]["message"]
                        .as_str()
                        .unwrap_or("no tracks were made")
                ),
            ));
        }
        _ => {
            return Err(RestError::NotReady(
                "the song is still being separated; try again shortly".into(),
            ));
        }
    }
    job["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| {
            o["name"]
                .as_str()
                .is_some_and(|n| demucs::output_matches(n, track))
        })
        .and_then(|o| Some((o["id"].clone(), o["url"].as_str()?.to_owned())))
        .ok_or_else(|| RestError::not_found(format!("track `{track}` was removed")))
}

/// One track's bytes.
async fn track(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path((hash, track)): Path<(String, String)>,
) -> Result<Response, RestError> {
    let caller = acting(&deps, caller)?;
    let (_, url) = find_track(&deps, &caller, &hash, &track).await?;
    files::download(&deps, &url, &track, "audio/mpeg").await
}

/// Removes one track.
async fn remove(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path((hash, track)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let caller = acting(&deps, caller)?;
    let (media_id, _) = find_track(&deps, &caller, &hash, &track).await?;
    deps.platform
        .run(
            &caller,
            "mutation Remove($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": media_id}),
        )
        .await?;
    Ok(Json(
        json!({"hash": hash, "track": track, "reason": "Track removed"}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn songs_decode_from_base64_with_line_breaks() {
        let decoded = decode_song("aGVs\nbG8=").expect("valid");
        assert_eq!(&decoded[..], b"hello");
    }

    #[test]
    fn an_empty_or_garbled_song_is_a_bad_request() {
        assert!(matches!(decode_song(""), Err(RestError::BadRequest(_))));
        assert!(matches!(decode_song("***"), Err(RestError::BadRequest(_))));
    }

    #[test]
    fn both_callback_forms_of_seed_004_are_understood() {
        let url: Separate =
            serde_json::from_value(json!({"mp3": "", "callback": "http://x/cb"})).expect("url");
        assert!(matches!(url.callback, Some(Callback::Url(u)) if u == "http://x/cb"));
        let object: Separate = serde_json::from_value(
            json!({"mp3": "", "callback": {"url": "http://x/cb", "data": {"k": 1}}}),
        )
        .expect("object");
        assert!(
            matches!(object.callback, Some(Callback::Object { url, .. }) if url == "http://x/cb")
        );
    }
}
