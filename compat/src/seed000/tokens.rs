//! `/api/v1/tokens`: API keys (`team_id` makes a team's key), listed without secrets,
//! revoked at once.

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    shapes::{IdempotencyKeyHeader, JsonBody, Page, QueryParams, lower, page_of, snake_keys},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    name: String,
    #[serde(default)]
    team_id: Option<String>,
    /// `read`, `write` (default both).
    #[serde(default)]
    scopes: Option<Vec<String>>,
    /// RFC 3339.
    #[serde(default)]
    expires_at: Option<String>,
}

const KEY_FIELDS: &str =
    "id name prefix ownerId ownerKind scopes expiresAt lastUsedAt revokedAt createdAt";

fn key_shape(key: &Value) -> Value {
    let mut shape = snake_keys(key.clone());
    shape["owner_kind"] = lower(&key["ownerKind"]);
    shape["scopes"] = key["scopes"]
        .as_array()
        .map(|scopes| scopes.iter().map(lower).collect())
        .unwrap_or_default();
    shape["team_id"] = if key["ownerKind"] == "TEAM" {
        key["ownerId"].clone()
    } else {
        Value::Null
    };
    shape
}

/// Creates an API key; the secret (`key`) is in this answer only (a retry with the same
/// `Idempotency-Key` answers with the same key and `key: null`).
pub async fn create(
    State(deps): State<CompatDeps>,
    caller: Caller,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<CreateToken>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let scopes = body.scopes.map(|scopes| {
        scopes
            .iter()
            .map(|s| s.to_ascii_uppercase())
            .collect::<Vec<_>>()
    });
    let query = format!(
        "mutation CreateKey($input: CreateApiKeyInput!, $key: String) {{ createApiKey(input: $input, idempotencyKey: $key) {{ secret apiKey {{ {KEY_FIELDS} }} }} }}"
    );
    let data = deps
        .platform
        .run(
            &caller,
            &query,
            json!({"input": {"name": body.name, "teamId": body.team_id, "scopes": scopes, "expiresAt": body.expires_at}, "key": key}),
        )
        .await?;
    let created = &data["createApiKey"];
    let mut answer = key_shape(&created["apiKey"]);
    answer["key"] = created["secret"].clone();
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Lists the acting account's API keys (never their secrets).
pub async fn list(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(page): QueryParams<Page>,
) -> Result<Json<Value>, RestError> {
    let query = format!(
        "query Keys($first: Int, $after: String) {{ apiKeys(first: $first, after: $after) {{ nodes {{ {KEY_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let data = deps
        .platform
        .run(
            &caller,
            &query,
            json!({"first": page.first(deps.config.default_page_size)?, "after": page.after}),
        )
        .await?;
    let (tokens, next) = page_of(&data["apiKeys"], key_shape);
    Ok(Json(json!({"tokens": tokens, "next": next})))
}

/// Revokes an API key at once.
pub async fn revoke(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    deps.platform
        .run(
            &caller,
            "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": id}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
