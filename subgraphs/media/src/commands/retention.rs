//! The media part of the retention sweep, by the owning account's policy
//! (`accounts.retention_settings`, which accounts publishes, else the platform default):
//!
//! - unfinished uploads past `pending_uploads_hours`: the store's parts are aborted, the media
//!   marked deleted;
//! - job outputs past `job_outputs_days`, and uploaded media past `source_media_days` when a
//!   policy sets it: marked deleted (the `media_deleted` handler removes their objects) unless
//!   a queued or running job still uses them;
//! - deleted and failed media past `deleted_rows_days`: their objects are removed (again: it
//!   is idempotent), then their rows;
//! - expired idempotency keys and upload slots.

use super::{parts, storage_error};
use crate::{
    MediaDeps,
    db::rows::MediaRow,
    storage::{media_key, staging_key, thumbnail_key},
};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use mediamagic_kit::{
    ApiResult,
    idempotency::{self, Table},
    retention::{RetentionConfig, Swept, in_batches},
};
use uuid::Uuid;

/// The account's policy value `column`, else `$1`.
fn policy(column: &str) -> String {
    format!("COALESCE(p.{column}, $1)")
}

/// Media that a queued or running job of its owner names among its arguments (through
/// `jobs.active_job_arguments`, which jobs publishes).
const IN_USE: &str = "EXISTS (SELECT 1 FROM jobs.active_job_arguments a
                 WHERE a.owner_id = m.owner_id AND a.value = m.id::text)";

/// Marks `ids` deleted with `reason` (the `media_deleted` handler removes their objects).
async fn mark_deleted(
    conn: &mut diesel_async::AsyncPgConnection,
    ids: &[Uuid],
    from: &str,
    reason: &str,
) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "UPDATE media.media SET status = 'deleted', failure = $2, updated_at = now()
         WHERE id = ANY($1) AND status = $3",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Text, _>(reason)
    .bind::<Text, _>(from)
    .execute(conn)
    .await?)
}

/// Unfinished uploads past their time: abort their parts at the store, mark them deleted.
async fn abandoned(deps: MediaDeps, default_hours: i32, limit: i64) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    let stale: Vec<MediaRow> = diesel::sql_query(format!(
        "SELECT m.* FROM media.media m
         LEFT JOIN accounts.retention_settings p ON p.account_id = m.owner_id
         WHERE m.status = 'pending'
           AND m.created_at < now() - make_interval(hours => {})
           AND NOT EXISTS (SELECT 1 FROM jobs.active_jobs j WHERE j.job_id = m.job_id)
         ORDER BY m.created_at LIMIT $2",
        policy("pending_uploads_hours")
    ))
    .bind::<Integer, _>(default_hours)
    .bind::<BigInt, _>(limit)
    .load(&mut conn)
    .await?;
    drop(conn);
    for media in &stale {
        parts::abandon(&deps, media).await?;
    }
    let ids: Vec<Uuid> = stale.iter().map(|m| m.id).collect();
    let mut conn = deps.conn().await?;
    mark_deleted(&mut conn, &ids, "pending", "the upload was never finished").await?;
    Ok(stale.len())
}

/// Live media past `column`'s days (`outputs`: job outputs, else uploaded media) that no
/// active job uses: marked deleted.
async fn expired(
    deps: MediaDeps,
    outputs: bool,
    column: &'static str,
    default_days: Option<i32>,
    limit: i64,
) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    let origin = if outputs {
        "m.job_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM jobs.active_jobs o WHERE o.job_id = m.job_id)"
    } else {
        "m.job_id IS NULL"
    };
    let days = policy(column);
    let ids: Vec<Uuid> = diesel::sql_query(format!(
        "SELECT m.* FROM media.media m
         LEFT JOIN accounts.retention_settings p ON p.account_id = m.owner_id
         WHERE m.status = 'live' AND {origin}
           AND {days} IS NOT NULL
           AND m.created_at < now() - make_interval(days => {days})
           AND NOT {}
         ORDER BY m.created_at LIMIT $2",
        IN_USE
    ))
    .bind::<Nullable<Integer>, _>(default_days)
    .bind::<BigInt, _>(limit)
    .load::<MediaRow>(&mut conn)
    .await?
    .into_iter()
    .map(|m| m.id)
    .collect();
    let reason = if outputs {
        "removed by the retention policy (job outputs)"
    } else {
        "removed by the retention policy (uploaded media)"
    };
    mark_deleted(&mut conn, &ids, "live", reason).await?;
    Ok(ids.len())
}

/// Deleted and failed media past `deleted_rows_days`: objects, then rows.
async fn purged(deps: MediaDeps, default_days: i32, limit: i64) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    let gone: Vec<MediaRow> = diesel::sql_query(format!(
        "SELECT m.* FROM media.media m
         LEFT JOIN accounts.retention_settings p ON p.account_id = m.owner_id
         WHERE m.status IN ('deleted', 'failed')
           AND m.updated_at < now() - make_interval(days => {})
         ORDER BY m.updated_at LIMIT $2",
        policy("deleted_rows_days")
    ))
    .bind::<Integer, _>(default_days)
    .bind::<BigInt, _>(limit)
    .load(&mut conn)
    .await?;
    drop(conn);
    for media in &gone {
        parts::abandon(&deps, media).await?;
        for key in [
            media_key(media.owner_id, media.id),
            staging_key(media.owner_id, media.id),
            thumbnail_key(media.owner_id, media.id),
        ] {
            deps.storage.delete(&key).await.map_err(storage_error)?;
        }
    }
    let ids: Vec<Uuid> = gone.iter().map(|m| m.id).collect();
    let mut conn = deps.conn().await?;
    Ok(diesel::sql_query(
        "DELETE FROM media.media WHERE id = ANY($1) AND status IN ('deleted', 'failed')",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .execute(&mut conn)
    .await?)
}

async fn expired_keys(deps: MediaDeps, limit: i64) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    idempotency::delete_expired(&mut conn, Table("media.idempotency_keys"), limit).await
}

async fn expired_slots(deps: MediaDeps, limit: i64) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    Ok(diesel::sql_query(
        "DELETE FROM media.active_uploads WHERE id IN
         (SELECT id FROM media.active_uploads WHERE expires_at < now() LIMIT $1)",
    )
    .bind::<BigInt, _>(limit)
    .execute(&mut conn)
    .await?)
}

/// Removes what the policies say is due; how many of each kind.
pub async fn sweep(deps: &MediaDeps, config: &RetentionConfig) -> ApiResult<Swept> {
    let defaults = &config.defaults;
    let pending = in_batches(config, |n| {
        abandoned(deps.clone(), defaults.pending_uploads_hours, n)
    })
    .await?;
    let outputs = in_batches(config, |n| {
        expired(
            deps.clone(),
            true,
            "job_outputs_days",
            Some(defaults.job_outputs_days),
            n,
        )
    })
    .await?;
    let sources = in_batches(config, |n| {
        expired(
            deps.clone(),
            false,
            "source_media_days",
            defaults.source_media_days,
            n,
        )
    })
    .await?;
    let rows = in_batches(config, |n| {
        purged(deps.clone(), defaults.deleted_rows_days, n)
    })
    .await?;
    let keys = in_batches(config, |n| expired_keys(deps.clone(), n)).await?;
    let slots = in_batches(config, |n| expired_slots(deps.clone(), n)).await?;
    Ok(vec![
        ("pending_uploads", pending),
        ("job_outputs", outputs),
        ("source_media", sources),
        ("deleted_media_rows", rows),
        ("idempotency_keys", keys),
        ("upload_slots", slots),
    ])
}
