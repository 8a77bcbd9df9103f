//! Sign-in through an OpenID Connect provider (seed 000's Auth0 flow): the authorization
//! code flow with PKCE (S256), `state` and a `nonce`, this service being the client.
//!
//! [`start`] records the sign-in (state hashed, verifier and nonce) and answers the
//! provider's authorization URL; the provider sends the browser back to the callback with a
//! code and the state; [`complete`] takes the sign-in (single use, `accounts.oidc_login.
//! login_ttl_seconds`), exchanges the code at the token endpoint with the verifier, verifies
//! the ID token (signature from the provider's JWKS, issuer, audience, expiry, nonce),
//! provisions the user on first sight and signs them in (session and refresh token).

use super::{auth::IssuedSession, auth::provision_oidc_user, secret_hash};
use crate::{
    AccountsDeps,
    config::OidcLoginConfig,
    db::{self, rows::OidcLoginRow},
};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};
use mediamagic_kit::{ApiError, ApiResult};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration as StdDuration;

/// A started sign-in.
#[derive(Clone, Debug)]
pub struct Started {
    /// Send the user's browser here.
    pub authorization_url: String,
    /// The `state` the callback will carry.
    pub state: String,
    /// When the sign-in must have come back.
    pub expires_at: DateTime<Utc>,
}

/// A finished sign-in: the platform's session (with a refresh token) and the provider's ID
/// token.
#[derive(Clone, Debug)]
pub struct Completed {
    /// The session.
    pub session: IssuedSession,
    /// The provider's ID token, as it sent it.
    pub id_token: String,
}

fn random(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

fn config(deps: &AccountsDeps) -> ApiResult<&OidcLoginConfig> {
    deps.config.oidc_login.as_ref().ok_or_else(|| {
        ApiError::Forbidden(
            "sign-in through an identity provider is not configured here; log in with email \
             and password"
                .into(),
        )
    })
}

/// Starts a sign-in: the provider's authorization URL to send the browser to. The provider
/// sends the person back to `redirect_uri` when given (one of the configured
/// `app_redirect_uris`), else to the configured `redirect_uri`.
pub async fn start(deps: &AccountsDeps, redirect_uri: Option<&str>) -> ApiResult<Started> {
    let config = config(deps)?;
    let app_redirect = match redirect_uri {
        None => None,
        Some(uri) if uri == config.redirect_uri => None,
        Some(uri)
            if config
                .app_redirect_uris
                .iter()
                .any(|allowed| allowed == uri) =>
        {
            Some(uri.to_owned())
        }
        Some(_) => {
            return Err(ApiError::bad_input(
                "redirectUri",
                "this callback is not one the platform's identity provider settings allow \
                 (accounts.oidc_login.app_redirect_uris)",
            ));
        }
    };
    let callback = app_redirect.as_deref().unwrap_or(&config.redirect_uri);
    let state = random(24);
    let verifier = random(32);
    let nonce = random(24);
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
    let now = Utc::now();
    let expires_at = now + Duration::seconds(config.login_ttl_seconds);
    let mut url = reqwest::Url::parse(&config.authorization_endpoint)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("oidc authorization_endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", callback)
        .append_pair("scope", &config.scopes)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let mut conn = deps.conn().await?;
    // Sign-ins never finished are dropped a day after they expire.
    db::oidc_logins::delete_expired(&mut conn, now - Duration::days(1)).await?;
    db::oidc_logins::insert(
        &mut conn,
        &OidcLoginRow {
            state_hash: secret_hash(&state),
            code_verifier: verifier,
            nonce,
            created_at: now,
            expires_at,
            used_at: None,
            redirect_uri: app_redirect,
        },
    )
    .await?;
    Ok(Started {
        authorization_url: url.to_string(),
        state,
        expires_at,
    })
}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

/// The ID token claims used.
#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
    nonce: Option<String>,
}

/// Finishes the sign-in that sent `state`, with the provider's `code`.
pub async fn complete(deps: &AccountsDeps, code: &str, state: &str) -> ApiResult<Completed> {
    let config = config(deps)?;
    let refused = |why: &str| ApiError::Unauthenticated(format!("sign-in failed: {why}"));
    let mut conn = deps.conn().await?;
    let Some(login) = db::oidc_logins::take(&mut conn, &secret_hash(state), Utc::now()).await?
    else {
        return Err(refused(
            "unknown, expired or already used state; start the sign-in again",
        ));
    };
    drop(conn);
    let http = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(ApiError::internal)?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        (
            "redirect_uri",
            login
                .redirect_uri
                .as_deref()
                .unwrap_or(&config.redirect_uri),
        ),
        ("client_id", config.client_id.as_str()),
        ("code_verifier", login.code_verifier.as_str()),
    ];
    if let Some(secret) = &config.client_secret {
        form.push(("client_secret", secret.expose().as_str()));
    }
    let response = http
        .post(&config.token_endpoint)
        .form(&form)
        .send()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the identity provider did not answer: {e}")))?;
    if !response.status().is_success() {
        tracing::warn!(status = %response.status(), "the identity provider refused a code");
        return Err(refused("the identity provider refused the code"));
    }
    let answer: TokenAnswer = response
        .json()
        .await
        .map_err(|_| refused("the identity provider's answer was not understood"))?;
    let id_token = answer
        .id_token
        .ok_or_else(|| refused("the identity provider sent no ID token"))?;
    let claims = verify_id_token(&http, config, &id_token).await?;
    if claims.nonce.as_deref() != Some(login.nonce.as_str()) {
        return Err(refused(
            "the ID token does not belong to this sign-in (nonce)",
        ));
    }
    if claims.email_verified == Some(false) {
        return Err(refused(
            "verify your email address at the identity provider first",
        ));
    }
    let email = claims
        .email
        .ok_or_else(|| refused("the ID token carries no email (ask for the `email` scope)"))?;
    let user_id = provision_oidc_user(
        deps,
        &config.issuer,
        &claims.sub,
        &email,
        claims.name.as_deref(),
    )
    .await?;
    let mut conn = deps.conn().await?;
    let user = db::users::by_ids(&mut conn, &[user_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("user"))?;
    drop(conn);
    let session = super::refresh::sign_in(deps, &user).await?;
    Ok(Completed { session, id_token })
}

/// Verifies an ID token against the provider's keys: an asymmetric signature, issuer,
/// audience (our client id) and expiry.
async fn verify_id_token(
    http: &reqwest::Client,
    config: &OidcLoginConfig,
    token: &str,
) -> ApiResult<IdClaims> {
    let refused = |why: &str| ApiError::Unauthenticated(format!("sign-in failed: {why}"));
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| refused("the ID token is malformed"))?;
    // A symmetric algorithm would let anyone holding the client secret sign tokens.
    if matches!(
        header.alg,
        jsonwebtoken::Algorithm::HS256
            | jsonwebtoken::Algorithm::HS384
            | jsonwebtoken::Algorithm::HS512
    ) {
        return Err(refused(
            "the ID token must be signed with the provider's key",
        ));
    }
    let jwks: JwkSet = http
        .get(&config.jwks_url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| ApiError::Unavailable(format!("the identity provider's keys: {e}")))?
        .json()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the identity provider's keys: {e}")))?;
    let jwk = match header.kid.as_deref() {
        Some(kid) => jwks.find(kid),
        None => jwks.keys.first(),
    }
    .ok_or_else(|| refused("the ID token is signed by an unknown key"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| refused("the provider's key is unusable"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[&config.client_id]);
    validation.set_issuer(&[&config.issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|_| refused("the ID token is invalid or expired"))
}
