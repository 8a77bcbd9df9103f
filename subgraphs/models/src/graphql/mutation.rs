//! Mutations: `createModel`, `updateModel`, `deleteModel`.

use super::types::{CreateModelInput, DeleteModelPayload, Model, UpdateModelInput, parse_id};
use crate::{
    ModelsDeps,
    commands::models::{self, Deleted},
};
use async_graphql::{Context, ID, Object};
use mediamagic_kit::{ActorExt, idempotency::IdempotencyKey};

/// Root mutation type.
#[derive(Default)]
pub struct ModelsMutation;

// Named like every subgraph's root type, so composition merges them.
#[Object(name = "Mutation")]
impl ModelsMutation {
    /// Creates a model owned by the acting account (a team credential makes a team model).
    /// BAD_USER_INPUT names the field at fault (`args` errors name each argument); CONFLICT
    /// when the chosen id is taken.
    async fn create_model(
        &self,
        ctx: &Context<'_>,
        input: CreateModelInput,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same input returns the model the \
                    first call made (CONFLICT with another input); remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Model> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<ModelsDeps>()?;
        let key = IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?;
        Ok(Model(
            models::create_model(deps, actor, input.into(), key).await?,
        ))
    }

    /// Changes a model the acting account owns; a change to what runs adds a version.
    /// FORBIDDEN for public models of other accounts and catalogue models, NOT_FOUND for
    /// private models of other accounts.
    async fn update_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateModelInput,
    ) -> async_graphql::Result<Model> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<ModelsDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Model(
            models::update_model(deps, actor, id, input.into()).await?,
        ))
    }

    /// Deletes a model the acting account owns. A model that jobs ran is hidden for good
    /// (still readable by id for their history) instead of removed.
    async fn delete_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeleteModelPayload> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<ModelsDeps>()?;
        let uuid = parse_id("id", &id)?;
        let deleted = models::delete_model(deps, actor, uuid).await?;
        Ok(DeleteModelPayload {
            id,
            hidden: deleted == Deleted::Hidden,
        })
    }
}
