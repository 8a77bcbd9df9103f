//! Reading, listing, updating and deleting media, and download URLs.

use super::storage_error;
use crate::{
    MediaDeps,
    db::{self, media::ListFilter, rows::MediaRow},
    domain::{MediaKind, MediaStatus, normalise_tags},
    storage::{media_key, thumbnail_key},
};
use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use std::time::Duration;
use uuid::Uuid;

/// The live or pending media `ids` of `actor` that are arguments of `job` (a media named by
/// no argument of the job is refused), in order, `None` where gone or deleted.
pub async fn job_inputs(
    deps: &MediaDeps,
    actor: &Actor,
    job: Uuid,
    ids: &[Uuid],
) -> ApiResult<Vec<Option<MediaRow>>> {
    let mut conn = deps.conn().await?;
    let arguments = db::leases::argument_values(&mut conn, job).await?;
    if let Some(stray) = ids.iter().find(|id| !arguments.contains(&id.to_string())) {
        return Err(ApiError::Forbidden(format!(
            "media {stray} is not an input of this job"
        )));
    }
    let rows = db::media::owned_by_ids(&mut conn, actor.account_id, ids).await?;
    Ok(ids
        .iter()
        .map(|id| {
            rows.iter()
                .find(|row| row.id == *id && row.status != "deleted")
                .cloned()
        })
        .collect())
}

/// The acting account's media `id` (not deleted), or NOT_FOUND.
pub async fn get_media(deps: &MediaDeps, actor: &Actor, id: Uuid) -> ApiResult<MediaRow> {
    let mut conn = deps.conn().await?;
    db::media::owned_by_ids(&mut conn, actor.account_id, &[id])
        .await?
        .into_iter()
        .find(|m| m.status != MediaStatus::Deleted.as_str())
        .ok_or_else(|| ApiError::not_found("media"))
}

/// Filter input, parsed.
#[derive(Clone, Debug, Default)]
pub struct FilterInput {
    /// Has all of these tags.
    pub tags: Vec<String>,
    /// Has none of these tags.
    pub exclude_tags: Vec<String>,
    /// Of this kind.
    pub kind: Option<MediaKind>,
    /// In this status.
    pub status: Option<MediaStatus>,
    /// Name contains.
    pub search: Option<String>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
}

/// One page of the acting account's media, newest first, and the total.
pub async fn list_media(
    deps: &MediaDeps,
    actor: &Actor,
    input: FilterInput,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<(Vec<MediaRow>, i64)> {
    let search = input
        .search
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::bad_input(
            "search",
            "search text must be at most 200 characters",
        ));
    }
    let filter = ListFilter {
        // Filter tags are normalised like stored ones, so `Face` finds `face`.
        tags: normalise_tags(&deps.config, input.tags)?,
        exclude_tags: normalise_tags(&deps.config, input.exclude_tags)?,
        kind: input.kind.map(|k| k.as_str().to_owned()),
        status: input.status.map(|s| s.as_str().to_owned()),
        search,
        created_after: input.created_after,
        created_before: input.created_before,
    };
    let mut conn = deps.conn().await?;
    let rows = db::media::page(&mut conn, actor.account_id, &filter, after, limit).await?;
    let total = db::media::count(&mut conn, actor.account_id, &filter).await?;
    Ok((rows, total))
}

/// Renames and/or retags the acting account's media.
pub async fn update_media(
    deps: &MediaDeps,
    actor: &Actor,
    id: Uuid,
    name: Option<String>,
    tags: Option<Vec<String>>,
) -> ApiResult<MediaRow> {
    actor.require_scope(Scope::Write)?;
    let name = name
        .map(|n| {
            let n = n.trim().to_owned();
            if n.is_empty() || n.chars().count() > 255 || n.chars().any(char::is_control) {
                Err(ApiError::bad_input(
                    "name",
                    "name must be 1 to 255 characters",
                ))
            } else {
                Ok(n)
            }
        })
        .transpose()?;
    let tags = tags.map(|t| normalise_tags(&deps.config, t)).transpose()?;
    let owner = actor.account_id;
    transaction(&deps.pool, move |conn| {
        async move {
            let media = db::media::lock_owned(conn, owner, id)
                .await?
                .filter(|m| m.status != MediaStatus::Deleted.as_str())
                .ok_or_else(|| ApiError::not_found("media"))?;
            let tags = tags.unwrap_or(media.tags);
            db::tags::ensure(conn, owner, &tags).await?;
            Ok(
                db::media::update_details(conn, id, name.as_deref().unwrap_or(&media.name), &tags)
                    .await?,
            )
        }
        .scope_boxed()
    })
    .await
}

/// Deletes the acting account's media at once; its stored objects are removed by the
/// `media_deleted` event handler (retried until done).
pub async fn delete_media(deps: &MediaDeps, actor: &Actor, id: Uuid) -> ApiResult<()> {
    actor.require_scope(Scope::Write)?;
    let owner = actor.account_id;
    transaction(&deps.pool, move |conn| {
        async move {
            db::media::lock_owned(conn, owner, id)
                .await?
                .filter(|m| m.status != MediaStatus::Deleted.as_str())
                .ok_or_else(|| ApiError::not_found("media"))?;
            db::media::set_status(conn, id, MediaStatus::Deleted.as_str(), None, None).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// The lifetime of a download URL: the configured default, or what the client asks for up
/// to the cap.
pub fn download_ttl(deps: &MediaDeps, expires_in: Option<i32>) -> ApiResult<Duration> {
    let max = deps.config.max_download_url_ttl_seconds;
    match expires_in {
        None => Ok(Duration::from_secs(deps.config.download_url_ttl_seconds)),
        Some(s) if s >= 1 && (s as u64) <= max => Ok(Duration::from_secs(s as u64)),
        Some(_) => Err(ApiError::bad_input(
            "expiresIn",
            format!("expiresIn must be between 1 and {max} seconds"),
        )),
    }
}

/// A presigned GET URL of a live media's bytes.
pub async fn download_url(
    deps: &MediaDeps,
    media: &MediaRow,
    ttl: Duration,
) -> ApiResult<Option<String>> {
    if media.status != MediaStatus::Live.as_str() {
        return Ok(None);
    }
    deps.storage
        .download_url(
            &media_key(media.owner_id, media.id),
            &media.content_type,
            ttl,
        )
        .await
        .map(Some)
        .map_err(storage_error)
}

/// A presigned GET URL of the media's thumbnail, once made.
pub async fn thumbnail_url(
    deps: &MediaDeps,
    media: &MediaRow,
    ttl: Duration,
) -> ApiResult<Option<String>> {
    let has_thumbnail = media
        .metadata
        .as_ref()
        .and_then(|m| m.get("thumbnail"))
        .is_some_and(|t| t.as_bool() == Some(true));
    if media.status != MediaStatus::Live.as_str() || !has_thumbnail {
        return Ok(None);
    }
    deps.storage
        .download_url(&thumbnail_key(media.owner_id, media.id), "image/jpeg", ttl)
        .await
        .map(Some)
        .map_err(storage_error)
}
