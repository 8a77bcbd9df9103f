//! One client-facing error type with stable `extensions.code` values.
//!
//! Variants other than [`ApiError::Internal`] carry a message written for the client.
//! `Internal` keeps its detail for the log only; the client sees a generic message.

use async_graphql::ErrorExtensions;

/// Result alias for resolvers and domain operations.
pub type ApiResult<T> = Result<T, ApiError>;

/// A client-safe error with a stable code.
///
/// It deliberately does not implement `Display`: async-graphql converts every `Display` type
/// into an error without a code, and this type must go through its own conversion.
#[derive(Debug)]
pub enum ApiError {
    /// No credential, or a credential that is not accepted.
    Unauthenticated(String),
    /// The credential is valid but may not do this.
    Forbidden(String),
    /// The resource does not exist for the acting account (never reveals existence).
    NotFound(String),
    /// Input that does not parse or breaks a rule; `field` names the input when known.
    BadUserInput {
        /// What is wrong, for the client.
        message: String,
        /// The input field at fault.
        field: Option<String>,
    },
    /// The request collides with existing state (duplicate email, already a member...).
    Conflict(String),
    /// Too many requests; try again later.
    RateLimited(String),
    /// The request body (an uploaded file) is over a configured size limit.
    PayloadTooLarge(String),
    /// Spending would pass the account's hard budget; the message carries the figures.
    BudgetExceeded(String),
    /// The account's storage quota or upload limit would be passed; the message carries the
    /// figures.
    QuotaExceeded(String),
    /// A dependency (the database) is down, hung or overloaded: nothing was done; retry.
    Unavailable(String),
    /// No live worker has the runtime the model needs (`vision`); the message says how an
    /// operator installs it. Nothing was queued.
    RuntimeMissing(String),
    /// Anything unexpected. The detail is logged, never sent.
    Internal(anyhow::Error),
}

impl ApiError {
    /// The message for the client (generic for internal errors).
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::RateLimited(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::BudgetExceeded(m)
            | ApiError::QuotaExceeded(m)
            | ApiError::Unavailable(m)
            | ApiError::RuntimeMissing(m) => m.clone(),
            ApiError::BadUserInput { message, .. } => message.clone(),
            ApiError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadUserInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::RateLimited(_) => "RATE_LIMITED",
            ApiError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            ApiError::BudgetExceeded(_) => "BUDGET_EXCEEDED",
            ApiError::QuotaExceeded(_) => "QUOTA_EXCEEDED",
            ApiError::Unavailable(_) => "UNAVAILABLE",
            ApiError::RuntimeMissing(_) => "RUNTIME_MISSING",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// BAD_USER_INPUT about one named input.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// A UUID argument, or BAD_USER_INPUT naming `field`.
    pub fn parse_uuid(field: &str, id: &str) -> Result<uuid::Uuid, Self> {
        uuid::Uuid::parse_str(id.trim())
            .map_err(|_| Self::bad_input(field, format!("{field} must be a UUID")))
    }

    /// NOT_FOUND for a resource kind, without saying whether it exists elsewhere.
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// An error shared by several waiters (a DataLoader's batch) as an owned one: client
    /// errors keep their code and message (a database outage stays UNAVAILABLE); internal
    /// ones keep their detail for the log, under `context`.
    pub fn from_shared(err: &ApiError, context: &str) -> Self {
        match err {
            ApiError::Unauthenticated(m) => ApiError::Unauthenticated(m.clone()),
            ApiError::Forbidden(m) => ApiError::Forbidden(m.clone()),
            ApiError::NotFound(m) => ApiError::NotFound(m.clone()),
            ApiError::BadUserInput { message, field } => ApiError::BadUserInput {
                message: message.clone(),
                field: field.clone(),
            },
            ApiError::Conflict(m) => ApiError::Conflict(m.clone()),
            ApiError::RateLimited(m) => ApiError::RateLimited(m.clone()),
            ApiError::PayloadTooLarge(m) => ApiError::PayloadTooLarge(m.clone()),
            ApiError::BudgetExceeded(m) => ApiError::BudgetExceeded(m.clone()),
            ApiError::QuotaExceeded(m) => ApiError::QuotaExceeded(m.clone()),
            ApiError::Unavailable(m) => ApiError::Unavailable(m.clone()),
            ApiError::RuntimeMissing(m) => ApiError::RuntimeMissing(m.clone()),
            ApiError::Internal(detail) => {
                ApiError::Internal(anyhow::anyhow!("{context}: {detail:?}"))
            }
        }
    }

    /// INTERNAL from anything that converts to `anyhow::Error`.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }

    /// The HTTP status that matches this error, for REST surfaces.
    pub fn http_status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BudgetExceeded(_) => StatusCode::PAYMENT_REQUIRED,
            // The account's limit, not the server's: 403 as S3 and GCS answer a full quota.
            ApiError::QuotaExceeded(_) => StatusCode::FORBIDDEN,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // Not the request's fault and not passing: this platform cannot run it now.
            ApiError::RuntimeMissing(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        // Text Postgres cannot store (a NUL character, in text or jsonb) is the client's
        // input, wherever it slipped past the request check.
        if let diesel::result::Error::DatabaseError(kind, info) = &err {
            let message = info.message();
            // The statement ran past its timeout, or the server went away under it (a
            // restart): a transaction that failed this way changed nothing. diesel-async
            // reports tokio-postgres's errors without an SQLSTATE (the connection closed or
            // broke, no answer in time) as `UnableToSendCommand` with their text.
            let connection_lost =
                matches!(kind, diesel::result::DatabaseErrorKind::UnableToSendCommand)
                    && (message.starts_with("connection closed")
                        || message.starts_with("error communicating with the server")
                        || message.starts_with("timeout waiting for server"));
            if message.contains("statement timeout")
                || message.contains("terminating connection")
                || message.starts_with("the database system is")
                || connection_lost
                || matches!(kind, diesel::result::DatabaseErrorKind::ClosedConnection)
            {
                tracing::warn!(error = %message, "database unavailable");
                return ApiError::Unavailable(DATABASE_UNAVAILABLE.into());
            }
            if message.contains("invalid byte sequence")
                || message.contains("unsupported Unicode escape sequence")
            {
                return ApiError::BadUserInput {
                    message: UNSTORABLE_TEXT.into(),
                    field: None,
                };
            }
        }
        ApiError::Internal(err.into())
    }
}

/// The message for text holding characters that cannot be stored.
pub const UNSTORABLE_TEXT: &str = "text may not contain NUL (U+0000) characters";

/// Whether a GraphQL request carries text that cannot be stored: a NUL character in its
/// query (raw or as a `\u0000` escape) or in any variable.
pub fn holds_unstorable_text(request: &async_graphql::Request) -> bool {
    fn value(v: &async_graphql::Value) -> bool {
        match v {
            async_graphql::Value::String(s) => s.contains('\0'),
            async_graphql::Value::List(items) => items.iter().any(value),
            async_graphql::Value::Object(fields) => fields
                .iter()
                .any(|(name, v)| name.as_str().contains('\0') || value(v)),
            _ => false,
        }
    }
    let query = &request.query;
    // Only a query holding a `\u` escape is lowercased and searched (most hold none).
    let escaped = query.contains("\\u") && {
        let lower = query.to_ascii_lowercase();
        let escapes = ["\\u0000", "\\u{0}", "\\u{00}", "\\u{000}", "\\u{0000}"];
        escapes.iter().any(|escape| lower.contains(escape))
    };
    query.contains('\0')
        || escaped
        || request
            .variables
            .iter()
            .any(|(name, v)| name.as_str().contains('\0') || value(v))
}

#[cfg(test)]
mod unstorable_tests {
    use super::*;

    #[test]
    fn nul_characters_anywhere_in_a_request_are_found() {
        let raw = async_graphql::Request::new("{ a(x: \"b\\u0000\") }");
        let braced = async_graphql::Request::new("{ a(x: \"b\\u{0}\") }");
        let variable = async_graphql::Request::new("{ a }").variables(
            async_graphql::Variables::from_json(serde_json::json!({"x": {"y": ["ok", "n\u{0}"]}})),
        );
        let clean = async_graphql::Request::new("{ a(x: \"b\\u0041\") }");

        assert!(holds_unstorable_text(&raw));
        assert!(holds_unstorable_text(&braced));
        assert!(holds_unstorable_text(&variable));
        assert!(!holds_unstorable_text(&clean));
    }
}

/// What clients are told when the database cannot answer in time.
pub const DATABASE_UNAVAILABLE: &str =
    "the database is unavailable or overloaded right now; nothing was changed, try again";

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        use diesel_async::pooled_connection::deadpool::PoolError;
        match err {
            // No connection within the pool's bounds: Postgres down, restarting or hung.
            PoolError::Timeout(_) | PoolError::Backend(_) => {
                tracing::warn!(error = %err, "database unavailable");
                ApiError::Unavailable(DATABASE_UNAVAILABLE.into())
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(err: redis::RedisError) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        if let ApiError::Internal(detail) = &err {
            tracing::error!(error = ?detail, "internal error");
        }
        let code = err.code();
        let field = match &err {
            ApiError::BadUserInput { field, .. } => field.clone(),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(
        kind: diesel::result::DatabaseErrorKind,
        message: &str,
    ) -> diesel::result::Error {
        diesel::result::Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_connection_lost_under_a_query_is_unavailable_not_internal() {
        use diesel::result::DatabaseErrorKind::{UnableToSendCommand, Unknown};
        // What diesel-async makes of tokio-postgres errors without an SQLSTATE (the server
        // went away under a pooled connection), and what a restarting server answers.
        for (kind, message) in [
            (UnableToSendCommand, "connection closed"),
            (
                UnableToSendCommand,
                "error communicating with the server: Connection reset by peer (os error 104)",
            ),
            (UnableToSendCommand, "timeout waiting for server"),
            (Unknown, "the database system is shutting down"),
            (Unknown, "the database system is starting up"),
            (
                Unknown,
                "terminating connection due to administrator command",
            ),
        ] {
            let err = ApiError::from(database_error(kind, message));
            assert!(
                matches!(err, ApiError::Unavailable(_)),
                "{message}: {err:?}"
            );
        }
        // A client-side bug stays INTERNAL.
        let err = ApiError::from(database_error(
            UnableToSendCommand,
            "error serializing parameter 0",
        ));
        assert!(matches!(err, ApiError::Internal(_)), "{err:?}");
    }

    #[test]
    fn internal_errors_hide_their_detail_from_clients() {
        let err: async_graphql::Error =
            ApiError::internal(anyhow::anyhow!("password=hunter2 connection refused")).into();
        assert_eq!(err.message, "internal error");
        let ext = err.extensions.unwrap();
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("INTERNAL"))
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        let err: async_graphql::Error = ApiError::bad_input("email", "not an email").into();
        let ext = err.extensions.unwrap();
        assert_eq!(ext.get("field"), Some(&async_graphql::Value::from("email")));
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
    }
}
