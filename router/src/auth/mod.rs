//! The `mediamagic_auth` plugin: verifies the client's credential on every request and
//! replaces it with an internal token for the subgraphs.
//!
//! The router config propagates only `x-mediamagic-internal` to subgraphs, and this plugin
//! removes any value a client sent for it before doing anything else.

pub mod client_credential;
pub mod config;
pub mod credentials;
pub mod local_view;
pub mod websocket;

use self::{
    client_credential::ClientCredential,
    config::AuthPluginConfig,
    credentials::{CredentialChecker, CredentialError},
};
use crate::{rate_limit::Caller, settings::setting};
use hive_router::{
    GraphQLError,
    http::StatusCode,
    plugins::{
        hooks::{
            on_http_request::{
                OnHttpRequestHookFuture, OnHttpRequestHookPayload, OnHttpRequestHookResult,
            },
            on_plugin_init::{OnPluginInitPayload, OnPluginInitResult},
            on_websocket_message::{OnWebSocketMessagePayload, OnWebSocketMessageResult},
        },
        plugin_trait::{RouterPlugin, StartHookPayload},
    },
};
use mediamagic_kit::{
    auth::INTERNAL_TOKEN_HEADER,
    tokens::{TokenIssuer, TokenVerifier},
};
use std::sync::Arc;

/// Header carrying an API key (seed 000).
pub const API_KEY_HEADER: &str = "x-mediamagic-key";

/// The auth plugin.
pub struct AuthPlugin {
    checker: Arc<CredentialChecker>,
    rest_paths: Vec<String>,
    subscription_token_path: String,
    internal_token_ttl_seconds: i64,
    max_subscriptions_per_connection: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("mediamagic_auth: {0}")]
struct InitError(String);

impl AuthPlugin {
    /// Builds the plugin from its config, with environment fallbacks for secrets.
    pub fn from_config(config: AuthPluginConfig) -> Result<Self, String> {
        let need = |value: Option<String>, name: &str| {
            value
                .ok_or_else(|| format!("`{name}` is not configured (plugin config or environment)"))
        };
        let root_public = need(
            setting(&config.root_public_key, "MEDIAMAGIC__AUTH__ROOT_PUBLIC_KEY"),
            "root_public_key",
        )?;
        let internal_private = need(
            setting(
                &config.internal_private_key,
                "MEDIAMAGIC__AUTH__INTERNAL_PRIVATE_KEY",
            ),
            "internal_private_key",
        )?;
        let internal_secret = need(
            setting(&config.internal_secret, "MEDIAMAGIC__AUTH__INTERNAL_SECRET"),
            "internal_secret",
        )?;
        let redis_url = need(
            setting(&config.redis_url, "MEDIAMAGIC__REDIS__URL"),
            "redis_url",
        )?;
        let accounts_url = need(
            setting(&config.accounts_url, "MEDIAMAGIC__AUTH__ACCOUNTS_URL"),
            "accounts_url",
        )?;
        let sessions = TokenVerifier::from_hex(&root_public).map_err(|e| e.to_string())?;
        let internal = TokenIssuer::from_hex(&internal_private).map_err(|e| e.to_string())?;
        Ok(Self {
            rest_paths: config.rest_paths.clone(),
            subscription_token_path: config.subscription_token_path.clone(),
            internal_token_ttl_seconds: config.internal_token_ttl_seconds,
            max_subscriptions_per_connection: config.max_subscriptions_per_connection,
            checker: Arc::new(CredentialChecker::new(
                sessions,
                internal,
                redis_url,
                accounts_url,
                internal_secret,
                config.internal_token_ttl_seconds,
                config.api_key_cache_seconds,
                config.oidc,
            )),
        })
    }
}

fn unauthenticated(message: &str) -> GraphQLError {
    GraphQLError::from_message_and_code(message, "UNAUTHENTICATED")
}

impl AuthPlugin {
    /// Refuses the request: a GraphQL error, or on a REST path (`rest_paths`) the REST
    /// surfaces' `{"error": {"code", "message"}}`, so each client sees one shape.
    fn refuse<'req>(
        &self,
        payload: OnHttpRequestHookPayload<'req>,
        error: GraphQLError,
        status: StatusCode,
    ) -> OnHttpRequestHookResult<'req> {
        let rest = crate::paths::under_any(&self.rest_paths, payload.router_http_request.path());
        if !rest {
            return payload.end_with_graphql_error(error, status);
        }
        let code = error
            .extensions
            .code
            .clone()
            .unwrap_or_else(|| "INTERNAL".to_owned());
        let body = serde_json::json!({"error": {"code": code, "message": error.message}});
        let mut response = hive_router::ntex::http::Response::build(status);
        response.header(
            hive_router::ntex::http::header::CONTENT_TYPE,
            "application/json",
        );
        if status == StatusCode::UNAUTHORIZED {
            response.header(
                hive_router::ntex::http::header::WWW_AUTHENTICATE,
                "Bearer, Basic realm=\"mediamagic\"",
            );
        }
        payload.end_with_response(response.body(body.to_string()))
    }

    fn is_token_request(&self, payload: &OnHttpRequestHookPayload<'_>) -> bool {
        let request = &payload.router_http_request;
        request.path() == self.subscription_token_path
            && request.method() == hive_router::http::Method::POST
    }
}

/// The subscription token answer: `{"token", "header", "expiresInSeconds"}`.
fn token_response(token: &str, ttl: i64) -> hive_router::ntex::http::Response {
    let body = serde_json::json!({
        "token": token,
        "header": INTERNAL_TOKEN_HEADER,
        "expiresInSeconds": ttl,
    });
    hive_router::ntex::http::Response::build(StatusCode::OK)
        .header(
            hive_router::ntex::http::header::CONTENT_TYPE,
            "application/json",
        )
        .header(hive_router::ntex::http::header::CACHE_CONTROL, "no-store")
        .body(body.to_string())
}

#[hive_router::async_trait]
impl RouterPlugin for AuthPlugin {
    type Config = AuthPluginConfig;

    fn plugin_name() -> &'static str {
        "mediamagic_auth"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        let plugin = Self::from_config(config).map_err(InitError)?;
        payload.initialize_plugin(plugin)
    }

    fn on_http_request<'req>(
        &'req self,
        mut payload: OnHttpRequestHookPayload<'req>,
    ) -> OnHttpRequestHookFuture<'req> {
        Box::pin(async move {
            let headers = payload.router_http_request.headers_mut();
            // Only the router may speak for a caller.
            headers.remove(INTERNAL_TOKEN_HEADER);
            let checked = match ClientCredential::from_headers(headers) {
                Ok(Some(credential)) => credential.check(&self.checker).await,
                Err(message) => Err(CredentialError::Rejected(message)),
                Ok(None) => {
                    if self.is_token_request(&payload) {
                        return self.refuse(
                            payload,
                            unauthenticated("send a session token or an API key"),
                            StatusCode::UNAUTHORIZED,
                        );
                    }
                    return payload.proceed();
                }
            };
            let identity = match checked {
                Ok(identity) => identity,
                Err(CredentialError::Rejected(message)) => {
                    return self.refuse(
                        payload,
                        unauthenticated(message),
                        StatusCode::UNAUTHORIZED,
                    );
                }
                Err(err @ CredentialError::Unavailable(_)) => {
                    tracing::error!(error = %err, "credential check failed");
                    return self.refuse(
                        payload,
                        GraphQLError::from_message_and_code(
                            "credentials cannot be checked right now; try again",
                            "UNAVAILABLE",
                        ),
                        StatusCode::SERVICE_UNAVAILABLE,
                    );
                }
            };
            payload.context.insert(Caller {
                account_id: identity.claims.account_id,
                account_kind: identity.claims.account_kind,
                credential: identity.credential.clone(),
            });
            let for_client = self.is_token_request(&payload);
            let minted = if for_client {
                self.checker.subscription_token(&identity)
            } else {
                self.checker.internal_token(&identity)
            };
            let token = match minted {
                Ok(token) => token,
                Err(err) => {
                    tracing::error!(error = %err, "could not mint an internal token");
                    return self.refuse(
                        payload,
                        GraphQLError::from_message_and_code("internal error", "INTERNAL"),
                        StatusCode::INTERNAL_SERVER_ERROR,
                    );
                }
            };
            if for_client {
                return payload
                    .end_with_response(token_response(&token, self.internal_token_ttl_seconds));
            }
            match token.parse() {
                Ok(value) => {
                    payload.router_http_request.headers_mut().insert(
                        hive_router::http::HeaderName::from_static(INTERNAL_TOKEN_HEADER),
                        value,
                    );
                }
                Err(_) => {
                    return self.refuse(
                        payload,
                        GraphQLError::from_message_and_code("internal error", "INTERNAL"),
                        StatusCode::INTERNAL_SERVER_ERROR,
                    );
                }
            }
            payload.proceed()
        })
    }

    async fn on_websocket_message<'exec>(
        &'exec self,
        payload: &mut OnWebSocketMessagePayload<'exec>,
    ) -> OnWebSocketMessageResult {
        websocket::on_message(
            &self.checker,
            self.max_subscriptions_per_connection,
            payload,
        )
        .await
    }
}
