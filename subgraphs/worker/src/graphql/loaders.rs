//! DataLoaders: jobs (scoped to the asking account) and their runs, in batches.

use crate::{WorkerDeps, db, db::rows::RunRow};
use async_graphql::dataloader::Loader;
use mediamagic_jobs::{JobRow, commands::queue};
use mediamagic_kit::ApiError;
use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};
use uuid::Uuid;

type LoadError = Arc<ApiError>;

/// A loader failure as a client error (its own code; internal detail goes to the log).
pub(crate) fn load_failed(err: LoadError) -> ApiError {
    ApiError::from_shared(&err, "loading")
}

/// A job as one account asks for it: `(owner, job)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnedJob(pub Uuid, pub Uuid);

/// Jobs by `(owner, id)`: another account's jobs are absent.
pub struct OwnedJobLoader(pub WorkerDeps);
/// Every run of a job, oldest first.
pub struct RunLoader(pub WorkerDeps);

impl Loader<OwnedJob> for OwnedJobLoader {
    type Value = JobRow;
    type Error = LoadError;
    async fn load(&self, keys: &[OwnedJob]) -> Result<HashMap<OwnedJob, JobRow>, LoadError> {
        let owners: BTreeSet<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut found = HashMap::new();
        for owner in owners {
            let ids: Vec<Uuid> = keys.iter().filter(|k| k.0 == owner).map(|k| k.1).collect();
            for job in queue::owned_jobs(&self.0.jobs, owner, &ids).await? {
                found.insert(OwnedJob(owner, job.id), job);
            }
        }
        Ok(found)
    }
}

impl Loader<Uuid> for RunLoader {
    type Value = Vec<RunRow>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<RunRow>>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::runs::of_jobs(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        let mut by_job: HashMap<Uuid, Vec<RunRow>> = HashMap::new();
        for row in rows {
            by_job.entry(row.job_id).or_default().push(row);
        }
        Ok(by_job)
    }
}
