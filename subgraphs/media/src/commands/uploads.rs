//! Uploads: presigned (create, the client PUTs to storage, finalize verifies size and
//! sha256) and direct (streamed through this service, hashed on the way).

use super::storage_error;
use crate::{
    MediaDeps,
    db::{self, rows::MediaRow},
    domain::{MediaStatus, UploadRequest, normalise_tags},
    storage::{StorageError, media_key, staging_key},
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use futures::Stream;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use std::time::Duration;
use uuid::Uuid;

/// Where and how the client sends the bytes of a presigned upload.
#[derive(Clone, Debug)]
pub struct UploadTicket {
    /// The pending media.
    pub media: MediaRow,
    /// The URL to PUT the bytes to.
    pub url: String,
    /// Headers the client must send with the PUT.
    pub headers: Vec<(String, String)>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
}

fn new_row(actor: &Actor, id: Uuid, request: &UploadRequest, status: MediaStatus) -> MediaRow {
    let now = Utc::now();
    MediaRow {
        id,
        owner_id: actor.account_id,
        owner_kind: actor.account_kind.as_str().to_owned(),
        name: request.name.clone(),
        content_type: request.content_type.clone(),
        kind: request.kind.as_str().to_owned(),
        size_bytes: request.size.unwrap_or(0) as i64,
        sha256: request.sha256.clone(),
        status: status.as_str().to_owned(),
        tags: request.tags.clone(),
        metadata: None,
        failure: None,
        job_id: request.job_id,
        created_at: now,
        updated_at: now,
    }
}

async fn insert(deps: &MediaDeps, row: MediaRow) -> ApiResult<MediaRow> {
    let inserted = row.clone();
    transaction(&deps.pool, move |conn| {
        async move {
            db::tags::ensure(conn, inserted.owner_id, &inserted.tags).await?;
            db::media::insert(conn, &inserted).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    Ok(row)
}

/// Creates a pending media and a presigned PUT URL for its bytes.
pub async fn create_upload(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
) -> ApiResult<UploadTicket> {
    actor.require_scope(Scope::Write)?;
    if request.size.is_none() {
        return Err(ApiError::bad_input("size", "give the file's size in bytes"));
    }
    if request.sha256.is_none() {
        return Err(ApiError::bad_input("sha256", "give the file's sha256"));
    }
    presign(deps, actor, request).await
}

/// Creates a pending media for an output of job `job_id` (the worker, acting as the job's
/// owner) and a presigned PUT URL for it. Size and sha256 may be left out when the program
/// that writes the file runs elsewhere (a Kubernetes pod): finalizing then records what was
/// stored.
pub async fn create_job_output_upload(
    deps: &MediaDeps,
    actor: &Actor,
    job_id: Uuid,
    mut request: UploadRequest,
) -> ApiResult<UploadTicket> {
    actor.require_scope(Scope::Write)?;
    request.job_id = Some(job_id);
    presign(deps, actor, request).await
}

/// Removes the outputs of job `job_id` except `keep`: leftovers of an attempt whose worker
/// died before finishing. Returns how many were removed.
pub async fn discard_job_outputs(
    deps: &MediaDeps,
    actor: &Actor,
    job_id: Uuid,
    keep: Vec<Uuid>,
) -> ApiResult<usize> {
    actor.require_scope(Scope::Write)?;
    let mut conn = deps.conn().await?;
    Ok(db::media::delete_job_outputs(&mut conn, actor.account_id, job_id, &keep).await?)
}

async fn presign(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
) -> ApiResult<UploadTicket> {
    let id = Uuid::now_v7();
    let ttl = Duration::from_secs(deps.config.upload_url_ttl_seconds);
    let url = deps
        .storage
        .upload_url(
            &staging_key(actor.account_id, id),
            &request.content_type,
            ttl,
        )
        .await
        .map_err(storage_error)?;
    let media = insert(deps, new_row(actor, id, &request, MediaStatus::Pending)).await?;
    Ok(UploadTicket {
        headers: vec![("Content-Type".into(), request.content_type.clone())],
        media,
        url,
        expires_at: Utc::now() + ttl,
    })
}

/// Verifies a presigned upload: the object exists with the declared size and sha256. Then the
/// media is live; on a mismatch it is failed, the object removed, and the error says why.
/// Finalizing a live media again returns it unchanged.
///
/// A worker request (`worker_job`) may finalize only the outputs of the job it holds.
pub async fn finalize_upload(
    deps: &MediaDeps,
    actor: &Actor,
    id: Uuid,
    worker_job: Option<Uuid>,
) -> ApiResult<MediaRow> {
    actor.require_scope(Scope::Write)?;
    let mut conn = deps.conn().await?;
    let media = db::media::owned_by_ids(&mut conn, actor.account_id, &[id])
        .await?
        .into_iter()
        .next()
        .filter(|m| m.status != MediaStatus::Deleted.as_str())
        .filter(|m| worker_job.is_none() || m.job_id == worker_job)
        .ok_or_else(|| ApiError::not_found("media"))?;
    drop(conn);
    match MediaStatus::parse(&media.status) {
        Some(MediaStatus::Live) => return Ok(media),
        Some(MediaStatus::Failed) => {
            return Err(ApiError::Conflict(format!(
                "this upload failed ({}); create a new one",
                media.failure.as_deref().unwrap_or("unknown reason")
            )));
        }
        _ => {}
    }
    let key = media_key(media.owner_id, media.id);
    // The bytes move out of reach of the presigned URL first, then are checked: a PUT
    // after this lands in a staging object nothing reads (uploads of earlier versions went
    // to the media key itself).
    deps.storage
        .rename(&staging_key(media.owner_id, media.id), &key)
        .await
        .map_err(storage_error)?;
    let size = deps.storage.size(&key).await.map_err(storage_error)?;
    let Some(size) = size else {
        return Err(ApiError::bad_input(
            "id",
            "nothing has been uploaded to this media's upload URL yet",
        ));
    };
    if media.sha256.is_none() && media.job_id.is_some() {
        return record_job_output(deps, &media, &key, size).await;
    }
    let mismatch = if size != media.size_bytes as u64 {
        Some(format!(
            "the uploaded file has {size} bytes, not the declared {}",
            media.size_bytes
        ))
    } else {
        let actual = deps.storage.sha256(&key).await.map_err(storage_error)?;
        (Some(actual.as_str()) != media.sha256.as_deref()).then(|| {
            format!(
                "the uploaded file's sha256 is {actual}, not the declared {}",
                media.sha256.as_deref().unwrap_or("")
            )
        })
    };
    let mut conn = deps.conn().await?;
    match mismatch {
        None => {
            let live = db::media::set_status(&mut conn, id, MediaStatus::Live.as_str(), None, None)
                .await?;
            deps.uploads.record(size);
            Ok(live)
        }
        Some(reason) => {
            db::media::set_status(
                &mut conn,
                id,
                MediaStatus::Failed.as_str(),
                Some(&reason),
                None,
            )
            .await?;
            deps.storage.delete(&key).await.map_err(storage_error)?;
            Err(ApiError::bad_input("id", reason))
        }
    }
}

/// Makes a job output whose size and sha256 were not declared live with what was stored
/// (the size limit still applies).
async fn record_job_output(
    deps: &MediaDeps,
    media: &MediaRow,
    key: &str,
    size: u64,
) -> ApiResult<MediaRow> {
    let mut conn = deps.conn().await?;
    if size == 0 || size > deps.config.max_upload_bytes {
        let reason = format!(
            "the output has {size} bytes (1 to {} are accepted)",
            deps.config.max_upload_bytes
        );
        db::media::set_status(
            &mut conn,
            media.id,
            MediaStatus::Failed.as_str(),
            Some(&reason),
            None,
        )
        .await?;
        deps.storage.delete(key).await.map_err(storage_error)?;
        return Err(ApiError::bad_input("id", reason));
    }
    drop(conn);
    let sha256 = deps.storage.sha256(key).await.map_err(storage_error)?;
    let mut conn = deps.conn().await?;
    Ok(db::media::set_content(&mut conn, media.id, size as i64, &sha256).await?)
}

/// A file streamed into storage by this service and not yet registered as media.
#[derive(Clone, Debug)]
pub struct StoredUpload {
    /// The media id it will get.
    pub id: Uuid,
    /// Its storage key.
    pub key: String,
    /// What the client said about it.
    pub request: UploadRequest,
    /// Its size in bytes.
    pub size: u64,
    /// Its sha256, lower-case hex.
    pub sha256: String,
}

/// Streams a file through this service into storage and registers it as live media. The
/// size limit applies while streaming; on any failure nothing is stored or registered.
pub async fn upload_direct<S, E>(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
    body: S,
) -> ApiResult<MediaRow>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let stored = store_stream(deps, actor, request, body).await?;
    register_stored(deps, actor, stored, None).await
}

/// Streams a file into storage (size-limited, hashed on the way) without registering it:
/// the first half of a direct upload. Nothing is left behind when it fails.
pub async fn store_stream<S, E>(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
    body: S,
) -> ApiResult<StoredUpload>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    actor.require_scope(Scope::Write)?;
    let id = Uuid::now_v7();
    let key = media_key(actor.account_id, id);
    let written = match deps
        .storage
        .put_stream(&key, body, deps.config.max_upload_bytes)
        .await
    {
        Ok(written) => written,
        Err(StorageError::TooLarge(limit)) => {
            return Err(ApiError::PayloadTooLarge(format!(
                "the file is over the upload limit of {limit} bytes"
            )));
        }
        Err(StorageError::Body(e)) => {
            return Err(ApiError::bad_input(
                "media",
                format!("reading the upload failed: {e}"),
            ));
        }
        Err(e) => return Err(storage_error(e)),
    };
    let stored = StoredUpload {
        id,
        key,
        request,
        size: written.size,
        sha256: written.sha256,
    };
    if stored.size == 0 {
        discard_stored(deps, &stored).await;
        return Err(ApiError::bad_input("media", "the file is empty"));
    }
    if let Some(declared) = &stored.request.sha256
        && declared != &stored.sha256
    {
        let message = format!(
            "the file's sha256 is {}, not the declared {declared}",
            stored.sha256
        );
        discard_stored(deps, &stored).await;
        return Err(ApiError::bad_input("sha256", message));
    }
    Ok(stored)
}

/// Registers a stored file as live media of `actor`, with `tags` instead of the request's
/// when given. The object is removed when registering fails.
pub async fn register_stored(
    deps: &MediaDeps,
    actor: &Actor,
    stored: StoredUpload,
    tags: Option<Vec<String>>,
) -> ApiResult<MediaRow> {
    let mut request = stored.request.clone();
    if let Some(tags) = tags {
        request.tags = match normalise_tags(&deps.config, tags) {
            Ok(tags) => tags,
            Err(e) => {
                discard_stored(deps, &stored).await;
                return Err(e);
            }
        };
    }
    let mut row = new_row(actor, stored.id, &request, MediaStatus::Live);
    row.size_bytes = stored.size as i64;
    row.sha256 = Some(stored.sha256.clone());
    match insert(deps, row).await {
        Ok(row) => {
            deps.uploads.record(stored.size);
            Ok(row)
        }
        Err(e) => {
            discard_stored(deps, &stored).await;
            Err(e)
        }
    }
}

/// Removes a stored file that will not become media (best effort: the object is not
/// registered anywhere, so a leftover is only wasted space, and it is logged).
pub async fn discard_stored(deps: &MediaDeps, stored: &StoredUpload) {
    if let Err(e) = deps.storage.delete(&stored.key).await {
        tracing::warn!(key = %stored.key, error = %e, "could not remove an unregistered upload");
    }
}
