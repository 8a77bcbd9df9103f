//! The media operations, shared by GraphQL and the REST upload endpoint. Each takes the acting
//! account explicitly; everything is scoped to it (another account's media is NOT_FOUND).

pub mod direct;
pub mod media;
pub mod parts;
pub mod quotas;
pub mod retention;
pub mod storage_check;
pub mod tags;
pub mod uploads;

use crate::MediaDeps;
use mediamagic_kit::{ApiError, ApiResult, db::DbConn};

impl MediaDeps {
    /// A pooled connection, or INTERNAL.
    pub(crate) async fn conn(&self) -> ApiResult<DbConn> {
        self.pool.get().await.map_err(ApiError::from)
    }
}

/// INTERNAL from a storage failure (detail logged, never sent).
pub(crate) fn storage_error(err: crate::storage::StorageError) -> ApiError {
    ApiError::internal(anyhow::anyhow!(err))
}
