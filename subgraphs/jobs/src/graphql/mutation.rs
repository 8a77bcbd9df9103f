//! Mutations: create deployments, cancel and retry jobs, rotate the webhook secret.

use super::types::{CreateDeploymentInput, Deployment, Job, parse_duration, parse_id};
use crate::{
    JobsDeps,
    commands::{
        self,
        deployments::{DeploymentError, DeploymentRequest},
    },
};
use async_graphql::{Context, ID, Object, PathSegment};
use mediamagic_kit::{ActorExt, ApiError, auth::ForwardedToken};
use serde_json::Value;

/// Root mutation type.
#[derive(Default)]
pub struct JobsMutation;

#[Object(name = "Mutation")]
impl JobsMutation {
    /// Creates a deployment of a model version with validated arguments and queues its job.
    /// Invalid arguments give one BAD_USER_INPUT error per argument (`extensions.field` is
    /// `args.<name>`) and queue nothing. With an `idempotencyKey` used before by the acting
    /// account, returns that deployment (CONFLICT if the request differs).
    async fn create_deployment(
        &self,
        ctx: &Context<'_>,
        input: CreateDeploymentInput,
        #[graphql(desc = "Retrying with the same key returns the same deployment.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Deployment> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<JobsDeps>()?;
        let token = ctx
            .data_opt::<ForwardedToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let args = match input.args.map(|a| a.0) {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => {
                return Err(
                    ApiError::bad_input("args", "args must be an object of name to value").into(),
                );
            }
        };
        let request = DeploymentRequest {
            name: input.name,
            model: input.model,
            version: input.version,
            args,
            callback_url: input.callback_url,
            callback_on_start: input.callback_on_start.unwrap_or(false),
            cancel_after: input
                .cancel_after
                .as_deref()
                .map(parse_duration)
                .transpose()?,
            idempotency_key,
            apply_tags: input.apply_tags.unwrap_or(false),
        };
        match commands::deployments::create_deployment(deps, actor, &token, request).await {
            Ok(row) => Ok(Deployment(row)),
            Err(DeploymentError::Other(e)) => Err(e.into()),
            Err(DeploymentError::Args(errors)) => {
                let mut errors = errors
                    .into_iter()
                    .map(|e| ApiError::bad_input(&format!("args.{}", e.argument), e.to_string()));
                let first = errors
                    .next()
                    .unwrap_or_else(|| ApiError::bad_input("args", "invalid arguments"));
                // One error per argument: the rest go next to the resolver's own error.
                for extra in errors {
                    let mut server =
                        async_graphql::Error::from(extra).into_server_error(ctx.item.pos);
                    server.path = ctx
                        .path_node
                        .map(|node| node.to_string_vec())
                        .unwrap_or_default()
                        .into_iter()
                        .map(PathSegment::Field)
                        .collect();
                    ctx.add_error(server);
                }
                Err(first.into())
            }
        }
    }

    /// Cancels a job: a queued one at once; a running one is stopped by its worker
    /// (`cancelRequested` until then). A finished job is a CONFLICT.
    async fn cancel_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Job> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<JobsDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Job(commands::jobs::cancel_job(deps, actor, id).await?))
    }

    /// Queues a failed or cancelled job again as a new attempt.
    async fn retry_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Job> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<JobsDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Job(commands::jobs::retry_job(deps, actor, id).await?))
    }

    /// Replaces the acting account's webhook signing secret and returns the new one.
    async fn rotate_webhook_secret(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<JobsDeps>()?;
        Ok(commands::jobs::rotate_webhook_secret(deps, actor).await?)
    }
}
