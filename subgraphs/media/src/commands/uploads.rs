//! Presigned uploads: create (a pending media and a URL), the client PUTs the bytes straight
//! to storage, finalize verifies size and sha256. Also what every upload path shares: the new
//! media row and its idempotent insert.

use super::{
    quotas::{self, Admission},
    storage_error,
};
use crate::{
    MediaDeps,
    db::{
        self,
        rows::{MediaRow, MultipartRow},
    },
    domain::{MediaStatus, UploadRequest},
    storage::{media_key, staging_key},
};
use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{
    Actor, ApiError, ApiResult, Scope,
    db::transaction,
    idempotency::{self, Claim, IdempotencyKey, Table, request_hash},
};
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

/// Where media keeps its creates' idempotency keys.
const KEYS: Table = Table("media.idempotency_keys");

/// An idempotent create of media: the client's key and a hash of what it asked for.
#[derive(Clone, Debug)]
pub struct Retry {
    key: IdempotencyKey,
    operation: &'static str,
    hash: String,
}

impl Retry {
    /// The retry identity of `request` made by `operation`, when the client sent a `key`.
    /// Direct uploads give the size and sha256 they measured, so a retry with other bytes
    /// is a different request.
    pub fn of(
        operation: &'static str,
        key: Option<IdempotencyKey>,
        request: &UploadRequest,
    ) -> Option<Self> {
        key.map(|key| Self {
            key,
            operation,
            hash: request_hash(&serde_json::json!({
                "name": request.name,
                "content_type": request.content_type,
                "size": request.size,
                "sha256": request.sha256,
                "tags": request.tags,
            })),
        })
    }
}

impl Retry {
    /// Adds what else distinguishes the request (a multipart upload's layout).
    pub(crate) fn extend(&mut self, more: &serde_json::Value) {
        self.hash = request_hash(&serde_json::json!([self.hash, more]));
    }
}

/// What an idempotent insert did.
#[derive(Clone, Debug)]
pub(crate) enum Inserted {
    /// Inserted this media.
    New(MediaRow),
    /// The key was used before for the same request: the media it made.
    Earlier(MediaRow),
}

pub(crate) fn new_row(
    actor: &Actor,
    id: Uuid,
    request: &UploadRequest,
    status: MediaStatus,
) -> MediaRow {
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

/// A media row to insert, and what comes with it.
pub(crate) struct NewMedia {
    /// The row.
    pub row: MediaRow,
    /// The client's idempotency key, if any.
    pub retry: Option<Retry>,
    /// What it asks of the account's quota.
    pub admission: Admission,
    /// Its multipart upload, when it is one.
    pub multipart: Option<MultipartRow>,
}

/// Inserts a media (its tags, its multipart record) within the account's quota, unless the
/// idempotency key made a media before: then that one.
pub(crate) async fn insert(deps: &MediaDeps, new: NewMedia) -> ApiResult<Inserted> {
    let NewMedia {
        row,
        retry,
        admission,
        multipart,
    } = new;
    let inserted = row.clone();
    let quotas = deps.config.quotas.clone();
    let earlier = transaction(&deps.pool, move |conn| {
        async move {
            if let Some(retry) = &retry
                && let Claim::Done(earlier) = idempotency::claim(
                    conn,
                    KEYS,
                    inserted.owner_id,
                    retry.operation,
                    &retry.key,
                    &retry.hash,
                )
                .await?
            {
                return Ok(Some(earlier));
            }
            let bytes = inserted.size_bytes.max(0) as u64;
            quotas::admit(conn, &quotas, inserted.owner_id, bytes, admission).await?;
            db::tags::ensure(conn, inserted.owner_id, &inserted.tags).await?;
            db::media::insert(conn, &inserted).await?;
            if let Some(multipart) = &multipart {
                db::uploads::insert(conn, multipart).await?;
            }
            if let Some(retry) = &retry {
                idempotency::record(
                    conn,
                    KEYS,
                    inserted.owner_id,
                    retry.operation,
                    &retry.key,
                    inserted.id,
                )
                .await?;
            }
            Ok(None)
        }
        .scope_boxed()
    })
    .await?;
    let Some(earlier) = earlier else {
        return Ok(Inserted::New(row));
    };
    let mut conn = deps.conn().await?;
    db::media::owned_by_ids(&mut conn, row.owner_id, &[earlier])
        .await?
        .into_iter()
        .next()
        .map(Inserted::Earlier)
        .ok_or_else(|| ApiError::not_found("media"))
}

/// Creates a pending media and a presigned PUT URL for its bytes. With an idempotency key
/// used before for the same request, the same media with a fresh URL.
pub async fn create_upload(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
    key: Option<IdempotencyKey>,
) -> ApiResult<UploadTicket> {
    actor.require_scope(Scope::Write)?;
    if request.size.is_none() {
        return Err(ApiError::bad_input("size", "give the file's size in bytes"));
    }
    if request.sha256.is_none() {
        return Err(ApiError::bad_input("sha256", "give the file's sha256"));
    }
    let retry = Retry::of("createUpload", key, &request);
    presign(deps, actor, request, retry).await
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
    presign(deps, actor, request, None).await
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
    retry: Option<Retry>,
) -> ApiResult<UploadTicket> {
    // The worker's job outputs are bounded by the job, not by the account's upload limits.
    let admission = if request.job_id.is_some() {
        Admission::Exempt
    } else {
        Admission::Pending
    };
    let new = NewMedia {
        row: new_row(actor, Uuid::now_v7(), &request, MediaStatus::Pending),
        retry,
        admission,
        multipart: None,
    };
    let media = match insert(deps, new).await? {
        Inserted::New(media) | Inserted::Earlier(media) => media,
    };
    let ttl = Duration::from_secs(deps.config.upload_url_ttl_seconds);
    let url = deps
        .storage
        .upload_url(
            &staging_key(media.owner_id, media.id),
            &media.content_type,
            ttl,
        )
        .await
        .map_err(storage_error)?;
    Ok(UploadTicket {
        headers: vec![("Content-Type".into(), media.content_type.clone())],
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
    let mut conn = deps.conn().await?;
    let multipart = db::uploads::of_media(&mut conn, id).await?;
    drop(conn);
    if multipart.is_some() {
        return Err(ApiError::bad_input(
            "id",
            "this is a multipart upload: call completeUpload",
        ));
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
