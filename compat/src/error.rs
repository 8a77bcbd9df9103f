//! The surfaces' one error type: what the client did wrong (or what the platform refused,
//! with its GraphQL code) mapped to an HTTP status and a JSON body
//! `{"error": {"code", "message"}}`. Upstream failures are logged, never sent.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// A request the surfaces answer with an error.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The request itself is malformed (not JSON, a missing field, a bad query parameter).
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than the surface accepts.
    #[error("{0}")]
    TooLarge(String),
    /// The thing asked for exists but is not ready yet (a conversion still running).
    #[error("{0}")]
    NotReady(String),
    /// The platform refused the operation; `code` is its GraphQL `extensions.code`.
    #[error("{message}")]
    Refused {
        /// Stable code (`NOT_FOUND`, `UNAUTHENTICATED`, ...).
        code: String,
        /// The platform's message, written for clients.
        message: String,
    },
    /// The router could not be reached or answered something unexpected.
    #[error("the platform did not answer as expected: {0}")]
    Upstream(String),
}

impl RestError {
    /// A refusal with `code`.
    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        Self::Refused {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// `NOT_FOUND` with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::refused("NOT_FOUND", message)
    }

    /// `UNAUTHENTICATED` with `message`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::refused("UNAUTHENTICATED", message)
    }

    /// The stable code clients see.
    pub fn code(&self) -> &str {
        match self {
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::TooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::NotReady(_) => "NOT_READY",
            Self::Refused { code, .. } => code,
            Self::Upstream(_) => "INTERNAL",
        }
    }

    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotReady(_) => StatusCode::CONFLICT,
            Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::Refused { code, .. } => status_of_code(code),
        }
    }
}

/// The HTTP status for a GraphQL error code.
pub fn status_of_code(code: &str) -> StatusCode {
    match code {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "CONFLICT" => StatusCode::CONFLICT,
        // Well-formed but unacceptable: the platform validated it and said no.
        "BAD_USER_INPUT" => StatusCode::UNPROCESSABLE_ENTITY,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        "PAYLOAD_TOO_LARGE" => StatusCode::PAYLOAD_TOO_LARGE,
        "BUDGET_EXCEEDED" => StatusCode::PAYMENT_REQUIRED,
        "QUOTA_EXCEEDED" => StatusCode::FORBIDDEN,
        "UNAVAILABLE" | "RUNTIME_MISSING" => StatusCode::SERVICE_UNAVAILABLE,
        // The router's own refusals of a malformed operation.
        "GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED" | "BAD_REQUEST" => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let message = match &self {
            Self::Upstream(detail) => {
                tracing::error!(error = %detail, "compat surface: upstream failure");
                "the platform is unavailable; try again".to_owned()
            }
            Self::Refused { code, message } if code == "INTERNAL" => {
                tracing::error!(%message, "compat surface: internal error upstream");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let status = self.status();
        let mut response = (
            status,
            Json(json!({"error": {"code": self.code(), "message": message}})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer, Basic realm=\"mediamagic\""),
            );
        }
        if matches!(self, Self::NotReady(_)) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_codes_map_to_the_statuses_rest_clients_expect() {
        assert_eq!(status_of_code("UNAUTHENTICATED"), StatusCode::UNAUTHORIZED);
        assert_eq!(status_of_code("FORBIDDEN"), StatusCode::FORBIDDEN);
        assert_eq!(status_of_code("NOT_FOUND"), StatusCode::NOT_FOUND);
        assert_eq!(status_of_code("CONFLICT"), StatusCode::CONFLICT);
        assert_eq!(
            status_of_code("BAD_USER_INPUT"),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of_code("RATE_LIMITED"),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            status_of_code("PAYLOAD_TOO_LARGE"),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            status_of_code("SOMETHING_NEW"),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn an_internal_upstream_error_never_reaches_the_client() {
        let response = RestError::Upstream("connection refused to 10.1.2.3".into()).into_response();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    }
}
