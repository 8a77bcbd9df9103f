//! `/api/v1/media`: list (with `tags` / `excludeTags`), get, `PUT` (tags, name), `DELETE`.
//! Uploads (`/upload`, `/uploads/upload`) are served by the media service itself.

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    shapes::{JsonBody, Page, QueryParams, lower, page_of, seed_time, tag_list},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};

const MEDIA_FIELDS: &str =
    "id name contentType kind size sha256 status tags jobId createdAt updatedAt url";

/// One media item as seed 000 lists it (plus `content_type`, `size`, `kind`).
fn media_shape(media: &Value) -> Value {
    json!({
        "id": media["id"],
        "image_name": media["name"],
        "title": media["name"],
        "media_key": media["url"],
        "status": lower(&media["status"]),
        "tags": media["tags"],
        "type": if media["jobId"].is_null() { "source_asset" } else { "job_output" },
        "job_id": media["jobId"],
        "kind": lower(&media["kind"]),
        "content_type": media["contentType"],
        "size": media["size"],
        "sha256": media["sha256"],
        "upload_date": seed_time(&media["createdAt"]),
        "updated_at": seed_time(&media["updatedAt"]),
    })
}

/// `?tags=a,b&excludeTags=c&limit=&after=`.
#[derive(Debug, Deserialize)]
pub struct MediaQuery {
    tags: Option<String>,
    #[serde(rename = "excludeTags")]
    exclude_tags: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

/// The caller's media, newest first.
pub async fn list(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<MediaQuery>,
) -> Result<Json<Value>, RestError> {
    let operation = format!(
        "query List($filter: MediaFilter, $first: Int, $after: String) {{ mediaList(filter: $filter, first: $first, after: $after) {{ nodes {{ {MEDIA_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
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
        "media_key": deps.platform.origin(),
        "next": next,
    })))
}

/// One media item.
pub async fn get(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let operation = format!("query One($id: ID!) {{ media(id: $id) {{ {MEDIA_FIELDS} }} }}");
    let data = deps
        .platform
        .run(&caller, &operation, json!({"id": id}))
        .await?;
    Ok(Json(
        json!({"media": media_shape(&data["media"]), "media_key": deps.platform.origin()}),
    ))
}

/// `PUT /api/v1/media/{id}`: replaces the tags and/or renames.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMedia {
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default, alias = "title", alias = "image_name")]
    name: Option<String>,
}

/// Updates tags and/or the name.
pub async fn update(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateMedia>,
) -> Result<Json<Value>, RestError> {
    if body.tags.is_none() && body.name.is_none() {
        return Err(RestError::BadRequest(
            "send `tags` and/or `name` to change".into(),
        ));
    }
    let operation = format!(
        "mutation Update($id: ID!, $input: UpdateMediaInput!) {{ updateMedia(id: $id, input: $input) {{ {MEDIA_FIELDS} }} }}"
    );
    let data = deps
        .platform
        .run(
            &caller,
            &operation,
            json!({"id": id, "input": {"tags": body.tags, "name": body.name}}),
        )
        .await?;
    Ok(Json(
        json!({"media": media_shape(&data["updateMedia"]), "media_key": deps.platform.origin()}),
    ))
}

/// Deletes a media item: 204.
pub async fn delete(
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
