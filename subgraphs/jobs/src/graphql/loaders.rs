//! DataLoaders: deployments, jobs, control rows, a deployment's job and callback attempts
//! are fetched in batches. They load rows whoever owns them; resolvers check ownership.

use crate::{
    JobsDeps,
    db::{
        self,
        rows::{CallbackAttemptRow, ControlRow, DeploymentRow, JobRow},
    },
};
use async_graphql::dataloader::Loader;
use mediamagic_kit::ApiError;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

type LoadError = Arc<ApiError>;

/// A loader failure as a client error (its own code; internal detail goes to the log).
pub(crate) fn load_failed(err: LoadError) -> ApiError {
    ApiError::from_shared(&err, "loading")
}

/// Deployments by id.
pub struct DeploymentLoader(pub JobsDeps);
/// Jobs by id.
pub struct JobLoader(pub JobsDeps);
/// Control rows by job id.
pub struct ControlLoader(pub JobsDeps);
/// The (latest) job of each deployment.
pub struct DeploymentJobLoader(pub JobsDeps);
/// Callback attempts by job id.
pub struct CallbackAttemptLoader(pub JobsDeps);

impl Loader<Uuid> for DeploymentLoader {
    type Value = DeploymentRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, DeploymentRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::deployments::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for JobLoader {
    type Value = JobRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, JobRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::jobs::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ControlLoader {
    type Value = ControlRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, ControlRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::jobs::controls(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.job_id, r)).collect())
    }
}

impl Loader<Uuid> for DeploymentJobLoader {
    type Value = JobRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, JobRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::jobs::of_deployments(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        let mut latest = HashMap::new();
        // Newest first: the first row seen per deployment is its latest job.
        for row in rows {
            latest.entry(row.deployment_id).or_insert(row);
        }
        Ok(latest)
    }
}

impl Loader<Uuid> for CallbackAttemptLoader {
    type Value = Vec<CallbackAttemptRow>;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<CallbackAttemptRow>>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::callbacks::of_jobs(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        let mut by_job: HashMap<Uuid, Vec<CallbackAttemptRow>> = HashMap::new();
        for row in rows {
            by_job.entry(row.job_id).or_default().push(row);
        }
        Ok(by_job)
    }
}
