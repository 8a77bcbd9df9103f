//! The object routes of local storage, reached through signed URLs only:
//! `PUT /objects/<key>` streams the body into storage (size-limited), `GET` and `HEAD`
//! serve the object with its content type and HTTP Range support. A missing, tampered or
//! expired signature gets 403. A multipart upload's part URL carries the part's checksum
//! (SHA-256 or CRC32): a body with other bytes is removed and refused (400 `BadDigest`, as
//! S3 says).

use super::{SignedQuery, Storage, StorageError};
use axum::{
    Router,
    body::Body,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use futures::TryStreamExt;
use object_store::GetRange;

/// State of the object routes.
#[derive(Clone)]
pub struct ObjectRoutes {
    /// The storage.
    pub storage: Storage,
    /// Largest accepted PUT, in bytes.
    pub max_upload_bytes: u64,
    /// Origins whose pages may use the routes (CORS).
    pub cors: super::cors::AllowedOrigins,
}

/// `/objects/{*key}` for PUT, GET and HEAD, and their CORS preflights.
pub fn routes(state: ObjectRoutes) -> Router {
    let cors = state.cors.clone();
    Router::new()
        .route("/objects/{*key}", get(download).head(download).put(upload))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            cors,
            super::cors::layer,
        ))
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

fn signed(
    state: &ObjectRoutes,
    method: &Method,
    key: &str,
    query: Result<Query<SignedQuery>, QueryRejection>,
) -> Result<SignedQuery, &'static str> {
    let Ok(Query(query)) = query else {
        return Err("this URL is not signed");
    };
    state.storage.verify_local(method, key, &query)?;
    Ok(query)
}

async fn upload(
    State(state): State<ObjectRoutes>,
    Path(key): Path<String>,
    query: Result<Query<SignedQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let query = match signed(&state, &Method::PUT, &key, query) {
        Ok(query) => query,
        Err(why) => return refuse(StatusCode::FORBIDDEN, why),
    };
    // A presigned upload is single-use: once finalized (or a multipart upload completed),
    // its URLs write nothing.
    if let Some(finalized) = super::finalized_key_of(&key) {
        match state.storage.size(&finalized).await {
            Ok(None) => {}
            Ok(Some(_)) => {
                return refuse(
                    StatusCode::CONFLICT,
                    "this upload was finalized; its URL takes no more bytes",
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "storage failed");
                return refuse(StatusCode::INTERNAL_SERVER_ERROR, "storage failed");
            }
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_upload_bytes) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is over the upload limit",
        );
    }
    let stream = body.into_data_stream().map_err(|e| e.to_string());
    // A part is hashed with the algorithm its URL names; other bodies get a SHA-256 ETag.
    let expected = query.part_checksum();
    let algorithm = expected.map(|(algorithm, _)| algorithm).unwrap_or_default();
    match state
        .storage
        .put_stream(&key, stream, state.max_upload_bytes, algorithm)
        .await
    {
        Ok(written) => match expected {
            Some((_, expected)) if expected != written.checksum => {
                if let Err(e) = state.storage.delete(&key).await {
                    tracing::warn!(error = %e, key, "could not remove a refused part");
                }
                refuse(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "BadDigest: the part's {} is {}, not the {expected} its URL was signed for",
                        algorithm.as_str(),
                        written.checksum
                    ),
                )
            }
            _ => (
                StatusCode::OK,
                [(header::ETAG, format!("\"{}\"", written.checksum))],
            )
                .into_response(),
        },
        Err(StorageError::TooLarge(_)) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is over the upload limit",
        ),
        Err(StorageError::Body(e)) => {
            refuse(StatusCode::BAD_REQUEST, &format!("reading the body: {e}"))
        }
        Err(e) => {
            tracing::error!(error = %e, "storing an upload");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not store the upload",
            )
        }
    }
}

/// Parses a single `bytes=` range (`a-b`, `a-`, `-n`).
fn parse_range(value: &str) -> Option<GetRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    match (start.trim(), end.trim()) {
        ("", n) => n.parse().ok().filter(|n| *n > 0).map(GetRange::Suffix),
        (a, "") => a.parse().ok().map(GetRange::Offset),
        (a, b) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some(GetRange::Bounded(a..b + 1))
        }
    }
}

async fn download(
    State(state): State<ObjectRoutes>,
    method: Method,
    Path(key): Path<String>,
    query: Result<Query<SignedQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let query = match signed(&state, &method, &key, query) {
        Ok(q) => q,
        Err(why) => return refuse(StatusCode::FORBIDDEN, why),
    };
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) => match parse_range(value) {
            Some(range) => Some(range),
            None => return refuse(StatusCode::RANGE_NOT_SATISFIABLE, "unsupported range"),
        },
        None => None,
    };
    let partial = range.is_some();
    let head = method == Method::HEAD;
    let result = match state.storage.get(&key, range, head).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => {
            return refuse(StatusCode::NOT_FOUND, "no such object");
        }
        Err(object_store::Error::NotSupported { .. })
        | Err(object_store::Error::Generic { .. })
            if partial =>
        {
            return refuse(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "the range is outside the object",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "reading an object");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not read the object",
            );
        }
    };
    let total = result.meta.size;
    let served = result.range.clone();
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, query.content_type.as_str())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_LENGTH, served.end - served.start);
    response = if partial {
        response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!(
                "bytes {}-{}/{total}",
                served.start,
                served.end.saturating_sub(1)
            ),
        )
    } else {
        response.status(StatusCode::OK)
    };
    let body = if head {
        Body::empty()
    } else {
        Body::from_stream(super::reading::into_stream(result))
    };
    response.body(body).unwrap_or_else(|_| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not build the response",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_like_http_says() {
        assert_eq!(parse_range("bytes=0-9"), Some(GetRange::Bounded(0..10)));
        assert_eq!(parse_range("bytes=5-"), Some(GetRange::Offset(5)));
        assert_eq!(parse_range("bytes=-3"), Some(GetRange::Suffix(3)));
        assert_eq!(parse_range("bytes=9-1"), None);
        assert_eq!(parse_range("bytes=0-1,4-5"), None);
        assert_eq!(parse_range("items=0-1"), None);
    }
}
