//! Credentials of graphql-ws (graphql-transport-ws) clients, through the patched router's
//! `on_websocket_message` hook (vendor/hive-router/PATCHES.md).
//!
//! A web app's WebSocket client sends its credential in `connection_init` (`Authorization:
//! Bearer ...` or `x-mediamagic-key`, in any letter case, at the top level or under
//! `headers`): it is checked before the connection is acknowledged (refused: close 4403), and
//! again on every `subscribe`, exactly as an HTTP request's headers are; the operation then
//! runs with an internal token in place of the client's credential. A connection holds at most
//! `max_subscriptions_per_connection` subscriptions at once (`RATE_LIMITED` past it).
//! Clients of the older token trade (`/auth/subscription-token`) send no credential here, only
//! their subscriptions token, which passes on to the subgraphs that check it.

use super::{
    client_credential::ClientCredential,
    credentials::{CredentialChecker, CredentialError},
};
use hive_router::{
    GraphQLError,
    http::HeaderName,
    plugins::hooks::on_websocket_message::{
        OnWebSocketMessagePayload, OnWebSocketMessageResult, WebSocketMessageKind,
    },
};
use mediamagic_kit::auth::INTERNAL_TOKEN_HEADER;

/// Answers one WebSocket message: checks its credential and, for `subscribe`, swaps it for an
/// internal token.
pub async fn on_message(
    checker: &CredentialChecker,
    max_subscriptions_per_connection: usize,
    payload: &mut OnWebSocketMessagePayload<'_>,
) -> OnWebSocketMessageResult {
    if payload.kind == WebSocketMessageKind::Subscribe
        && payload.active_subscriptions >= max_subscriptions_per_connection
    {
        return refuse(
            &format!(
                "at most {max_subscriptions_per_connection} subscriptions may be open on one \
                 connection; complete one first or open another connection"
            ),
            "RATE_LIMITED",
        );
    }
    let headers = &mut *payload.headers;
    let credential = match ClientCredential::from_headers(headers) {
        Ok(Some(credential)) => credential,
        // No credential: anonymous, or a subscriptions token from the token trade.
        Ok(None) => return OnWebSocketMessageResult::Proceed,
        Err(message) => return refuse(message, "UNAUTHENTICATED"),
    };
    let identity = match credential.check(checker).await {
        Ok(identity) => identity,
        Err(CredentialError::Rejected(message)) => return refuse(message, "UNAUTHENTICATED"),
        Err(err @ CredentialError::Unavailable(_)) => {
            tracing::error!(error = %err, "credential check failed");
            return refuse(
                "credentials cannot be checked right now; try again",
                "UNAVAILABLE",
            );
        }
    };
    if payload.kind == WebSocketMessageKind::ConnectionInit {
        return OnWebSocketMessageResult::Proceed;
    }
    let token = match checker.internal_token(&identity) {
        Ok(token) => token,
        Err(err) => {
            tracing::error!(error = %err, "could not mint an internal token");
            return refuse("internal error", "INTERNAL");
        }
    };
    let Ok(value) = token.parse() else {
        return refuse("internal error", "INTERNAL");
    };
    // The client's credential stops here; only the router speaks for a caller.
    ClientCredential::remove_from(headers);
    headers.insert(HeaderName::from_static(INTERNAL_TOKEN_HEADER), value);
    OnWebSocketMessageResult::Proceed
}

fn refuse(message: &str, code: &str) -> OnWebSocketMessageResult {
    OnWebSocketMessageResult::Refuse(GraphQLError::from_message_and_code(message, code))
}
