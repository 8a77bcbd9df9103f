//! The media subgraph's event handlers.
//!
//! - `media_live` (media.media INSERT, or UPDATE of `status`): when a media is live and has
//!   no metadata yet, read its metadata (ffprobe, or a still image's header) and make a
//!   thumbnail (images and videos). An unreadable file
//!   marks the media failed with the reason (no retry); infrastructure errors are retried.
//! - `media_deleted` (UPDATE of `status`): when a media is deleted, remove its object and
//!   thumbnail, retried until done.
//!
//! Both are idempotent: delivery is at least once.

use crate::{
    MediaDeps, db,
    domain::MediaStatus,
    processing::{self, ProcessingError},
    storage::{media_key, staging_key, thumbnail_key},
};
use mediamagic_kit::events::{HandlerResult, HasuraEvent, Trigger, TriggerConfig};
use std::collections::HashMap;
use uuid::Uuid;

/// Name of the processing trigger (attached in the `media` migration).
pub const MEDIA_LIVE: &str = "media_live";
/// Name of the object removal trigger.
pub const MEDIA_DELETED: &str = "media_deleted";
/// Every trigger this subgraph handles.
pub const TRIGGERS: &[&str] = &[MEDIA_LIVE, MEDIA_DELETED];

/// Every trigger this subgraph owns, with settings from `configs` (by name) or defaults.
pub fn triggers(deps: &MediaDeps, configs: &HashMap<String, TriggerConfig>) -> Vec<Trigger> {
    let config = |name: &str| {
        configs.get(name).cloned().unwrap_or_else(|| TriggerConfig {
            // Probing a large video takes a while.
            timeout_ms: 300_000,
            ..TriggerConfig::default()
        })
    };
    let live = deps.clone();
    let deleted = deps.clone();
    vec![
        Trigger::new(MEDIA_LIVE, config(MEDIA_LIVE), move |event| {
            let deps = live.clone();
            async move { media_live(&deps, event).await }
        }),
        Trigger::new(MEDIA_DELETED, config(MEDIA_DELETED), move |event| {
            let deps = deleted.clone();
            async move { media_deleted(&deps, event).await }
        }),
    ]
}

fn row_id(event: &HasuraEvent) -> Option<Uuid> {
    event
        .event
        .data
        .new
        .as_ref()?
        .get("id")?
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
}

async fn media_live(deps: &MediaDeps, event: HasuraEvent) -> HandlerResult {
    let Some(id) = row_id(&event) else {
        return Ok(());
    };
    let mut conn = deps.pool.get().await.map_err(|e| e.to_string())?;
    let Some(media) = db::media::by_ids(&mut conn, &[id])
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    drop(conn);
    if media.status != MediaStatus::Live.as_str() || media.metadata.is_some() {
        return Ok(());
    }
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let input = work.path().join("input");
    deps.storage
        .to_file(&media_key(media.owner_id, media.id), &input)
        .await
        .map_err(|e| e.to_string())?;
    let outcome = async {
        let mut metadata = processing::metadata(&input, &media.kind).await?;
        if media.kind == "image" || media.kind == "video" {
            let thumb = work.path().join("thumbnail.jpg");
            let duration = metadata["duration_seconds"].as_f64();
            processing::thumbnail(
                &input,
                &thumb,
                deps.config.thumbnail_width,
                media.kind == "video",
                duration,
            )
            .await?;
            deps.storage
                .put_file(&thumbnail_key(media.owner_id, media.id), &thumb)
                .await
                .map_err(|e| {
                    ProcessingError::Tool("storage", std::io::Error::other(e.to_string()))
                })?;
            metadata["thumbnail"] = true.into();
        }
        Ok::<_, ProcessingError>(metadata)
    }
    .await;
    let mut conn = deps.pool.get().await.map_err(|e| e.to_string())?;
    match outcome {
        Ok(metadata) => {
            db::media::set_metadata(&mut conn, id, &metadata)
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        }
        Err(ProcessingError::Unreadable(reason)) => {
            tracing::info!(media = %id, %reason, "media could not be processed");
            db::media::set_status(
                &mut conn,
                id,
                MediaStatus::Failed.as_str(),
                Some(&reason),
                None,
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn media_deleted(deps: &MediaDeps, event: HasuraEvent) -> HandlerResult {
    let Some(row) = &event.event.data.new else {
        return Ok(());
    };
    if row.get("status").and_then(|s| s.as_str()) != Some(MediaStatus::Deleted.as_str()) {
        return Ok(());
    }
    let (Some(id), Some(owner)) = (
        row_id(&event),
        row.get("owner_id")
            .and_then(|o| o.as_str())
            .and_then(|o| Uuid::parse_str(o).ok()),
    ) else {
        return Err("the event row has no id or owner_id".into());
    };
    for key in [
        media_key(owner, id),
        staging_key(owner, id),
        thumbnail_key(owner, id),
    ] {
        deps.storage.delete(&key).await.map_err(|e| e.to_string())?;
    }
    // A deleted pending multipart upload: the store drops its parts.
    let mut conn = deps.pool.get().await.map_err(|e| e.to_string())?;
    if let Some(upload) = crate::db::uploads::of_media(&mut conn, id)
        .await
        .map_err(|e| e.to_string())?
    {
        drop(conn);
        deps.storage
            .abort_multipart(&media_key(owner, id), &upload.store_upload_id)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
