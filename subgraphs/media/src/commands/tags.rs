//! The acting account's tag vocabulary: list with usage, create (seed 003's tags as
//! entities), rename (merging into an existing tag), delete (removed from every media); and
//! the tags a job's result adds to its input, with lineage.

use crate::{
    MediaDeps,
    db::{self, rows::MediaRow, tags::TagUsage},
    domain::{MediaStatus, normalise_tags},
};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use uuid::Uuid;

/// The acting account's tags with usage counts, by name.
pub async fn list_tags(deps: &MediaDeps, actor: &Actor) -> ApiResult<Vec<TagUsage>> {
    let mut conn = deps.conn().await?;
    Ok(db::tags::with_usage(&mut conn, actor.account_id).await?)
}

fn one_tag(deps: &MediaDeps, field: &str, raw: &str) -> ApiResult<String> {
    normalise_tags(&deps.config, vec![raw.to_owned()])
        .map_err(|e| ApiError::bad_input(field, e.message()))?
        .pop()
        .ok_or_else(|| ApiError::bad_input(field, "give a tag"))
}

/// Adds tag `name` to the vocabulary (an existing one is returned as it is), up to
/// `media.max_vocabulary` tags.
pub async fn create_tag(deps: &MediaDeps, actor: &Actor, name: &str) -> ApiResult<TagUsage> {
    actor.require_scope(Scope::Write)?;
    let name = one_tag(deps, "name", name)?;
    let owner = actor.account_id;
    let limit = deps.config.max_vocabulary;
    transaction(&deps.pool, move |conn| {
        async move {
            if !db::tags::exists(conn, owner, &name).await? {
                if db::tags::count(conn, owner).await? >= limit as i64 {
                    return Err(ApiError::Conflict(format!(
                        "an account may hold at most {limit} tags; delete some first"
                    )));
                }
                db::tags::ensure(conn, owner, std::slice::from_ref(&name)).await?;
            }
            db::tags::with_usage(conn, owner)
                .await?
                .into_iter()
                .find(|t| t.name == name)
                .ok_or_else(|| ApiError::not_found("tag"))
        }
        .scope_boxed()
    })
    .await
}

/// Renames tag `from` to `to` on every media; when `to` exists the two merge.
pub async fn rename_tag(
    deps: &MediaDeps,
    actor: &Actor,
    from: &str,
    to: &str,
) -> ApiResult<TagUsage> {
    actor.require_scope(Scope::Write)?;
    let from = one_tag(deps, "name", from)?;
    let to = one_tag(deps, "newName", to)?;
    let owner = actor.account_id;
    transaction(&deps.pool, move |conn| {
        async move {
            if !db::tags::exists(conn, owner, &from).await? {
                return Err(ApiError::not_found("tag"));
            }
            if from != to {
                db::tags::ensure(conn, owner, std::slice::from_ref(&to)).await?;
                db::media::replace_tag(conn, owner, &from, Some(&to)).await?;
                db::tags::remove(conn, owner, &from).await?;
            }
            db::tags::with_usage(conn, owner)
                .await?
                .into_iter()
                .find(|t| t.name == to)
                .ok_or_else(|| ApiError::not_found("tag"))
        }
        .scope_boxed()
    })
    .await
}

/// Deletes tag `name` from the vocabulary and from every media.
pub async fn delete_tag(deps: &MediaDeps, actor: &Actor, name: &str) -> ApiResult<()> {
    actor.require_scope(Scope::Write)?;
    let name = one_tag(deps, "name", name)?;
    let owner = actor.account_id;
    transaction(&deps.pool, move |conn| {
        async move {
            if db::tags::remove(conn, owner, &name).await? == 0 {
                return Err(ApiError::not_found("tag"));
            }
            db::media::replace_tag(conn, owner, &name, None).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// The worker's: adds `names` (a job's result proposed them) to `media`, an input of `job`
/// owned by the acting account (the job's owner), and records the job as their source.
/// A media that is not such an input is NOT_FOUND, whatever exists elsewhere.
pub async fn tag_job_input(
    deps: &MediaDeps,
    actor: &Actor,
    job: Uuid,
    media: Uuid,
    names: Vec<String>,
) -> ApiResult<MediaRow> {
    actor.require_scope(Scope::Write)?;
    let names = normalise_tags(&deps.config, names)?;
    let mut conn = deps.conn().await?;
    let arguments = db::leases::argument_values(&mut conn, job).await?;
    drop(conn);
    if !arguments.contains(&media.to_string()) {
        return Err(ApiError::not_found("input media"));
    }
    let owner = actor.account_id;
    let config = deps.config.clone();
    transaction(&deps.pool, move |conn| {
        async move {
            let row = db::media::lock_owned(conn, owner, media)
                .await?
                .filter(|m| m.status != MediaStatus::Deleted.as_str())
                .ok_or_else(|| ApiError::not_found("input media"))?;
            let added: Vec<String> = names
                .iter()
                .filter(|n| !row.tags.contains(n))
                .cloned()
                .collect();
            if added.is_empty() {
                return Ok(row);
            }
            let merged = normalise_tags(&config, [row.tags.clone(), added.clone()].concat())?;
            db::tags::ensure(conn, owner, &added).await?;
            db::tags::record_lineage(conn, media, &added, job).await?;
            Ok(db::media::update_details(conn, media, &row.name, &merged).await?)
        }
        .scope_boxed()
    })
    .await
}
