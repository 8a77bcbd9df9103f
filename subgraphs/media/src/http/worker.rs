//! The worker's way in: `POST /internal/worker/graphql` (and the multipart
//! `/internal/job-outputs`), authenticated by the worker's own token, never by an account's.
//!
//! A worker token names a job attempt and no account (see
//! [`mediamagic_kit::tokens::WorkerClaims`]); it counts only while that worker holds the
//! attempt's lease (read from the jobs schema), and then the request acts as the job's owner
//! for that job alone: its inputs (`jobInputs`) and its outputs (`createJobOutputUpload`,
//! `finalizeUpload` of its own outputs, `discardJobOutputs`, `uploadJobOutput`) and the tags
//! its result proposes for an input (`tagJobInput`). Any other
//! root field is refused before the operation runs. The router never forwards to the
//! `/internal/` paths; agents outside the cluster reach the same handlers at
//! `/agent/v1/media/graphql` and `/agent/v1/media/job-outputs`, with the same tokens.

use super::graphql_multipart::check_root_fields;
use crate::{MediaDeps, MediaSchema, db};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::post,
};
use mediamagic_kit::{
    AccountKind, Actor, ApiError, Scope,
    auth::{RequestIdentity, WORKER_TOKEN_HEADER, WorkerGrant},
    server::graphql_error_response,
};

/// The worker's GraphQL route.
pub const WORKER_GRAPHQL_PATH: &str = "/internal/worker/graphql";

/// Root fields a worker request may select on [`WORKER_GRAPHQL_PATH`].
const WORKER_FIELDS: &[&str] = &[
    "jobInputs",
    "createJobOutputUpload",
    "finalizeUpload",
    "discardJobOutputs",
    "tagJobInput",
];

/// The same route for worker agents, reached through the router (`/agent/v1/media/`): the
/// token is the same per-attempt worker token, handed to the agent by the platform.
pub const AGENT_GRAPHQL_PATH: &str = "/agent/v1/media/graphql";

/// The worker's GraphQL routes.
pub fn routes(deps: MediaDeps, schema: MediaSchema) -> Router {
    Router::new()
        .route(WORKER_GRAPHQL_PATH, post(worker_graphql))
        .route(AGENT_GRAPHQL_PATH, post(worker_graphql))
        .with_state((deps, schema))
}

async fn worker_graphql(
    State((deps, schema)): State<(MediaDeps, MediaSchema)>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let (identity, grant) = match worker_identity(&deps, &headers).await {
        Ok(found) => found,
        Err(e) => return graphql_error_response(e),
    };
    let request = request.into_inner();
    if let Err(e) = check_root_fields(&request.query, WORKER_FIELDS) {
        return graphql_error_response(e);
    }
    let response = schema.execute(request.data(identity).data(grant)).await;
    GraphQLResponse::from(response).into_response()
}

/// The identity of a worker request: the owner of the job whose lease the token's worker
/// holds, and the grant limiting it to that job. UNAUTHENTICATED without a valid worker
/// token, FORBIDDEN when the worker does not hold the job.
pub async fn worker_identity(
    deps: &MediaDeps,
    headers: &HeaderMap,
) -> Result<(RequestIdentity, WorkerGrant), ApiError> {
    let verifier = deps.workers.as_ref().ok_or_else(|| {
        ApiError::Unauthenticated("this media service accepts no worker tokens".into())
    })?;
    let token = headers
        .get(WORKER_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::Unauthenticated(format!("send `{WORKER_TOKEN_HEADER}`")))?;
    let claims = verifier
        .verify_worker(token)
        .map_err(|e| ApiError::Unauthenticated(format!("worker token rejected: {e}")))?;
    let mut conn = deps.conn().await?;
    let job = db::leases::held(&mut conn, claims.job_id, &claims.worker_id, claims.attempt)
        .await?
        .ok_or_else(|| ApiError::Forbidden("this worker does not hold that job's lease".into()))?;
    let owner_kind = job
        .owner_kind
        .parse::<AccountKind>()
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    let actor = Actor {
        user_id: None,
        account_id: job.owner_id,
        account_kind: owner_kind,
        scopes: vec![Scope::Read, Scope::Write],
        session: None,
        api_key: None,
    };
    Ok((
        RequestIdentity(Some(actor)),
        WorkerGrant {
            job_id: claims.job_id,
        },
    ))
}

/// The grant of a worker request for `job`; FORBIDDEN for any other request or job (the
/// worker's mutations act for the job a worker holds, never for a client).
pub fn require_grant(ctx: &async_graphql::Context<'_>, job: uuid::Uuid) -> Result<(), ApiError> {
    match ctx.data_opt::<WorkerGrant>() {
        Some(grant) if grant.job_id == job => Ok(()),
        _ => Err(ApiError::Forbidden(
            "only the worker that runs this job may do this".into(),
        )),
    }
}
