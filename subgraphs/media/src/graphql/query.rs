//! Queries: `media(id)`, `mediaList(filter, first, after)`, `tags`, and the `Media` entity.

use super::{
    loaders::{MediaLoader, load_failed},
    types::{Media, MediaFilter, Tag, parse_id},
};
use crate::{
    MediaDeps,
    commands::{self, media::FilterInput},
    http::worker::require_grant,
};
use async_graphql::{Context, ID, Object, dataloader::DataLoader};
use mediamagic_kit::{
    ActorExt,
    pagination::{Page, decode_cursor, encode_cursor, page_of, page_size},
};

/// Root query type.
#[derive(Default)]
pub struct MediaQuery;

#[Object]
impl MediaQuery {
    /// One of the acting account's media (NOT_FOUND otherwise).
    async fn media(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Media> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Media(commands::media::get_media(deps, actor, id).await?))
    }

    /// The acting account's media, newest first.
    async fn media_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters; all given ones apply.")] filter: Option<MediaFilter>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<Media>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        let filter = filter.unwrap_or_default();
        let input = FilterInput {
            tags: filter.tags.unwrap_or_default(),
            exclude_tags: filter.exclude_tags.unwrap_or_default(),
            kind: filter.kind,
            status: filter.status,
            search: filter.search,
            created_after: filter.created_after,
            created_before: filter.created_before,
        };
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) =
            commands::media::list_media(deps, actor, input, after, limit + 1).await?;
        Ok(page_of(rows, limit, after.is_some(), total, |row| {
            (encode_cursor(row.created_at, row.id), Media(row))
        }))
    }

    /// The acting account's tags with usage counts, by name.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tag>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        Ok(commands::tags::list_tags(deps, actor)
            .await?
            .into_iter()
            .map(Tag::from)
            .collect())
    }

    /// The worker's: the input media `ids` of job `jobId` (each must be one of the job's
    /// arguments), in order, null where gone; only for the worker that holds the job (hidden
    /// from the public API by `@inaccessible`).
    #[graphql(inaccessible)]
    async fn job_inputs(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Media>>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        let job_id = parse_id("jobId", &job_id)?;
        require_grant(ctx, job_id)?;
        let ids = ids
            .iter()
            .map(|id| parse_id("ids", id))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = commands::media::job_inputs(deps, actor, job_id, &ids).await?;
        Ok(rows.into_iter().map(|row| row.map(Media)).collect())
    }

    /// Federation: a `Media` by id, for its owner (others' resolve to null). Deleted media
    /// resolve with status `DELETED` and no URL, so lists that name them (a job's outputs)
    /// keep their shape after a delete.
    #[graphql(entity)]
    async fn find_media_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Media>> {
        let loader = ctx.data::<DataLoader<MediaLoader>>()?;
        let (Ok(actor), Ok(id)) = (ctx.actor(), parse_id("id", &id)) else {
            return Ok(None);
        };
        // Batched with the other representations of the same request.
        let row = loader.load_one(id).await.map_err(load_failed)?;
        Ok(row
            .filter(|row| row.owner_id == actor.account_id)
            .map(Media))
    }
}
