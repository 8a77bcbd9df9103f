//! `/api/v1/auth/*`: seed 000's sign-in.
//!
//! - `GET /api/v1/auth/login` without credentials, when the accounts service has an identity
//!   provider configured (`accounts.oidc_login`): the provider's login URL (`login_url`;
//!   `?redirect=true` answers 302 to it instead). The provider sends the browser to
//!   `GET /api/v1/auth/callback?code=&state=`, which answers the seed's token fields.
//! - With credentials (HTTP basic `curl -u email:password`, or a JSON body `{"email",
//!   "password"}`), `GET|POST /api/v1/auth/login` logs in directly.
//! - `POST /api/v1/auth/refresh` `{"refresh_token"}`: a new session and refresh token (they
//!   rotate; a used one presented again revokes the sign-in).
//! - `POST /api/v1/auth/logout`: revokes the session token sent (and its refresh tokens).

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    shapes::{JsonBody, QueryParams},
};
use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Optional JSON credentials.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

/// `?redirect=true`: answer the login URL as a redirect.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    redirect: bool,
}

const SESSION_FIELDS: &str =
    "token tokenType expiresAt accountId refreshToken idToken user { id name email }";

/// Logs in with credentials, or starts a sign-in at the identity provider.
pub async fn login(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<LoginQuery>,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, RestError> {
    let (email, password) = match (body.email, body.password, caller.basic_credentials()) {
        (Some(email), Some(password), _) => (email, password),
        (None, None, Some(basic)) => basic,
        (None, None, None) => return start_sign_in(&deps, &caller, query.redirect).await,
        _ => {
            return Err(RestError::BadRequest(
                "send both `email` and `password`, or HTTP basic credentials".into(),
            ));
        }
    };
    let data = deps
        .platform
        .run(
            &caller,
            &format!("mutation LogIn($input: LogInInput!) {{ logIn(input: $input) {{ {SESSION_FIELDS} }} }}"),
            json!({"input": {"email": email, "password": password}}),
        )
        .await?;
    Ok(Json(token_answer(&data["logIn"])).into_response())
}

/// The identity provider's login URL, or how to log in without one.
async fn start_sign_in(
    deps: &CompatDeps,
    caller: &Caller,
    redirect: bool,
) -> Result<Response, RestError> {
    let started = deps
        .platform
        .run(
            caller,
            "mutation Start { startOidcLogin { authorizationUrl state expiresAt } }",
            json!({}),
        )
        .await;
    let started = match started {
        Ok(data) => data["startOidcLogin"].clone(),
        Err(RestError::Refused { code, .. }) if code == "FORBIDDEN" => {
            return Err(RestError::unauthenticated(
                "log in with HTTP basic auth (`curl -u email:password`) or a JSON body \
                 {\"email\", \"password\"}: no identity provider is configured",
            ));
        }
        Err(e) => return Err(e),
    };
    let url = started["authorizationUrl"].as_str().unwrap_or_default();
    if redirect {
        return Ok((StatusCode::FOUND, [(header::LOCATION, url.to_owned())]).into_response());
    }
    Ok(Json(json!({
        "login_url": url,
        "state": started["state"],
        "expires_at": started["expiresAt"],
    }))
    .into_response())
}

/// What the identity provider sends back to the callback.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The identity provider's redirect: swaps the code for the seed's token fields.
pub async fn callback(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(callback): QueryParams<Callback>,
) -> Result<Json<Value>, RestError> {
    if let Some(error) = callback.error {
        return Err(RestError::unauthenticated(format!(
            "the identity provider refused the sign-in: {}",
            callback.error_description.unwrap_or(error)
        )));
    }
    let (Some(code), Some(state)) = (callback.code, callback.state) else {
        return Err(RestError::BadRequest(
            "the callback needs the `code` and `state` the identity provider sends".into(),
        ));
    };
    let data = deps
        .platform
        .run(
            &caller,
            &format!("mutation Complete($code: String!, $state: String!) {{ completeOidcLogin(code: $code, state: $state) {{ {SESSION_FIELDS} }} }}"),
            json!({"code": code, "state": state}),
        )
        .await?;
    Ok(Json(token_answer(&data["completeOidcLogin"])))
}

/// `POST /api/v1/auth/refresh`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    refresh_token: String,
}

/// A new session and refresh token for a refresh token.
pub async fn refresh(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<Json<Value>, RestError> {
    let data = deps
        .platform
        .run(
            &caller,
            &format!("mutation Refresh($token: String!) {{ refreshSession(refreshToken: $token) {{ {SESSION_FIELDS} }} }}"),
            json!({"token": body.refresh_token}),
        )
        .await?;
    Ok(Json(token_answer(&data["refreshSession"])))
}

/// A session token as seed 000's login answers it.
pub fn token_answer(payload: &Value) -> Value {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    json!({
        "access_token": payload["token"],
        "refresh_token": text(&payload["refreshToken"]),
        "id_token": text(&payload["idToken"]),
        "token_type": "Bearer",
        "expires_at": payload["expiresAt"],
        "account_id": payload["accountId"],
        "user": payload["user"],
    })
}

/// Revokes the session token the request carries.
pub async fn logout(
    State(deps): State<CompatDeps>,
    caller: Caller,
) -> Result<StatusCode, RestError> {
    deps.platform
        .run(&caller, "mutation { logOut }", json!({}))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
