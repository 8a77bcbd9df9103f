//! `/api/v1/tokens` (API keys; `team_id` makes a team's key) and `/api/v1/teams` (seed 000's
//! organisations, their session tokens and invites).

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    seed000::auth::token_answer,
    shapes::{JsonBody, Page, lower, snake_keys},
};
use axum::{
    Json,
    extract::{Path, Query, State},
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

/// Creates an API key; the secret (`key`) is in this answer only.
pub async fn create(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateToken>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let scopes = body.scopes.map(|scopes| {
        scopes
            .iter()
            .map(|s| s.to_ascii_uppercase())
            .collect::<Vec<_>>()
    });
    let query = format!(
        "mutation CreateKey($input: CreateApiKeyInput!) {{ createApiKey(input: $input) {{ secret apiKey {{ {KEY_FIELDS} }} }} }}"
    );
    let data = deps
        .platform
        .run(
            &caller,
            &query,
            json!({"input": {"name": body.name, "teamId": body.team_id, "scopes": scopes, "expiresAt": body.expires_at}}),
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
    Query(page): Query<Page>,
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
    let keys = &data["apiKeys"];
    let tokens: Vec<Value> = keys["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().map(key_shape).collect())
        .unwrap_or_default();
    Ok(Json(
        json!({"tokens": tokens, "next": next_cursor(&keys["pageInfo"])}),
    ))
}

/// The cursor of the next page, or null on the last one.
pub fn next_cursor(page_info: &Value) -> Value {
    if page_info["hasNextPage"] == true {
        page_info["endCursor"].clone()
    } else {
        Value::Null
    }
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

/// `POST /api/v1/teams`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    name: String,
}

fn team_shape(team: &Value, role: &Value) -> Value {
    json!({
        "id": team["id"],
        "name": team["name"],
        "role": lower(role),
        "created_at": team["createdAt"],
    })
}

/// Creates a team with the caller as its owner.
pub async fn create_team(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateTeam>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            "mutation CreateTeam($name: String!) { createTeam(name: $name) { id name createdAt myRole } }",
            json!({"name": body.name}),
        )
        .await?;
    let team = &data["createTeam"];
    Ok((StatusCode::CREATED, Json(team_shape(team, &team["myRole"]))))
}

/// The caller's teams.
pub async fn list_teams(
    State(deps): State<CompatDeps>,
    caller: Caller,
) -> Result<Json<Value>, RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            "{ teams { role team { id name createdAt } } }",
            json!({}),
        )
        .await?;
    let teams: Vec<Value> = data["teams"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|m| team_shape(&m["team"], &m["role"]))
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({"teams": teams})))
}

/// One team with its members.
pub async fn get_team(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            "query Team($id: ID!) { team(id: $id) { id name createdAt myRole members { user { id name } email role joinedAt } } }",
            json!({"id": id}),
        )
        .await?;
    let team = &data["team"];
    let mut shape = team_shape(team, &team["myRole"]);
    shape["members"] = team["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|m| {
                    json!({
                        "user_id": m["user"]["id"],
                        "name": m["user"]["name"],
                        "email": m["email"],
                        "role": lower(&m["role"]),
                        "joined_at": m["joinedAt"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(shape))
}

/// A session token that acts as the team (seed 000's organisation token).
pub async fn team_token(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            "mutation TeamToken($id: ID!) { createTeamToken(teamId: $id) { token tokenType expiresAt accountId user { id name email } } }",
            json!({"id": id}),
        )
        .await?;
    Ok(Json(token_answer(&data["createTeamToken"])))
}

/// `POST /api/v1/teams/{id}/invites`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    email: String,
    /// `member` (default), `admin` or `owner`.
    #[serde(default)]
    role: Option<String>,
}

/// Invites someone by email; the answer's `token` goes to them (no mail is sent).
pub async fn invite(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Invite>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let role = body
        .role
        .unwrap_or_else(|| "member".into())
        .to_ascii_uppercase();
    if !matches!(role.as_str(), "MEMBER" | "ADMIN" | "OWNER") {
        return Err(RestError::BadRequest(
            "`role` is one of member, admin, owner".into(),
        ));
    }
    let data = deps
        .platform
        .run(
            &caller,
            "mutation Invite($team: ID!, $email: String!, $role: Role!) { inviteMember(teamId: $team, email: $email, role: $role) { id email role expiresAt token } }",
            json!({"team": id, "email": body.email, "role": role}),
        )
        .await?;
    let invite = &data["inviteMember"];
    let mut shape = snake_keys(invite.clone());
    shape["role"] = lower(&invite["role"]);
    Ok((StatusCode::CREATED, Json(shape)))
}

/// `POST /api/v1/invites/accept`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    token: String,
}

/// Accepts an invite as the caller; the team joined.
pub async fn accept(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<Accept>,
) -> Result<Json<Value>, RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            "mutation Accept($token: String!) { acceptInvite(token: $token) { id name createdAt myRole } }",
            json!({"token": body.token}),
        )
        .await?;
    let team = &data["acceptInvite"];
    Ok(Json(team_shape(team, &team["myRole"])))
}
