//! Moving files between a client and the platform: streaming a multipart field into a
//! media upload, and streaming a media item's bytes back as a download.

use crate::{
    CompatDeps,
    client::{Caller, UploadFile},
    error::RestError,
};
use axum::{
    body::Body,
    extract::multipart::Field,
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use bytes::Bytes;
use serde_json::Value;

/// Request chunks in flight between the client and the router.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Streams `field` into a new media item of the caller; the media (`id`, `name`, `status`).
pub async fn upload_field(
    deps: &CompatDeps,
    caller: &Caller,
    mut field: Field<'_>,
    tags: Vec<String>,
) -> Result<Value, RestError> {
    let filename = field.file_name().unwrap_or("upload").to_owned();
    let content_type = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_owned();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
    let bytes = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let upload = deps.platform.upload(
        caller,
        UploadFile {
            filename,
            content_type,
            tags,
            bytes,
        },
    );
    // The field borrows the request; it is read here, next to the upload that consumes it.
    let pump = async move {
        let mut failure = None;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if tx.send(Ok(chunk)).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let message = format!("the upload was interrupted: {e}");
                    let _ = tx.send(Err(std::io::Error::other(message.clone()))).await;
                    failure = Some(message);
                    break;
                }
            }
        }
        failure
    };
    let (uploaded, failure) = tokio::join!(upload, pump);
    if let Some(message) = failure {
        return Err(RestError::BadRequest(message));
    }
    uploaded
}

/// The bytes at a presigned `url`, as a download named `filename`.
pub async fn download(
    deps: &CompatDeps,
    url: &str,
    filename: &str,
    content_type: &str,
) -> Result<Response, RestError> {
    let answer = deps.platform.download(url).await?;
    let length = answer.content_length();
    let disposition = format!(
        "attachment; filename=\"{}\"",
        filename.replace(['"', '\\', '\r', '\n'], "_")
    );
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response = response.header(header::CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length {
        response = response.header(header::CONTENT_LENGTH, length);
    }
    response
        .body(Body::from_stream(answer.bytes_stream()))
        .map_err(|e| RestError::Upstream(e.to_string()))
}

/// Best-effort removal of a media item the surface uploaded but could not use.
pub async fn discard(deps: &CompatDeps, caller: &Caller, media_id: &Value) {
    let result = deps
        .platform
        .run(
            caller,
            "mutation Discard($id: ID!) { deleteMedia(id: $id) }",
            serde_json::json!({"id": media_id}),
        )
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not remove an unused upload");
    }
}

/// Queues `model` on `args` for the caller (one deployment and its job); on refusal the
/// uploaded `input` is discarded so nothing half-made is left behind. The deployment's
/// `id`, `args` and `job { id status }`.
pub async fn deploy(
    deps: &CompatDeps,
    caller: &Caller,
    input: &Value,
    deployment: Value,
    idempotency_key: Option<String>,
) -> Result<Value, RestError> {
    match try_deploy(deps, caller, deployment, idempotency_key).await {
        Ok(deployed) => Ok(deployed),
        Err(e) => {
            discard(deps, caller, &input["id"]).await;
            Err(e)
        }
    }
}

/// [`deploy`] without discarding anything on refusal (the caller may try again).
pub async fn try_deploy(
    deps: &CompatDeps,
    caller: &Caller,
    deployment: Value,
    idempotency_key: Option<String>,
) -> Result<Value, RestError> {
    let data = deps
        .platform
        .run(
            caller,
            "mutation Deploy($input: CreateDeploymentInput!, $key: String) { createDeployment(input: $input, idempotencyKey: $key) { id args job { id status } } }",
            serde_json::json!({"input": deployment, "key": idempotency_key}),
        )
        .await?;
    Ok(data["createDeployment"].clone())
}
