//! A small OpenID Connect provider for tests (Auth0 stands in for it in seed 000): an
//! authorization endpoint that signs one configured user in at once and redirects back with
//! a code, a token endpoint that checks the code, client, redirect URI and PKCE verifier
//! (S256) and answers an Ed25519-signed ID token with the request's nonce, and its JWKS.

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// The user the provider signs in.
#[derive(Clone, Debug)]
pub struct ProviderUser {
    /// `sub`.
    pub subject: String,
    /// `email`.
    pub email: String,
    /// `name`.
    pub name: String,
}

/// A code waiting for its exchange.
#[derive(Clone, Debug)]
struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

#[derive(Clone)]
struct Provider {
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    user: ProviderUser,
    signing: Arc<jsonwebtoken::EncodingKey>,
    jwks: serde_json::Value,
    grants: Arc<Mutex<HashMap<String, Grant>>>,
    /// Token requests refused, with why (for tests to assert on).
    refusals: Arc<Mutex<Vec<String>>>,
}

/// A running provider.
pub struct OidcProvider {
    /// Its issuer URL (also the base of its endpoints).
    pub issuer: String,
    /// The client id it knows.
    pub client_id: String,
    /// The client secret it requires, if any.
    pub client_secret: Option<String>,
    refusals: Arc<Mutex<Vec<String>>>,
}

impl OidcProvider {
    /// Starts a provider for client `client_id` that signs `user` in.
    pub async fn start(client_id: &str, client_secret: Option<&str>, user: ProviderUser) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let key = biscuit_auth::KeyPair::new();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.public().to_bytes());
        let der = key.to_private_key_der().expect("der");
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let provider = Provider {
            issuer: issuer.clone(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.map(str::to_owned),
            user,
            signing: Arc::new(jsonwebtoken::EncodingKey::from_ed_der(&der)),
            jwks: json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "test-key", "alg": "EdDSA", "use": "sig"}]}),
            grants: Arc::default(),
            refusals: refusals.clone(),
        };
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/oauth/token", post(token))
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(provider);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            issuer,
            client_id: client_id.to_owned(),
            client_secret: client_secret.map(str::to_owned),
            refusals,
        }
    }

    /// The accounts service's settings for this provider, with `redirect_uri`.
    pub fn login_config(&self, redirect_uri: &str) -> mediamagic_accounts::config::OidcLoginConfig {
        serde_json::from_value(json!({
            "issuer": self.issuer,
            "authorization_endpoint": format!("{}/authorize", self.issuer),
            "token_endpoint": format!("{}/oauth/token", self.issuer),
            "jwks_url": format!("{}/.well-known/jwks.json", self.issuer),
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": redirect_uri,
        }))
        .expect("OIDC login settings")
    }

    /// Why token requests were refused so far.
    pub fn refusals(&self) -> Vec<String> {
        self.refusals.lock().expect("lock").clone()
    }
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// Signs the user in at once and sends the browser back with a code.
async fn authorize(
    State(provider): State<Provider>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    if query.response_type != "code" || query.client_id != provider.client_id {
        return (StatusCode::BAD_REQUEST, "unsupported request").into_response();
    }
    let (Some(challenge), Some("S256")) =
        (query.code_challenge, query.code_challenge_method.as_deref())
    else {
        return (StatusCode::BAD_REQUEST, "PKCE (S256) is required").into_response();
    };
    let code = uuid::Uuid::new_v4().to_string();
    provider.grants.lock().expect("lock").insert(
        code.clone(),
        Grant {
            client_id: query.client_id,
            redirect_uri: query.redirect_uri.clone(),
            challenge,
            nonce: query.nonce.unwrap_or_default(),
        },
    );
    let mut location = reqwest::Url::parse(&query.redirect_uri).expect("redirect_uri");
    location
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &query.state);
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    client_secret: Option<String>,
    code_verifier: String,
}

/// Exchanges a code (once) for an ID token.
async fn token(State(provider): State<Provider>, Form(form): Form<TokenForm>) -> Response {
    let refuse = |why: &str| {
        provider.refusals.lock().expect("lock").push(why.to_owned());
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    if form.grant_type != "authorization_code" {
        return refuse("grant_type");
    }
    let Some(grant) = provider.grants.lock().expect("lock").remove(&form.code) else {
        return refuse("unknown or used code");
    };
    if grant.client_id != form.client_id || grant.redirect_uri != form.redirect_uri {
        return refuse("client or redirect_uri mismatch");
    }
    if provider.client_secret.is_some() && provider.client_secret != form.client_secret {
        return refuse("client_secret");
    }
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(form.code_verifier.as_bytes()));
    if computed != grant.challenge {
        return refuse("PKCE verifier");
    }
    let now = chrono::Utc::now().timestamp();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some("test-key".into());
    let id_token = jsonwebtoken::encode(
        &header,
        &json!({
            "iss": provider.issuer, "aud": provider.client_id, "sub": provider.user.subject,
            "email": provider.user.email, "email_verified": true, "name": provider.user.name,
            "nonce": grant.nonce, "iat": now, "exp": now + 600,
        }),
        &provider.signing,
    )
    .expect("sign");
    Json(json!({
        "access_token": "provider-access-token", "id_token": id_token,
        "token_type": "Bearer", "expires_in": 600,
    }))
    .into_response()
}

async fn jwks(State(provider): State<Provider>) -> Json<serde_json::Value> {
    Json(provider.jwks)
}
