//! The models operations, shared by GraphQL and the REST surfaces. Each takes the acting
//! account explicitly and enforces its own rules.

pub mod catalogue;
pub mod models;

use crate::ModelsDeps;
use mediamagic_kit::{ApiError, ApiResult, db::DbConn};

impl ModelsDeps {
    /// A pooled connection, or INTERNAL.
    pub(crate) async fn conn(&self) -> ApiResult<DbConn> {
        self.pool.get().await.map_err(ApiError::from)
    }
}
