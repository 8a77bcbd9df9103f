//! `/api/v1/teams`: seed 000's organisations, their session tokens (which act as the team)
//! and invites.

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    seed000::auth::token_answer,
    shapes::{IdempotencyKeyHeader, JsonBody, lower, snake_keys},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};

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
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<CreateTeam>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            "mutation CreateTeam($name: String!, $key: String) { createTeam(name: $name, idempotencyKey: $key) { id name createdAt myRole } }",
            json!({"name": body.name, "key": key}),
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
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
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
            "mutation Invite($team: ID!, $email: String!, $role: Role!, $key: String) { inviteMember(teamId: $team, email: $email, role: $role, idempotencyKey: $key) { id email role expiresAt token } }",
            json!({"team": id, "email": body.email, "role": role, "key": key}),
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
