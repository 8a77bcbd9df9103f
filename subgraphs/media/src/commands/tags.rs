//! The acting account's tag vocabulary: list with usage, create (seed 003's tags as
//! entities), rename (merging into an existing tag), delete (removed from every media).

use crate::{
    MediaDeps,
    db::{self, tags::TagUsage},
    domain::normalise_tags,
};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};

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
