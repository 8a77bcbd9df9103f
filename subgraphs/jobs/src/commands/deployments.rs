//! Creating and reading deployments. A deployment pins a model version, validates its args
//! with the models library (file arguments are checked with the media subgraph) and queues
//! its job in the same transaction; an idempotency key makes a retried request return the
//! first deployment.

use crate::{
    JobsDeps,
    db::{
        self,
        rows::{ControlRow, DeploymentRow, JobRow},
    },
    domain::{Callbacks, JobStatus, callback},
    media_client,
};
use chrono::{DateTime, Duration, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use mediamagic_models::{
    commands::models::pin_version,
    domain::args::{ArgError, ArgValue},
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a client asks for.
#[derive(Clone, Debug, Default)]
pub struct DeploymentRequest {
    /// Display name (the model's name when absent).
    pub name: Option<String>,
    /// Model id or catalogue slug.
    pub model: String,
    /// Version number (the latest when absent).
    pub version: Option<i32>,
    /// Argument values by name.
    pub args: Map<String, Value>,
    /// Where to POST the job when it finishes.
    pub callback_url: Option<String>,
    /// Also POST when the job starts.
    pub callback_on_start: bool,
    /// Cancel the job when it has not finished after this long.
    pub cancel_after: Option<Duration>,
    /// Makes retries of the same request return the same deployment.
    pub idempotency_key: Option<String>,
    /// Add the tags the model's result proposes to the input media it names (only for
    /// models that declare `result.tags`).
    pub apply_tags: bool,
}

/// Why a deployment was refused: one error per bad argument, or one other error.
#[derive(Debug)]
pub enum DeploymentError {
    /// Argument errors, each naming its argument.
    Args(Vec<ArgError>),
    /// Anything else.
    Other(ApiError),
}

impl From<ApiError> for DeploymentError {
    fn from(err: ApiError) -> Self {
        DeploymentError::Other(err)
    }
}

impl From<diesel::result::Error> for DeploymentError {
    fn from(err: diesel::result::Error) -> Self {
        DeploymentError::Other(err.into())
    }
}

fn request_hash(request: &DeploymentRequest) -> String {
    let mut canonical = json!({
        "name": request.name,
        "model": request.model,
        "version": request.version,
        "args": request.args,
        "callback_url": request.callback_url,
        "callback_on_start": request.callback_on_start,
        "cancel_after": request.cancel_after.map(|d| d.num_seconds()),
    });
    // Only when set, so hashes of requests made before the field existed stay the same.
    if request.apply_tags {
        canonical["apply_tags"] = Value::Bool(true);
    }
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Creates a deployment and queues its job; with an idempotency key already used by the
/// acting account, returns that deployment (CONFLICT when the request differs).
pub async fn create_deployment(
    deps: &JobsDeps,
    actor: &Actor,
    internal_token: &str,
    request: DeploymentRequest,
) -> Result<DeploymentRow, DeploymentError> {
    actor.require_scope(Scope::Write)?;
    let hash = request_hash(&request);
    if let Some(key) = &request.idempotency_key {
        if key.is_empty() || key.len() > 200 {
            return Err(ApiError::bad_input("idempotencyKey", "use 1 to 200 characters").into());
        }
        let mut conn = deps.conn().await?;
        if let Some(existing) = db::deployments::by_key(&mut conn, actor.account_id, key).await? {
            return same_request(existing, &hash);
        }
    }
    let name = request.name.as_deref().map(str::trim).map(str::to_owned);
    if name
        .as_deref()
        .is_some_and(|n| n.is_empty() || n.chars().count() > 200)
    {
        return Err(ApiError::bad_input("name", "the name must be 1 to 200 characters").into());
    }
    let (model_id, pinned) =
        pin_version(&deps.models, actor, &request.model, request.version).await?;
    let values = pinned
        .run
        .args
        .validate(&request.args)
        .map_err(DeploymentError::Args)?;
    check_files(deps, internal_token, &pinned.run.args, &values).await?;
    if request.apply_tags
        && pinned
            .run
            .result
            .as_ref()
            .and_then(|r| r.tags.as_ref())
            .is_none()
    {
        return Err(ApiError::bad_input(
            "applyTags",
            "this model's result proposes no tags (its definition declares no `result.tags`)",
        )
        .into());
    }
    if let Some(runtime) = &pinned.run.runtime {
        check_runtime(deps, &pinned.run.machine_type, runtime).await?;
    }
    let callback_url = match &request.callback_url {
        Some(raw) => {
            let url = callback::parse_url(raw)?;
            callback::check_destination(&url, deps.config.allow_private_callbacks)
                .await
                .map_err(|message| ApiError::bad_input("callbackUrl", message))?;
            Some(url.to_string())
        }
        None => None,
    };
    let cancel_after = match request.cancel_after {
        Some(after) if after <= Duration::zero() => {
            return Err(ApiError::bad_input("cancelAfter", "must be a positive duration").into());
        }
        Some(after) if after.num_seconds() > deps.config.max_cancel_after_seconds => {
            return Err(ApiError::bad_input(
                "cancelAfter",
                format!("at most {} seconds", deps.config.max_cancel_after_seconds),
            )
            .into());
        }
        Some(after) => Some(Utc::now() + after),
        None => None,
    };
    let now = Utc::now();
    let args: Map<String, Value> = values
        .iter()
        .map(|(name, value)| (name.clone(), arg_json(value)))
        .collect();
    let deployment = DeploymentRow {
        id: Uuid::now_v7(),
        owner_id: actor.account_id,
        owner_kind: actor.account_kind.as_str().to_owned(),
        name: name.unwrap_or_else(|| request.model.trim().to_owned()),
        model_id,
        model_version_id: pinned.version_id,
        model_version: pinned.version,
        args: Value::Object(args),
        callback_url,
        callback_on_start: request.callback_on_start,
        idempotency_key: request.idempotency_key.clone(),
        request_hash: hash.clone(),
        created_at: now,
        apply_tags: request.apply_tags,
    };
    let job = new_job(&deployment, &pinned.run.machine_type, cancel_after, now);
    let control = ControlRow {
        job_id: job.id,
        queued_at: now,
        timeout_seconds: pinned.run.timeout_seconds.max(1),
        max_attempts: deps.config.max_attempts.max(1),
        worker_id: None,
        lease_expires_at: None,
        cancel_requested_at: None,
        cancel_reason: None,
        updated_at: now,
        trace_context: mediamagic_kit::telemetry::current_trace()
            .map(|(trace_id, span_id)| json!({"trace_id": trace_id, "span_id": span_id})),
    };
    let (row, inserted_job) = {
        let deployment = deployment.clone();
        let currency = deps.currency.clone();
        transaction(&deps.pool, move |conn| {
            async move {
                // A hard budget refuses the deployment before anything is queued, in the
                // transaction that queues it (admissions of one account take turns).
                mediamagic_billing::commands::budgets::admit_in(
                    conn,
                    deployment.owner_id,
                    deployment.model_version_id,
                    &currency,
                    Utc::now(),
                )
                .await?;
                if !db::deployments::insert(conn, &deployment).await? {
                    // A concurrent request with the same key won the race.
                    let key = deployment.idempotency_key.as_deref().unwrap_or_default();
                    let existing = db::deployments::by_key(conn, deployment.owner_id, key)
                        .await?
                        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("lost deployment")))?;
                    return Ok((existing, None));
                }
                db::jobs::insert(conn, &job, &control).await?;
                Ok((deployment, Some(job)))
            }
            .scope_boxed()
        })
        .await?
    };
    match inserted_job {
        Some(job) => {
            deps.hub.job_changed(job.id, job.owner_id).await;
            deps.hub.job_queued(job.id, &job.machine_type).await;
            Ok(row)
        }
        None => same_request(row, &hash),
    }
}

fn same_request(existing: DeploymentRow, hash: &str) -> Result<DeploymentRow, DeploymentError> {
    if existing.request_hash == hash {
        Ok(existing)
    } else {
        Err(
            ApiError::Conflict("this idempotency key was used for a different request".into())
                .into(),
        )
    }
}

fn new_job(
    deployment: &DeploymentRow,
    machine_type: &str,
    cancel_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> JobRow {
    JobRow {
        id: Uuid::now_v7(),
        deployment_id: deployment.id,
        owner_id: deployment.owner_id,
        owner_kind: deployment.owner_kind.clone(),
        model_version_id: deployment.model_version_id,
        machine_type: machine_type.to_owned(),
        status: JobStatus::Queued.as_str().to_owned(),
        progress: 0.0,
        message: None,
        attempts: 0,
        error: None,
        outputs: Vec::new(),
        cancel_after,
        created_at: now,
        started_at: None,
        finished_at: None,
        result: None,
        callbacks: Callbacks::of(
            deployment.callback_url.as_deref(),
            deployment.callback_on_start,
        )
        .as_str()
        .to_owned(),
    }
}

/// RUNTIME_MISSING unless a live worker offering `machine_type` has `runtime` installed:
/// such a job would otherwise wait for a worker that can never run it.
async fn check_runtime(deps: &JobsDeps, machine_type: &str, runtime: &str) -> ApiResult<()> {
    let mut conn = deps.conn().await?;
    if db::jobs::runtime_offered(&mut conn, machine_type, runtime).await? {
        return Ok(());
    }
    Err(ApiError::RuntimeMissing(format!(
        "no live worker for machine type `{machine_type}` has the `{runtime}` runtime; an \
         operator installs it on a worker with `scripts/install-runtime.sh {runtime}` (its \
         directory, /opt/mediamagic/runtimes/{runtime} by default, must be in \
         worker.program_dirs)"
    )))
}

fn arg_json(value: &ArgValue) -> Value {
    match value {
        ArgValue::File(s) | ArgValue::Text(s) => Value::String(s.clone()),
        ArgValue::Number(n) => json!(n),
        ArgValue::Int(n) => json!(n),
        ArgValue::Bool(b) => json!(b),
    }
}

/// File arguments must be live media of the acting account, of an accepted kind.
async fn check_files(
    deps: &JobsDeps,
    internal_token: &str,
    schema: &mediamagic_models::domain::args::ArgSchema,
    values: &std::collections::BTreeMap<String, ArgValue>,
) -> Result<(), DeploymentError> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in values {
        if let ArgValue::File(raw) = value {
            match Uuid::parse_str(raw) {
                Ok(id) => files.push((name.clone(), id)),
                Err(_) => errors.push(ArgError {
                    argument: name.clone(),
                    message: "expected a media id (a UUID)".into(),
                }),
            }
        }
    }
    if !errors.is_empty() {
        return Err(DeploymentError::Args(errors));
    }
    let ids: Vec<Uuid> = files.iter().map(|(_, id)| *id).collect();
    let found = media_client::lookup(&deps.http, &deps.media_url, internal_token, &ids).await?;
    for ((name, id), facts) in files.iter().zip(found) {
        let Some(facts) = facts else {
            return Err(
                ApiError::NotFound(format!("media {id} (argument `{name}`) not found")).into(),
            );
        };
        if facts.status != "LIVE" {
            errors.push(ArgError {
                argument: name.clone(),
                message: format!("media {id} is {}, not live", facts.status.to_lowercase()),
            });
            continue;
        }
        let kinds = schema.0.get(name).and_then(|spec| spec.kinds.clone());
        if let Some(kinds) = kinds
            && !kinds.iter().any(|k| k.eq_ignore_ascii_case(&facts.kind))
        {
            errors.push(ArgError {
                argument: name.clone(),
                message: format!(
                    "media {id} is {}; accepted: {}",
                    facts.kind.to_lowercase(),
                    kinds.join(", ")
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DeploymentError::Args(errors))
    }
}

/// The acting account's deployment `id`, or NOT_FOUND.
pub async fn get_deployment(deps: &JobsDeps, actor: &Actor, id: Uuid) -> ApiResult<DeploymentRow> {
    let mut conn = deps.conn().await?;
    db::deployments::by_ids(&mut conn, &[id])
        .await?
        .into_iter()
        .find(|d| d.owner_id == actor.account_id)
        .ok_or_else(|| ApiError::not_found("deployment"))
}

/// The acting account's deployment made with idempotency key `key`, if any (a client checks
/// before redoing expensive preparation, such as an upload, for a retried request).
pub async fn deployment_by_key(
    deps: &JobsDeps,
    actor: &Actor,
    key: &str,
) -> ApiResult<Option<DeploymentRow>> {
    let mut conn = deps.conn().await?;
    Ok(db::deployments::by_key(&mut conn, actor.account_id, key).await?)
}

/// One page of the acting account's deployments and the total.
pub async fn list_deployments(
    deps: &JobsDeps,
    actor: &Actor,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<(Vec<DeploymentRow>, i64)> {
    let mut conn = deps.conn().await?;
    let rows = db::deployments::page(&mut conn, actor.account_id, after, limit).await?;
    let total = db::deployments::count(&mut conn, actor.account_id).await?;
    Ok((rows, total))
}
