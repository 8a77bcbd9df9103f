//! The jobs operations, shared by GraphQL, the event handlers and the worker. Each takes the
//! acting account explicitly where one acts; everything is scoped to it (another account's
//! deployments and jobs are NOT_FOUND).

pub mod callbacks;
pub mod deployments;
pub mod finisher;
pub mod jobs;
pub mod queue;
pub mod retention;
pub mod sweep;
pub mod webhook_secrets;

use crate::JobsDeps;
use mediamagic_kit::{ApiError, ApiResult, db::DbConn};

impl JobsDeps {
    /// A pooled connection, or INTERNAL.
    pub(crate) async fn conn(&self) -> ApiResult<DbConn> {
        self.pool.get().await.map_err(ApiError::from)
    }
}
