//! Seed 003's media management API under its own base path, `/media-management` (its
//! clients change only their base URL): media and tags as entities.
//!
//! - `POST /media` with the file's `name`, `content_type`, `size` and `sha256` (and `tags`):
//!   201 with the pending media and its presigned `upload` (PUT the bytes straight to
//!   storage).
//! - `POST /media/finalize` with `{"id"}`: the platform checks that the object has the
//!   declared size and sha256; 200 with the live media, else 422 and nothing kept.
//! - `GET /media/{id}` (or `GET /media?id=`): the media with a presigned `download` URL and
//!   its expiry (`?expires_in=` seconds); `GET /media` without an id lists (`?tags=`,
//!   `?exclude_tags=`, `?limit=`, `?after=`). `DELETE /media/{id}` removes.
//! - `POST /tags` with `{"name"}` (201, or 200 when it existed) and `GET /tags`.
//!
//! Every handler is one GraphQL operation of the media subgraph, sent as the caller.
//! Request counts, statuses and times per path are the service's `mediamagic_http_*`
//! metrics, labelled by route (what the seed's expvar counters held).

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    shapes::{
        IdempotencyKeyHeader, JsonBody, JsonLimit, Page, QueryParams, lower, page_of, tag_list,
    },
};
use axum::{
    Extension, Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

/// The base path of the surface.
pub const BASE: &str = "/media-management";

const MEDIA_FIELDS: &str =
    "id name contentType kind size sha256 status failure tags createdAt updatedAt";

/// The surface's routes.
pub fn routes(deps: CompatDeps) -> Router {
    let limit = deps.config.max_json_bytes;
    // Literal paths (under BASE), so tools reading the sources (the cross-tenant probe)
    // see every route.
    Router::new()
        .route(
            "/media-management/media",
            post(create_media).get(get_or_list),
        )
        .route("/media-management/media/finalize", post(finalize))
        .route(
            "/media-management/media/{id}",
            get(get_one).delete(delete_media),
        )
        .route("/media-management/tags", post(create_tag).get(list_tags))
        .route("/media-management/{*rest}", axum::routing::any(unknown))
        .layer(Extension(JsonLimit(limit)))
        .with_state(deps)
}

async fn unknown() -> RestError {
    RestError::not_found(format!("no such {BASE} route; see docs/rest-surfaces.md"))
}

/// One media as the surface shows it.
fn media_shape(media: &Value) -> Value {
    json!({
        "id": media["id"],
        "name": media["name"],
        "content_type": media["contentType"],
        "kind": lower(&media["kind"]),
        "size": media["size"],
        "sha256": media["sha256"],
        "status": lower(&media["status"]),
        "failure": media["failure"],
        "tags": media["tags"],
        "created_at": media["createdAt"],
        "updated_at": media["updatedAt"],
    })
}

/// `POST /media`: what the client is about to upload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMedia {
    /// File name.
    #[serde(alias = "filename")]
    name: String,
    /// Content type (`image/png`, `video/mp4`).
    #[serde(alias = "contentType")]
    content_type: String,
    /// Exact size in bytes.
    size: u64,
    /// SHA-256 of the bytes, hex.
    sha256: String,
    /// Tags (created on first use).
    #[serde(default)]
    tags: Vec<String>,
}

/// Creates a pending media and its presigned upload.
async fn create_media(
    State(deps): State<CompatDeps>,
    caller: Caller,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<NewMedia>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let operation = format!(
        "mutation Create($input: CreateUploadInput!, $key: String) {{ createUpload(input: $input, idempotencyKey: $key) {{ media {{ {MEDIA_FIELDS} }} url method headers {{ name value }} expiresAt }} }}"
    );
    let input = json!({
        "filename": body.name,
        "contentType": body.content_type,
        "size": body.size,
        "sha256": body.sha256,
        "tags": body.tags,
    });
    let data = deps
        .platform
        .run(&caller, &operation, json!({"input": input, "key": key}))
        .await?;
    let ticket = &data["createUpload"];
    let headers: serde_json::Map<String, Value> = ticket["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h["name"].as_str()?.to_owned(), h["value"].clone())))
        .collect();
    let mut media = media_shape(&ticket["media"]);
    media["upload"] = json!({
        "url": ticket["url"],
        "method": ticket["method"],
        "headers": headers,
        "expires_at": ticket["expiresAt"],
    });
    Ok((StatusCode::CREATED, Json(media)))
}

/// `POST /media/finalize`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finalize {
    /// The media created by `POST /media`.
    id: String,
}

/// Verifies the uploaded object and makes the media live.
async fn finalize(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<Finalize>,
) -> Result<Json<Value>, RestError> {
    let operation =
        format!("mutation Finalize($id: ID!) {{ finalizeUpload(id: $id) {{ {MEDIA_FIELDS} }} }}");
    let data = deps
        .platform
        .run(&caller, &operation, json!({"id": body.id}))
        .await?;
    Ok(Json(media_shape(&data["finalizeUpload"])))
}

/// `?id=&expires_in=` and the list's filters and page.
#[derive(Debug, Deserialize)]
pub struct MediaQuery {
    id: Option<String>,
    expires_in: Option<u32>,
    tags: Option<String>,
    exclude_tags: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

/// `GET /media?id=` (one media with its download) or `GET /media` (a page of them).
async fn get_or_list(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<MediaQuery>,
) -> Result<Json<Value>, RestError> {
    if let Some(id) = query.id.as_deref() {
        return download(&deps, &caller, id, query.expires_in).await;
    }
    let operation = format!(
        "query List($filter: MediaFilter, $first: Int, $after: String) {{ mediaList(filter: $filter, first: $first, after: $after) {{ nodes {{ {MEDIA_FIELDS} }} pageInfo {{ hasNextPage endCursor }} totalCount }} }}"
    );
    let page = Page {
        limit: query.limit,
        after: query.after,
    };
    let filter = json!({
        "tags": tag_list(query.tags.as_deref()),
        "excludeTags": tag_list(query.exclude_tags.as_deref()),
    });
    let data = deps
        .platform
        .run(
            &caller,
            &operation,
            json!({"filter": filter, "first": page.first(deps.config.default_page_size)?, "after": page.after}),
        )
        .await?;
    let (media, next) = page_of(&data["mediaList"], media_shape);
    Ok(Json(json!({
        "media": media,
        "total": data["mediaList"]["totalCount"],
        "next": next,
    })))
}

/// `?expires_in=` seconds of the download URL.
#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    expires_in: Option<u32>,
}

/// `GET /media/{id}`.
async fn get_one(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<DownloadQuery>,
) -> Result<Json<Value>, RestError> {
    download(&deps, &caller, &id, query.expires_in).await
}

/// The media with a presigned download URL and its expiry.
async fn download(
    deps: &CompatDeps,
    caller: &Caller,
    id: &str,
    expires_in: Option<u32>,
) -> Result<Json<Value>, RestError> {
    // The platform's default lifetime when the client names none.
    let seconds = expires_in.unwrap_or(300);
    let operation = format!(
        "query Get($id: ID!, $expiresIn: Int) {{ media(id: $id) {{ {MEDIA_FIELDS} url(expiresIn: $expiresIn) }} }}"
    );
    let issued = Utc::now();
    let data = deps
        .platform
        .run(caller, &operation, json!({"id": id, "expiresIn": seconds}))
        .await?;
    let found = &data["media"];
    let mut media = media_shape(found);
    if found["url"].is_null() {
        return Err(RestError::NotReady(format!(
            "the media is {}: only finalized media can be downloaded",
            lower(&found["status"]).as_str().unwrap_or("not live")
        )));
    }
    media["download"] = json!({
        "url": found["url"],
        "method": "GET",
        "expires_at": (issued + Duration::seconds(i64::from(seconds))).to_rfc3339(),
    });
    Ok(Json(media))
}

/// `DELETE /media/{id}`.
async fn delete_media(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    deps.platform
        .run(
            &caller,
            "mutation Delete($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": id}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /tags`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// The tag (trimmed and lower-cased).
    name: String,
}

fn tag_shape(tag: &Value) -> Value {
    json!({"name": tag["name"], "media_count": tag["mediaCount"], "created_at": tag["createdAt"]})
}

/// Creates a tag: 201, or 200 with the tag when the caller had it already.
async fn create_tag(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<NewTag>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let existing = tags(&deps, &caller).await?;
    let data = deps
        .platform
        .run(
            &caller,
            "mutation Tag($name: String!) { createTag(name: $name) { name mediaCount createdAt } }",
            json!({"name": body.name}),
        )
        .await?;
    let tag = &data["createTag"];
    let status = if existing.iter().any(|t| t["name"] == tag["name"]) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(tag_shape(tag))))
}

async fn tags(deps: &CompatDeps, caller: &Caller) -> Result<Vec<Value>, RestError> {
    let data = deps
        .platform
        .run(
            caller,
            "query Tags { tags { name mediaCount createdAt } }",
            json!({}),
        )
        .await?;
    Ok(data["tags"].as_array().cloned().unwrap_or_default())
}

/// The caller's tags with usage.
async fn list_tags(
    State(deps): State<CompatDeps>,
    caller: Caller,
) -> Result<Json<Value>, RestError> {
    let tags: Vec<Value> = tags(&deps, &caller).await?.iter().map(tag_shape).collect();
    Ok(Json(json!({"tags": tags})))
}
