//! Seed 000's direct upload: `POST /upload` (and `/uploads/upload`), multipart with a file
//! field `media` and an optional `tags` field (`"hair","face"` or `hair,face`). The file is
//! streamed into storage (size-limited, hashed on the way), never held in memory. The caller
//! is the router-verified actor of the internal token. An `Idempotency-Key` header makes a
//! retry safe (the same file again under the key answers with the first upload's media).

use crate::{MediaDeps, commands, domain::UploadRequest};
use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Multipart, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use futures::TryStreamExt;
use mediamagic_kit::{ApiError, auth::identity_from_headers, idempotency::IdempotencyKey};
use serde_json::json;
use std::time::Duration;

/// The upload routes.
pub fn routes(deps: MediaDeps) -> Router {
    Router::new()
        .route("/upload", post(upload))
        .route("/uploads/upload", post(upload))
        // The upload limit is enforced while streaming, against `media.max_upload_bytes`.
        .layer(DefaultBodyLimit::disable())
        .with_state(deps)
}

/// An error as JSON with the matching HTTP status.
pub fn error_response(err: ApiError) -> Response {
    if let ApiError::Internal(detail) = &err {
        tracing::error!(error = ?detail, "internal error");
    }
    (
        err.http_status(),
        Json(json!({"error": {"code": err.code(), "message": err.message()}})),
    )
        .into_response()
}

fn parse_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::to_owned)
        .filter(|t| !t.trim().is_empty())
        .collect()
}

async fn upload(
    State(deps): State<MediaDeps>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let actor = match identity_from_headers(&deps.internal, &headers) {
        Ok(identity) => match identity.0 {
            Some(actor) => actor,
            None => {
                return error_response(ApiError::Unauthenticated(
                    "send a session token or an API key".into(),
                ));
            }
        },
        Err(e) => return error_response(e),
    };
    let key = match IdempotencyKey::parse(
        "Idempotency-Key",
        headers
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap_or("")),
    ) {
        Ok(key) => key,
        Err(e) => return error_response(e),
    };
    let mut tags = Vec::new();
    let mut late_tags = Vec::new();
    let mut stored = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return error_response(ApiError::bad_input(
                    "media",
                    format!("malformed multipart body: {e}"),
                ));
            }
        };
        match field.name() {
            Some("tags") => {
                let text = match field.text().await {
                    Ok(text) => text,
                    Err(e) => return error_response(ApiError::bad_input("tags", e.to_string())),
                };
                if stored.is_some() {
                    late_tags.extend(parse_tags(&text));
                } else {
                    tags.extend(parse_tags(&text));
                }
            }
            Some("media") if stored.is_none() => {
                let filename = field.file_name().unwrap_or("upload").to_owned();
                let content_type = field
                    .content_type()
                    .map(str::to_owned)
                    .unwrap_or_else(|| "application/octet-stream".into());
                let request = match UploadRequest::parse(
                    &deps.config,
                    &filename,
                    &content_type,
                    None,
                    None,
                    tags.clone(),
                ) {
                    Ok(request) => request,
                    Err(e) => return error_response(e),
                };
                let body = field.map_err(|e| e.to_string());
                match commands::direct::upload_direct(&deps, &actor, request, body, key.clone())
                    .await
                {
                    Ok(media) => stored = Some(media),
                    Err(e) => return error_response(e),
                }
            }
            _ => {}
        }
    }
    let Some(mut media) = stored else {
        return error_response(ApiError::bad_input(
            "media",
            "send the file in a multipart field named `media`",
        ));
    };
    if !late_tags.is_empty() {
        let mut all = media.tags.clone();
        all.extend(late_tags);
        media = match commands::media::update_media(&deps, &actor, media.id, None, Some(all)).await
        {
            Ok(media) => media,
            Err(e) => return error_response(e),
        };
    }
    let ttl = Duration::from_secs(deps.config.download_url_ttl_seconds);
    let url = match commands::media::download_url(&deps, &media, ttl).await {
        Ok(url) => url,
        Err(e) => return error_response(e),
    };
    (
        StatusCode::OK,
        Json(json!({
            "media": {"id": media.id, "url": url, "tags": media.tags, "status": media.status},
            "base_url": deps.public_url.as_str(),
        })),
    )
        .into_response()
}
