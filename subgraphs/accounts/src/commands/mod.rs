//! The accounts operations, shared by GraphQL and the REST surfaces. Each takes the acting
//! account explicitly and enforces its own rules.

pub mod admins;
pub mod auth;
pub mod keys;
pub mod members;
pub mod oidc_login;
pub mod refresh;
pub mod retention;
pub mod teams;

use mediamagic_kit::{ApiError, ApiResult, db::DbConn};

use crate::AccountsDeps;

impl AccountsDeps {
    /// A pooled connection, or INTERNAL.
    pub(crate) async fn conn(&self) -> ApiResult<DbConn> {
        self.pool.get().await.map_err(ApiError::from)
    }
}

/// SHA-256 hex of a secret (API keys, invite tokens): high-entropy secrets need no slow hash.
pub(crate) fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}
