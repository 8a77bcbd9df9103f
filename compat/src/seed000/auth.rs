//! `/api/v1/auth/login` and `/api/v1/auth/logout`.
//!
//! Seed 000 logged in through Auth0 redirects. We log in with credentials instead: HTTP basic
//! (`curl -u email:password`) or a JSON body `{"email", "password"}`, answering with the
//! seed's token fields. OIDC tokens from an Auth0-style provider are accepted by the router
//! as bearer tokens when it is configured with a JWKS URL.

use crate::{CompatDeps, client::Caller, error::RestError, shapes::JsonBody};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Optional JSON credentials.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

const LOG_IN: &str = "mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { token tokenType expiresAt accountId user { id name email } }
}";

/// Logs in; the seed's `{"access_token", "refresh_token", "id_token", "token_type"}` plus
/// `expires_at` and the user.
pub async fn login(
    State(deps): State<CompatDeps>,
    caller: Caller,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Json<Value>, RestError> {
    let (email, password) = match (body.email, body.password, caller.basic_credentials()) {
        (Some(email), Some(password), _) => (email, password),
        (None, None, Some(basic)) => basic,
        _ => {
            return Err(RestError::unauthenticated(
                "log in with HTTP basic auth (`curl -u email:password`) or a JSON body \
                 {\"email\", \"password\"}; Auth0 login URLs are not used",
            ));
        }
    };
    let data = deps
        .platform
        .run(
            &caller,
            LOG_IN,
            json!({"input": {"email": email, "password": password}}),
        )
        .await?;
    Ok(Json(token_answer(&data["logIn"])))
}

/// A session token as seed 000's login answers it.
pub fn token_answer(payload: &Value) -> Value {
    json!({
        "access_token": payload["token"],
        "refresh_token": "",
        "id_token": "",
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
