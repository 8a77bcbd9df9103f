//! `/api/v1/deployments` (create, list, get), `/api/v1/jobs` (list, get, cancel) and
//! `/api/v1/billing/usage`.

use crate::{
    CompatDeps,
    client::Caller,
    error::RestError,
    shapes::{IdempotencyKeyHeader, JsonBody, Page, QueryParams, lower, page_of, snake_keys},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};

const DEPLOYMENT_FIELDS: &str = "id name args callbackUrl callbackOnStart applyTags idempotencyKey createdAt version model { id slug } modelVersion { args } job { id status }";

const JOB_FIELDS: &str = "id status progress message queuePosition attempts machineType createdAt startedAt finishedAt error { code message } deployment { id model { id slug } } outputs { id name contentType size url } result";

/// A deployment as seed 000 answers it: `id`, `model_id`, and `<arg>_asset_id` for each
/// file argument, plus the rest.
fn deployment_shape(deployment: &Value) -> Value {
    let mut shape = json!({
        "id": deployment["id"],
        "name": deployment["name"],
        "model_id": deployment["model"]["id"],
        "model_slug": deployment["model"]["slug"],
        "version": deployment["version"],
        "args": deployment["args"],
        "callback_url": deployment["callbackUrl"],
        "callback_on_start": deployment["callbackOnStart"],
        "apply_tags": deployment["applyTags"],
        "idempotency_key": deployment["idempotencyKey"],
        "created_at": deployment["createdAt"],
        "job_id": deployment["job"]["id"],
        "status": lower(&deployment["job"]["status"]),
    });
    if let (Some(schema), Some(values)) = (
        deployment["modelVersion"]["args"].as_object(),
        deployment["args"].as_object(),
    ) {
        for (name, spec) in schema {
            if spec["type"] == "file"
                && let Some(value) = values.get(name)
            {
                shape[format!("{name}_asset_id")] = value.clone();
            }
        }
    }
    shape
}

/// A job as the REST surface shows it, with its outputs' download URLs.
pub fn job_shape(job: &Value) -> Value {
    let outputs: Vec<Value> = job["outputs"]
        .as_array()
        .map(|outputs| outputs.iter().map(|o| snake_keys(o.clone())).collect())
        .unwrap_or_default();
    json!({
        "id": job["id"],
        "status": lower(&job["status"]),
        "progress": job["progress"],
        "message": job["message"],
        "queue_position": job["queuePosition"],
        "attempts": job["attempts"],
        "machine_type": job["machineType"],
        "deployment_id": job["deployment"]["id"],
        "model_id": job["deployment"]["model"]["id"],
        "created_at": job["createdAt"],
        "started_at": job["startedAt"],
        "finished_at": job["finishedAt"],
        "error": job["error"],
        "outputs": outputs,
        "result": job["result"],
    })
}

/// `POST /api/v1/deployments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDeployment {
    #[serde(default)]
    name: Option<String>,
    /// The model's UUID or catalogue slug.
    #[serde(alias = "model")]
    model_id: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    args: Option<Value>,
    #[serde(default)]
    callback_url: Option<String>,
    #[serde(default)]
    callback_on_start: Option<bool>,
    #[serde(default)]
    cancel_after: Option<String>,
    /// Add the tags the model's result proposes to its input media.
    #[serde(default)]
    apply_tags: Option<bool>,
}

/// Creates a deployment (and its queued job). An `Idempotency-Key` header makes retries
/// return the first deployment instead of running the model again.
pub async fn create(
    State(deps): State<CompatDeps>,
    caller: Caller,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<CreateDeployment>,
) -> Result<(StatusCode, Json<Value>), RestError> {
    let operation = format!(
        "mutation Deploy($input: CreateDeploymentInput!, $key: String) {{ createDeployment(input: $input, idempotencyKey: $key) {{ {DEPLOYMENT_FIELDS} }} }}"
    );
    let input = json!({
        "name": body.name,
        "model": body.model_id,
        "version": body.version,
        "args": body.args,
        "callbackUrl": body.callback_url,
        "callbackOnStart": body.callback_on_start,
        "cancelAfter": body.cancel_after,
        "applyTags": body.apply_tags,
    });
    let data = deps
        .platform
        .run(&caller, &operation, json!({"input": input, "key": key}))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(deployment_shape(&data["createDeployment"])),
    ))
}

/// The caller's deployments, newest first.
pub async fn list(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(page): QueryParams<Page>,
) -> Result<Json<Value>, RestError> {
    let operation = format!(
        "query List($first: Int, $after: String) {{ deployments(first: $first, after: $after) {{ nodes {{ {DEPLOYMENT_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let data = deps
        .platform
        .run(
            &caller,
            &operation,
            json!({"first": page.first(deps.config.default_page_size)?, "after": page.after}),
        )
        .await?;
    let (deployments, next) = page_of(&data["deployments"], deployment_shape);
    Ok(Json(json!({"deployments": deployments, "next": next})))
}

/// One deployment.
pub async fn get(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let operation =
        format!("query One($id: ID!) {{ deployment(id: $id) {{ {DEPLOYMENT_FIELDS} }} }}");
    let data = deps
        .platform
        .run(&caller, &operation, json!({"id": id}))
        .await?;
    Ok(Json(deployment_shape(&data["deployment"])))
}

/// `?status=queued,running&limit=&after=`.
#[derive(Debug, Deserialize)]
pub struct JobQuery {
    status: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

/// The caller's jobs, newest first.
pub async fn list_jobs(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<JobQuery>,
) -> Result<Json<Value>, RestError> {
    let page = Page {
        limit: query.limit,
        after: query.after,
    };
    let statuses = match query.status.as_deref() {
        None => None,
        Some(raw) => {
            let mut statuses = Vec::new();
            for status in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let upper = status.to_ascii_uppercase();
                if !matches!(
                    upper.as_str(),
                    "QUEUED" | "SCHEDULED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED"
                ) {
                    return Err(RestError::BadRequest(format!(
                        "unknown job status `{status}`; known: queued, scheduled, running, succeeded, failed, cancelled"
                    )));
                }
                statuses.push(upper);
            }
            Some(statuses)
        }
    };
    let operation = format!(
        "query List($filter: JobFilter, $first: Int, $after: String) {{ jobs(filter: $filter, first: $first, after: $after) {{ nodes {{ {JOB_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let data = deps
        .platform
        .run(
            &caller,
            &operation,
            json!({"filter": {"status": statuses}, "first": page.first(deps.config.default_page_size)?, "after": page.after}),
        )
        .await?;
    let (jobs, next) = page_of(&data["jobs"], job_shape);
    Ok(Json(json!({"jobs": jobs, "next": next})))
}

/// One job, by id.
pub async fn get_job(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    Ok(Json(job_shape(&fetch_job(&deps, &caller, &id).await?)))
}

/// The job `id` as the GraphQL API returns it.
pub async fn fetch_job(deps: &CompatDeps, caller: &Caller, id: &str) -> Result<Value, RestError> {
    let operation = format!("query One($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}");
    let data = deps
        .platform
        .run(caller, &operation, json!({"id": id}))
        .await?;
    Ok(data["job"].clone())
}

/// Asks a job to stop; it answers with the job (cancelled, or with `cancel_requested`).
pub async fn cancel_job(
    State(deps): State<CompatDeps>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let operation =
        format!("mutation Cancel($id: ID!) {{ cancelJob(id: $id) {{ {JOB_FIELDS} }} }}");
    let data = deps
        .platform
        .run(&caller, &operation, json!({"id": id}))
        .await?;
    Ok(Json(job_shape(&data["cancelJob"])))
}

/// `?period=YYYY-MM` (default: this month).
#[derive(Debug, Deserialize)]
pub struct UsageQuery {
    period: Option<String>,
}

/// The acting account's usage in a month: per machine type and model, storage, free
/// allowance, total, budget and warnings.
pub async fn usage(
    State(deps): State<CompatDeps>,
    caller: Caller,
    QueryParams(query): QueryParams<UsageQuery>,
) -> Result<Json<Value>, RestError> {
    const MONEY: &str = "amount currency formatted";
    let operation = format!(
        "query Usage($period: String) {{ usage(period: $period) {{ period periodStart periodEnd currency \
         byMachineType {{ name machineSeconds attempts amount {{ {MONEY} }} }} \
         byModel {{ name machineSeconds attempts amount {{ {MONEY} }} }} \
         storage {{ gbHours samples amount {{ {MONEY} }} }} \
         subtotal {{ {MONEY} }} freeAllowance {{ {MONEY} }} allowanceApplied {{ {MONEY} }} total {{ {MONEY} }} \
         budget {{ hard exceeded monthlyLimit {{ {MONEY} }} spent {{ {MONEY} }} remaining {{ {MONEY} }} }} warnings }} }}"
    );
    let data = deps
        .platform
        .run(&caller, &operation, json!({"period": query.period}))
        .await?;
    Ok(Json(snake_keys(data["usage"].clone())))
}
