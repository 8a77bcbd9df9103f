//! The credential a client presents, read the same way from HTTP headers and from a
//! WebSocket `connection_init`: `x-mediamagic-key`, else `Authorization: Bearer <token>`.

use super::{
    API_KEY_HEADER,
    credentials::{CredentialChecker, CredentialError, Identity},
};
use hive_router::ntex::http::HeaderMap;

/// A presented credential, not yet checked.
pub enum ClientCredential {
    /// An API key (`x-mediamagic-key`).
    ApiKey(String),
    /// A bearer token: a session token, or an OIDC JWT when configured.
    Bearer(String),
}

impl ClientCredential {
    /// The credential in `headers`; `Ok(None)` without one (other `Authorization` schemes,
    /// such as Basic for the converter's log-in, are not the router's to check).
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, &'static str> {
        const NOT_ASCII: &str = "credential headers must be ASCII";
        if let Some(key) = headers.get(API_KEY_HEADER) {
            let key = key.to_str().map_err(|_| NOT_ASCII)?;
            return Ok(Some(Self::ApiKey(key.to_owned())));
        }
        let Some(authorization) = headers.get("authorization") else {
            return Ok(None);
        };
        let raw = authorization.to_str().map_err(|_| NOT_ASCII)?.trim();
        Ok(match raw.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Some(Self::Bearer(token.trim().to_owned()))
            }
            _ => None,
        })
    }

    /// Removes every credential header (they stop at the router).
    pub fn remove_from(headers: &mut HeaderMap) {
        headers.remove(API_KEY_HEADER);
        headers.remove("authorization");
    }

    /// Checks the credential.
    pub async fn check(&self, checker: &CredentialChecker) -> Result<Identity, CredentialError> {
        match self {
            Self::ApiKey(key) => checker.api_key(key).await,
            Self::Bearer(token) => checker.bearer(token).await,
        }
    }
}
