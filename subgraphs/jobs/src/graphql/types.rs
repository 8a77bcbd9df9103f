//! GraphQL object and input types of the jobs subgraph.

use super::loaders::{
    CallbackAttemptLoader, ControlLoader, DeploymentJobLoader, DeploymentLoader, load_failed,
};
use crate::{
    JobsDeps,
    db::{
        self,
        rows::{CallbackAttemptRow, DeploymentRow, JobRow, LogRow},
    },
    domain::JobStatus,
};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use mediamagic_kit::ApiError;
use uuid::Uuid;

/// A UUID argument, or BAD_USER_INPUT naming `field`.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    ApiError::parse_uuid(field, id)
}

/// A media file (owned by the media subgraph).
#[derive(SimpleObject, Clone)]
#[graphql(name = "Media", unresolvable = "id")]
pub struct MediaRef {
    /// The media's id.
    pub id: ID,
}

/// A model (owned by the models subgraph).
#[derive(SimpleObject, Clone)]
#[graphql(name = "Model", unresolvable = "id")]
pub struct ModelRef {
    /// The model's id.
    pub id: ID,
}

/// A model version (owned by the models subgraph).
#[derive(SimpleObject, Clone)]
#[graphql(name = "ModelVersion", unresolvable = "id")]
pub struct ModelVersionRef {
    /// The version's id.
    pub id: ID,
}

/// A model run with its arguments; it creates a job (seed 000's deployment).
pub struct Deployment(pub DeploymentRow);

#[Object]
impl Deployment {
    /// The deployment's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The model.
    async fn model(&self) -> ModelRef {
        ModelRef {
            id: ID(self.0.model_id.to_string()),
        }
    }
    /// The pinned model version.
    async fn model_version(&self) -> ModelVersionRef {
        ModelVersionRef {
            id: ID(self.0.model_version_id.to_string()),
        }
    }
    /// The pinned version number.
    async fn version(&self) -> i32 {
        self.0.model_version
    }
    /// The validated arguments (defaults filled in).
    async fn args(&self) -> Json<serde_json::Value> {
        Json(self.0.args.clone())
    }
    /// Where the job is POSTed when it finishes.
    async fn callback_url(&self) -> Option<&str> {
        self.0.callback_url.as_deref()
    }
    /// Whether the job is also POSTed when it starts.
    async fn callback_on_start(&self) -> bool {
        self.0.callback_on_start
    }
    /// Whether the result's proposed tags are added to the input media.
    async fn apply_tags(&self) -> bool {
        self.0.apply_tags
    }
    /// The idempotency key it was created with.
    async fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its job.
    async fn job(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Job>> {
        let loader = ctx.data::<DataLoader<DeploymentJobLoader>>()?;
        Ok(loader
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .map(Job))
    }
}

/// Why a job failed or was cancelled.
#[derive(SimpleObject, Clone, Debug)]
pub struct JobError {
    /// Stable code: `CANCELLED`, `DEADLINE_EXCEEDED`, `TIMEOUT`, `WORKER_LOST`,
    /// `INFRASTRUCTURE`, or the worker's code for a failed program.
    pub code: String,
    /// What happened, for people.
    pub message: String,
}

/// One attempt to deliver a callback.
pub struct CallbackAttempt(pub CallbackAttemptRow);

#[Object]
impl CallbackAttempt {
    /// `webhook-id` of the delivery (the same for its retries).
    async fn webhook_id(&self) -> &str {
        &self.0.webhook_id
    }
    /// `job.started` or `job.finished`.
    async fn event(&self) -> &str {
        &self.0.event
    }
    /// The URL it went to.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The receiver's HTTP status, when it answered.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    /// Why it failed, when it did.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Whether the receiver accepted it (2xx).
    async fn succeeded(&self) -> bool {
        self.0.error.is_none()
    }
    /// How long it took, in milliseconds.
    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }
    /// When it was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A run of a deployment against the cluster.
pub struct Job(pub JobRow);

#[Object]
impl Job {
    /// The job's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Where it is in its life.
    async fn status(&self) -> Option<JobStatus> {
        JobStatus::parse(&self.0.status)
    }
    /// Progress of the current run, 0 to 1.
    async fn progress(&self) -> f64 {
        self.0.progress
    }
    /// The latest progress message.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// While queued: how many jobs of the same machine type the fair-share claim order takes
    /// before it (0: next). Accounts take turns, so a new account's first job is near the
    /// front however long another account's backlog is.
    async fn queue_position(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        if self.0.status != JobStatus::Queued.as_str() {
            return Ok(None);
        }
        let deps = ctx.data::<JobsDeps>()?;
        let mut conn = deps.conn().await?;
        Ok(Some(
            db::jobs::queue_position(&mut conn, self.0.id)
                .await
                .map_err(ApiError::from)?,
        ))
    }
    /// While queued: when it should start, from its queue position, the slots live workers
    /// offer for its machine type and the mean run time of that type's recent jobs (a rough
    /// estimate: it ignores the time running jobs still need); `null` when no worker offers
    /// the type or nothing of it ran lately.
    async fn estimated_start_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<chrono::DateTime<chrono::Utc>>> {
        if self.0.status != JobStatus::Queued.as_str() {
            return Ok(None);
        }
        let deps = ctx.data::<JobsDeps>()?;
        let mut conn = deps.conn().await?;
        let position = db::jobs::queue_position(&mut conn, self.0.id)
            .await
            .map_err(ApiError::from)?;
        let (slots, seconds) = db::jobs::throughput(&mut conn, &self.0.machine_type)
            .await
            .map_err(ApiError::from)?;
        let (Some(seconds), true) = (seconds, slots > 0) else {
            return Ok(None);
        };
        // Every slot takes one job per mean run time; this one goes in round position/slots.
        let rounds = (position / slots) as f64;
        let wait = chrono::Duration::milliseconds((rounds * seconds * 1000.0) as i64);
        Ok(Some(chrono::Utc::now() + wait))
    }
    /// Runs started so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The machine type it runs on.
    async fn machine_type(&self) -> &str {
        &self.0.machine_type
    }
    /// Why it failed or was cancelled.
    async fn error(&self) -> Option<JobError> {
        let error = self.0.error.as_ref()?;
        Some(JobError {
            code: error["code"].as_str().unwrap_or("UNKNOWN").to_owned(),
            message: error["message"].as_str().unwrap_or_default().to_owned(),
        })
    }
    /// Whether a cancel was requested and the worker is stopping it.
    async fn cancel_requested(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let loader = ctx.data::<DataLoader<ControlLoader>>()?;
        Ok(loader
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .is_some_and(|c| c.cancel_requested_at.is_some() && !self.is_terminal()))
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the current run started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When it finished.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// Its deadline (from the deployment's `cancelAfter`).
    async fn deadline(&self) -> Option<DateTime<Utc>> {
        self.0.cancel_after
    }
    /// The structured result of a succeeded run, as its model's `result` schema declares
    /// it (`face-detect`: the faces with boxes and scores); null otherwise.
    async fn result(&self) -> Option<Json<serde_json::Value>> {
        self.0.result.clone().map(Json)
    }
    /// The media it produced (outputs deleted since show status `DELETED` and no URL).
    async fn outputs(&self) -> Vec<MediaRef> {
        self.0
            .outputs
            .iter()
            .map(|id| MediaRef {
                id: ID(id.to_string()),
            })
            .collect()
    }
    /// The deployment it runs.
    async fn deployment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Deployment>> {
        let loader = ctx.data::<DataLoader<DeploymentLoader>>()?;
        Ok(loader
            .load_one(self.0.deployment_id)
            .await
            .map_err(load_failed)?
            .map(Deployment))
    }
    /// The model version it runs.
    async fn model_version(&self) -> ModelVersionRef {
        ModelVersionRef {
            id: ID(self.0.model_version_id.to_string()),
        }
    }
    /// Every callback delivery attempt, oldest first.
    async fn callback_attempts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CallbackAttempt>> {
        let loader = ctx.data::<DataLoader<CallbackAttemptLoader>>()?;
        Ok(loader
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default()
            .into_iter()
            .map(CallbackAttempt)
            .collect())
    }
}

impl Job {
    fn is_terminal(&self) -> bool {
        JobStatus::parse(&self.0.status).is_some_and(JobStatus::is_terminal)
    }
}

/// A log line of a job (the worker subgraph serves it too, on `Job.logs`).
pub struct JobLogLine(pub LogRow);

#[Object(shareable)]
impl JobLogLine {
    /// Resume cursor: pass it as `after` to continue after this line.
    async fn cursor(&self) -> String {
        self.0.seq.to_string()
    }
    /// The run it came from.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// `stdout`, `stderr` or `system`.
    async fn stream(&self) -> &str {
        &self.0.stream
    }
    /// The text.
    async fn line(&self) -> &str {
        &self.0.line
    }
    /// When it was written.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// What to run.
#[derive(InputObject)]
pub struct CreateDeploymentInput {
    /// Display name (the model when absent).
    pub name: Option<String>,
    /// The model's id or catalogue slug (`audio-extract`).
    pub model: String,
    /// The version number to pin (the latest when absent).
    pub version: Option<i32>,
    /// Argument values by name, as the model's `args` declare them; file arguments take
    /// media ids of the acting account.
    pub args: Option<Json<serde_json::Value>>,
    /// Where to POST the job when it finishes (signed with `webhookSecret`).
    pub callback_url: Option<String>,
    /// Also POST when the job starts.
    pub callback_on_start: Option<bool>,
    /// Cancel the job when it has not finished in this long: `90s`, `5m`, `1h30m`.
    pub cancel_after: Option<String>,
    /// Add the tags the model's result proposes (`face-detect`: `face`) to the input media
    /// they describe, with lineage (`Media.tagLineage`). Only for models whose definition
    /// declares `result.tags`; BAD_USER_INPUT otherwise.
    pub apply_tags: Option<bool>,
}

/// Filters of `jobs`; all given ones apply.
#[derive(InputObject, Default)]
pub struct JobFilter {
    /// In one of these statuses.
    pub status: Option<Vec<JobStatus>>,
    /// Of deployments of this model.
    pub model: Option<ID>,
    /// Of this deployment.
    pub deployment: Option<ID>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
}

/// Parses a duration such as `90s`, `5m`, `1h30m` or `2d`.
pub fn parse_duration(raw: &str) -> Result<chrono::Duration, ApiError> {
    let bad = || ApiError::bad_input("cancelAfter", "use a duration such as 90s, 5m or 1h30m");
    let text = raw.trim();
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(chrono::Duration::seconds(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_replicates_cancel_after() {
        assert_eq!(parse_duration("90s").unwrap().num_seconds(), 90);
        assert_eq!(parse_duration("1h30m").unwrap().num_seconds(), 5400);
        assert_eq!(parse_duration("2d").unwrap().num_seconds(), 172_800);
        for bad in ["", "5", "m", "5x", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
