//! Direct uploads: the bytes stream through this service into storage, hashed on the way,
//! and the media is live at once (GraphQL multipart `uploadMedia`, seed 000's REST `/upload`,
//! the worker's outputs).

use super::{
    quotas::{self, Admission},
    storage_error,
    uploads::{Inserted, NewMedia, Retry, insert, new_row},
};
use crate::{
    MediaDeps,
    db::rows::MediaRow,
    domain::{MediaStatus, UploadRequest, normalise_tags},
    storage::{StorageError, checksum::PartChecksum, media_key},
};
use bytes::Bytes;
use futures::Stream;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, idempotency::IdempotencyKey};
use uuid::Uuid;

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
    key: Option<IdempotencyKey>,
) -> ApiResult<MediaRow>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let stored = store_stream(deps, actor, request, body, Streamer::Client).await?;
    register_stored(deps, actor, stored, None, key).await
}

/// Who streams a file in: a client (the account's upload limits apply) or the worker (an
/// output of a job, bounded by the job).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streamer {
    /// A client of the platform.
    Client,
    /// The worker, registering a job's output.
    Worker,
}

/// Streams a file into storage (size-limited, hashed on the way) without registering it:
/// the first half of a direct upload. A client's stream takes one of its account's
/// concurrent-upload slots and may not pass its storage quota. Nothing is left behind when
/// it fails.
pub async fn store_stream<S, E>(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
    body: S,
    streamer: Streamer,
) -> ApiResult<StoredUpload>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    actor.require_scope(Scope::Write)?;
    let max = deps.config.max_upload_bytes;
    let (_slot, limit) = match streamer {
        Streamer::Client => {
            let slot = quotas::open_stream(deps, actor.account_id).await?;
            let room = quotas::room(deps, actor.account_id).await?;
            (Some(slot), max.min(room))
        }
        Streamer::Worker => (None, max),
    };
    let id = Uuid::now_v7();
    let key = media_key(actor.account_id, id);
    let written = match deps
        .storage
        .put_stream(&key, body, limit, PartChecksum::Sha256)
        .await
    {
        Ok(written) => written,
        Err(StorageError::TooLarge(limit)) if limit < max => {
            return Err(ApiError::QuotaExceeded(format!(
                "the file is larger than the {limit} bytes left of the account's storage \
                 quota; delete media or abort uploads first"
            )));
        }
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
        sha256: written.checksum,
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
/// when given. The object is removed when registering fails, and when an idempotency `key`
/// made a media of the same file before (that media is the answer).
pub async fn register_stored(
    deps: &MediaDeps,
    actor: &Actor,
    stored: StoredUpload,
    tags: Option<Vec<String>>,
    key: Option<IdempotencyKey>,
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
    request.size = Some(stored.size);
    request.sha256 = Some(stored.sha256.clone());
    let retry = Retry::of("uploadMedia", key, &request);
    let admission = if request.job_id.is_some() {
        Admission::Exempt
    } else {
        Admission::Stored
    };
    let new = NewMedia {
        row: new_row(actor, stored.id, &request, MediaStatus::Live),
        retry,
        admission,
        multipart: None,
    };
    match insert(deps, new).await {
        Ok(Inserted::New(row)) => {
            deps.uploads.record(stored.size);
            Ok(row)
        }
        Ok(Inserted::Earlier(row)) => {
            discard_stored(deps, &stored).await;
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
