//! The worker's error type: what went wrong while preparing, running or registering a run,
//! classified so the pipeline knows whether a retry can help.

use mediamagic_kit::ApiError;

/// Why a step of a run failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The media service failed or could not be reached (retrying may help).
    #[error("media service: {0}")]
    Media(String),
    /// The media service refused the request for good (an input deleted, an output refused).
    #[error("{0}")]
    Rejected(String),
    /// The jobs queue or the database failed.
    #[error("jobs: {0:?}")]
    Jobs(ApiError),
    /// The driver failed.
    #[error("driver: {0}")]
    Driver(String),
}

impl From<ApiError> for WorkerError {
    fn from(err: ApiError) -> Self {
        WorkerError::Jobs(err)
    }
}

impl From<diesel::result::Error> for WorkerError {
    fn from(err: diesel::result::Error) -> Self {
        WorkerError::Jobs(ApiError::from(err))
    }
}
