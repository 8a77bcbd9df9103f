//! Queries: `model(id)`, `models(filter, first, after)`, `modelVersion(id)`, and the
//! federation entities `Model` and `ModelVersion`.

use super::{
    loaders::{ModelByIdLoader, ModelLoader, VersionLoader},
    types::{Model, ModelFilter, ModelVersion, parse_id},
};
use crate::{ModelsDeps, commands, db::rows::ModelRow};
use async_graphql::{Context, ID, Object, dataloader::DataLoader};
use mediamagic_kit::{
    Actor, ActorExt, ApiError,
    pagination::{Page, decode_cursor, encode_cursor, page_of, page_size},
};
use uuid::Uuid;

/// Root query type.
#[derive(Default)]
pub struct ModelsQuery;

fn readable(actor: &Actor, model: &ModelRow) -> bool {
    model.public || model.owner_id == Some(actor.account_id)
}

/// The model with internal key `key`, when the acting account may read it.
async fn load_model(
    ctx: &Context<'_>,
    actor: &Actor,
    key: Uuid,
) -> async_graphql::Result<Option<ModelRow>> {
    let loader = ctx.data::<DataLoader<ModelLoader>>()?;
    Ok(loader
        .load_one(key)
        .await
        .map_err(super::loaders::load_failed)?
        .filter(|m| readable(actor, m)))
}

async fn load_version(
    ctx: &Context<'_>,
    actor: &Actor,
    id: Uuid,
) -> async_graphql::Result<Option<ModelVersion>> {
    let loader = ctx.data::<DataLoader<VersionLoader>>()?;
    let Some(version) = loader
        .load_one(id)
        .await
        .map_err(super::loaders::load_failed)?
    else {
        return Ok(None);
    };
    Ok(load_model(ctx, actor, version.model_id)
        .await?
        .map(|_| ModelVersion(version)))
}

// Named like every subgraph's root type, so composition merges them.
#[Object(name = "Query")]
impl ModelsQuery {
    /// A model by UUID, or a catalogue model by slug (`audio-extract`). Deleted models that
    /// jobs ran stay readable here. NOT_FOUND for another account's private model.
    async fn model(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Model> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<ModelsDeps>()?;
        Ok(Model(commands::models::get_model(deps, actor, &id).await?))
    }

    /// Models the acting account can use (its own and public ones), newest first.
    async fn models(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters; all given ones apply.")] filter: Option<ModelFilter>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<Model>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<ModelsDeps>()?;
        let filter = filter.unwrap_or_default();
        let filter = commands::models::list_filter(
            filter.tags.unwrap_or_default(),
            filter.exclude_tags.unwrap_or_default(),
            filter.search,
            filter.mine.unwrap_or(false),
            filter.include_hidden.unwrap_or(false),
        )?;
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) =
            commands::models::list_models(deps, actor, &filter, after, limit + 1).await?;
        Ok(page_of(rows, limit, after.is_some(), total, |row| {
            (encode_cursor(row.created_at, row.external_id), Model(row))
        }))
    }

    /// A model version by id (what a job pinned).
    async fn model_version(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ModelVersion> {
        let actor = ctx.actor()?;
        let id = parse_id("id", &id)?;
        load_version(ctx, actor, id)
            .await?
            .ok_or_else(|| ApiError::not_found("model version").into())
    }

    /// Federation: a `Model` by id, when the acting account may read it.
    #[graphql(entity)]
    async fn find_model_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Model>> {
        let (Ok(actor), Ok(id)) = (ctx.actor(), parse_id("id", &id)) else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<ModelByIdLoader>>()?;
        Ok(loader
            .load_one((actor.account_id, id))
            .await
            .map_err(super::loaders::load_failed)?
            .map(Model))
    }

    /// Federation: a `ModelVersion` by id, when the acting account may read its model.
    #[graphql(entity)]
    async fn find_model_version_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ModelVersion>> {
        let (Ok(actor), Ok(id)) = (ctx.actor(), parse_id("id", &id)) else {
            return Ok(None);
        };
        load_version(ctx, actor, id).await
    }
}
