//! Multipart uploads: a pending media whose bytes arrive in numbered parts, in parallel, each
//! PUT to a presigned URL that carries the part's checksum, SHA-256 or CRC32 as chosen when
//! the upload starts (the store refuses other bytes).
//! `uploadParts` lists what the store holds, so a client resumes after a crash;
//! `completeUpload` assembles and checks the declared size and sha256; `abortUpload` drops
//! everything. An upload that fails its checks leaves no object and no row behind.

use super::{
    quotas::Admission,
    storage_error,
    uploads::{Inserted, NewMedia, Retry, insert, new_row},
};
use crate::{
    MediaDeps,
    config::MultipartConfig,
    db::{
        self,
        rows::{MediaRow, MultipartRow},
    },
    domain::{MediaStatus, UploadRequest},
    storage::{
        checksum::PartChecksum,
        media_key,
        parts::{PartToAssemble, StoredPart},
        staging_key,
    },
};
use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{
    Actor, ApiError, ApiResult, Scope, db::transaction, idempotency::IdempotencyKey,
};
use std::time::Duration;
use uuid::Uuid;

/// S3's smallest part (all but the last).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// S3's largest part.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// S3's most parts.
pub const MAX_PARTS: u64 = 10_000;

/// A part the client will send: its number and the checksum of its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartRequest {
    /// 1-based.
    pub number: u32,
    /// The algorithm the client used (it must be the upload's).
    pub algorithm: PartChecksum,
    /// Hex.
    pub checksum: String,
}

/// Where to PUT one part.
#[derive(Clone, Debug)]
pub struct PartUrl {
    /// The part's number.
    pub number: u32,
    /// The URL.
    pub url: String,
    /// Headers to send with the PUT, exactly.
    pub headers: Vec<(String, String)>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
}

/// A multipart upload, started.
#[derive(Clone, Debug)]
pub struct MultipartTicket {
    /// The pending media.
    pub media: MediaRow,
    /// Bytes per part (the last one has the rest).
    pub part_size: u64,
    /// How many parts.
    pub part_count: u32,
    /// URLs of the parts asked for.
    pub parts: Vec<PartUrl>,
}

/// Where a multipart upload stands.
#[derive(Clone, Debug)]
pub struct UploadProgress {
    /// Bytes per part.
    pub part_size: u64,
    /// How many parts.
    pub part_count: u32,
    /// The parts the store holds.
    pub uploaded: Vec<StoredPart>,
    /// Numbers of the parts still to send.
    pub missing: Vec<u32>,
}

/// The part layout of `size` bytes: (part size, part count). The client's `asked` size, else
/// the configured one, raised so that no more than `max_parts` are needed (S3's 10,000,
/// GCS's 1,024).
pub fn layout(
    size: u64,
    asked: Option<u64>,
    config: &MultipartConfig,
    max_parts: u64,
) -> ApiResult<(u64, u32)> {
    if size == 0 {
        return Err(ApiError::bad_input(
            "size",
            "a multipart upload has at least one byte",
        ));
    }
    if size > config.max_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "the file is over the multipart upload limit of {} bytes",
            config.max_bytes
        )));
    }
    if let Some(asked) = asked
        && !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&asked)
    {
        return Err(ApiError::bad_input(
            "partSize",
            format!("a part has {MIN_PART_SIZE} to {MAX_PART_SIZE} bytes"),
        ));
    }
    let wanted = asked
        .unwrap_or(config.part_size_bytes)
        .clamp(MIN_PART_SIZE, MAX_PART_SIZE);
    let part_size = wanted.max(size.div_ceil(max_parts));
    Ok((part_size, size.div_ceil(part_size) as u32))
}

/// The size part `number` must have.
fn expected_size(size: u64, part_size: u64, part_count: u32, number: u32) -> u64 {
    if number < part_count {
        part_size
    } else {
        size - part_size * u64::from(part_count - 1)
    }
}

/// The requested parts, checked (at most the configured count, numbers in range and each
/// once, checksums of `algorithm` in hex) and with their checksums in lower case.
fn checked_parts(
    parts: Vec<PartRequest>,
    part_count: u32,
    algorithm: PartChecksum,
    config: &MultipartConfig,
) -> ApiResult<Vec<PartRequest>> {
    if parts.len() > config.part_urls_per_request {
        return Err(ApiError::bad_input(
            "parts",
            format!(
                "ask for at most {} part URLs at a time",
                config.part_urls_per_request
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut checked = Vec::with_capacity(parts.len());
    for part in parts {
        if part.number == 0 || part.number > part_count {
            return Err(ApiError::bad_input(
                "parts",
                format!(
                    "part numbers run from 1 to {part_count}, not {}",
                    part.number
                ),
            ));
        }
        if !seen.insert(part.number) {
            return Err(ApiError::bad_input(
                "parts",
                format!("part {} is asked twice", part.number),
            ));
        }
        if part.algorithm != algorithm {
            return Err(ApiError::bad_input(
                "parts",
                format!(
                    "this upload's parts are checked with {0}: give part {1}'s {0}, not its {2}",
                    algorithm.as_str(),
                    part.number,
                    part.algorithm.as_str()
                ),
            ));
        }
        let checksum = algorithm.normalized(&part.checksum).map_err(|why| {
            ApiError::bad_input(
                "parts",
                format!("part {}'s {} {why}", part.number, algorithm.as_str()),
            )
        })?;
        checked.push(PartRequest {
            number: part.number,
            algorithm,
            checksum,
        });
    }
    Ok(checked)
}

/// Starts a multipart upload of a file of the declared size and sha256, its parts checked
/// with `algorithm`, with URLs for the `parts` given. With an idempotency key used before for
/// the same request, the same upload.
pub async fn create_multipart_upload(
    deps: &MediaDeps,
    actor: &Actor,
    request: UploadRequest,
    part_size: Option<u64>,
    algorithm: PartChecksum,
    parts: Vec<PartRequest>,
    key: Option<IdempotencyKey>,
) -> ApiResult<MultipartTicket> {
    actor.require_scope(Scope::Write)?;
    let (Some(size), Some(_)) = (request.size, &request.sha256) else {
        return Err(ApiError::bad_input(
            "size",
            "give the file's size in bytes and its sha256",
        ));
    };
    let (part_size, part_count) = layout(
        size,
        part_size,
        &deps.config.multipart,
        deps.storage.max_parts(),
    )?;
    let parts = checked_parts(parts, part_count, algorithm, &deps.config.multipart)?;
    let id = Uuid::now_v7();
    let object = media_key(actor.account_id, id);
    let store_upload_id = deps
        .storage
        .start_multipart(&object, algorithm)
        .await
        .map_err(storage_error)?;
    let multipart = MultipartRow {
        media_id: id,
        owner_id: actor.account_id,
        store_upload_id: store_upload_id.clone(),
        part_size: part_size as i64,
        part_count: part_count as i32,
        completing_since: None,
        created_at: Utc::now(),
        part_checksum: algorithm.as_str().to_owned(),
    };
    let mut retry = Retry::of("createUpload", key, &request);
    if let Some(retry) = &mut retry {
        retry.extend(&serde_json::json!({
            "multipart": true, "part_size": part_size, "part_checksum": algorithm.as_str(),
        }));
    }
    let new = NewMedia {
        row: new_row(actor, id, &request, MediaStatus::Pending),
        retry,
        admission: Admission::Pending,
        multipart: Some(multipart),
    };
    let inserted = insert(deps, new).await;
    let media = match inserted {
        Ok(Inserted::New(media)) => media,
        Ok(Inserted::Earlier(media)) => {
            abandon_store_upload(deps, &object, &store_upload_id).await;
            media
        }
        Err(e) => {
            abandon_store_upload(deps, &object, &store_upload_id).await;
            return Err(e);
        }
    };
    let mut conn = deps.conn().await?;
    let upload = db::uploads::of_media(&mut conn, media.id)
        .await?
        .ok_or_else(|| {
            ApiError::Conflict("this idempotency key started a single-PUT upload".into())
        })?;
    drop(conn);
    let urls = sign_parts(deps, &media, &upload, &parts).await?;
    Ok(MultipartTicket {
        part_size: upload.part_size as u64,
        part_count: upload.part_count as u32,
        media,
        parts: urls,
    })
}

async fn abandon_store_upload(deps: &MediaDeps, object: &str, upload_id: &str) {
    if let Err(e) = deps.storage.abort_multipart(object, upload_id).await {
        tracing::warn!(error = %e, "could not abort an unused multipart upload");
    }
}

/// The acting account's pending multipart upload `id`.
async fn pending_upload(
    deps: &MediaDeps,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<(MediaRow, Option<MultipartRow>)> {
    let mut conn = deps.conn().await?;
    let media = db::media::owned_by_ids(&mut conn, actor.account_id, &[id])
        .await?
        .into_iter()
        .next()
        .filter(|m| m.status != MediaStatus::Deleted.as_str())
        .ok_or_else(|| ApiError::not_found("media"))?;
    let upload = db::uploads::of_media(&mut conn, id).await?;
    Ok((media, upload))
}

fn multipart_of(media: &MediaRow, upload: Option<MultipartRow>) -> ApiResult<MultipartRow> {
    if media.status == MediaStatus::Live.as_str() {
        return Err(ApiError::Conflict("this upload is complete".into()));
    }
    upload.ok_or_else(|| {
        ApiError::bad_input(
            "id",
            "this is a single-PUT upload: PUT the bytes to its URL and call finalizeUpload",
        )
    })
}

async fn sign_parts(
    deps: &MediaDeps,
    media: &MediaRow,
    upload: &MultipartRow,
    parts: &[PartRequest],
) -> ApiResult<Vec<PartUrl>> {
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let sums: Vec<(i32, String)> = parts
        .iter()
        .map(|p| (p.number as i32, p.checksum.clone()))
        .collect();
    let mut conn = deps.conn().await?;
    db::uploads::set_part_sums(&mut conn, media.id, &sums).await?;
    drop(conn);
    let ttl = Duration::from_secs(deps.config.upload_url_ttl_seconds);
    let expires_at = Utc::now() + ttl;
    let object = media_key(media.owner_id, media.id);
    let mut urls = Vec::with_capacity(parts.len());
    for part in parts {
        let (url, headers) = deps
            .storage
            .part_url(
                &object,
                &upload.store_upload_id,
                part.number,
                (upload.part_algorithm(), &part.checksum),
                ttl,
            )
            .await
            .map_err(storage_error)?;
        urls.push(PartUrl {
            number: part.number,
            url,
            headers,
            expires_at,
        });
    }
    Ok(urls)
}

/// URLs for more parts of upload `id` (each with the checksum its bytes must have).
pub async fn part_urls(
    deps: &MediaDeps,
    actor: &Actor,
    id: Uuid,
    parts: Vec<PartRequest>,
) -> ApiResult<Vec<PartUrl>> {
    actor.require_scope(Scope::Write)?;
    let (media, upload) = pending_upload(deps, actor, id).await?;
    let upload = multipart_of(&media, upload)?;
    let parts = checked_parts(
        parts,
        upload.part_count as u32,
        upload.part_algorithm(),
        &deps.config.multipart,
    )?;
    sign_parts(deps, &media, &upload, &parts).await
}

/// What the store holds of upload `id`, and what is missing.
pub async fn progress(deps: &MediaDeps, actor: &Actor, id: Uuid) -> ApiResult<UploadProgress> {
    let (media, upload) = pending_upload(deps, actor, id).await?;
    let upload = multipart_of(&media, upload)?;
    let uploaded = deps
        .storage
        .uploaded_parts(
            &media_key(media.owner_id, media.id),
            &upload.store_upload_id,
        )
        .await
        .map_err(storage_error)?;
    let count = upload.part_count as u32;
    let missing = (1..=count)
        .filter(|n| !uploaded.iter().any(|p| p.number == *n))
        .collect();
    Ok(UploadProgress {
        part_size: upload.part_size as u64,
        part_count: count,
        uploaded,
        missing,
    })
}

/// Removes everything of a failed upload (parts, object, rows) and says why.
async fn fail(
    deps: &MediaDeps,
    media: &MediaRow,
    upload: &MultipartRow,
    reason: String,
) -> ApiError {
    let object = media_key(media.owner_id, media.id);
    if let Err(e) = deps
        .storage
        .abort_multipart(&object, &upload.store_upload_id)
        .await
    {
        tracing::warn!(error = %e, "could not abort a failed multipart upload");
    }
    if let Err(e) = deps.storage.delete(&object).await {
        tracing::warn!(error = %e, "could not remove a failed upload's object");
    }
    match deps.conn().await {
        Ok(mut conn) => {
            if let Err(e) = db::uploads::remove_unfinished(&mut conn, media.id).await {
                tracing::warn!(error = %e, "could not remove a failed upload's row");
            }
        }
        Err(e) => tracing::warn!(error = ?e, "could not remove a failed upload's row"),
    }
    ApiError::bad_input("id", reason)
}

/// Assembles upload `id` and checks it: every part there with its size, then the whole
/// file's size and sha256. Missing parts leave the upload open (send them and complete
/// again); anything else wrong removes the upload. Completing a live media returns it.
pub async fn complete(deps: &MediaDeps, actor: &Actor, id: Uuid) -> ApiResult<MediaRow> {
    actor.require_scope(Scope::Write)?;
    let (media, upload) = pending_upload(deps, actor, id).await?;
    // A retried completion answers the media it made, also once processing has moved it on
    // (a file ffprobe cannot read is `failed` by then).
    let completed = media.status == MediaStatus::Live.as_str()
        || (media.status == MediaStatus::Failed.as_str() && upload.is_none());
    if completed {
        return Ok(media);
    }
    let upload = multipart_of(&media, upload)?;
    let mut conn = deps.conn().await?;
    // Assembling a part set takes a while; one completion at a time, and a crashed one is
    // taken over after an hour.
    if !db::uploads::claim_completion(&mut conn, id, Utc::now(), chrono::Duration::hours(1)).await?
    {
        return Err(ApiError::Conflict(
            "this upload is being completed by another request".into(),
        ));
    }
    let sums = db::uploads::part_sums(&mut conn, id).await?;
    drop(conn);
    let object = media_key(media.owner_id, media.id);
    let stored = match deps
        .storage
        .uploaded_parts(&object, &upload.store_upload_id)
        .await
    {
        Ok(stored) => stored,
        Err(e) => {
            release(deps, id).await;
            return Err(storage_error(e));
        }
    };
    let count = upload.part_count as u32;
    let size = media.size_bytes.max(0) as u64;
    let missing: Vec<u32> = (1..=count)
        .filter(|n| !stored.iter().any(|p| p.number == *n))
        .collect();
    if !missing.is_empty() {
        release(deps, id).await;
        let shown: Vec<String> = missing.iter().take(20).map(u32::to_string).collect();
        return Err(ApiError::bad_input(
            "id",
            format!(
                "{} of {count} parts are missing ({}{}); send them (uploadParts lists what \
                 arrived) and complete again",
                missing.len(),
                shown.join(", "),
                if missing.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                }
            ),
        ));
    }
    let mut parts = Vec::with_capacity(count as usize);
    for part in &stored {
        let wanted = expected_size(size, upload.part_size as u64, count, part.number);
        if part.number > count || part.size != wanted {
            let reason = format!(
                "part {} has {} bytes, not {wanted}; the upload is removed",
                part.number, part.size
            );
            return Err(fail(deps, &media, &upload, reason).await);
        }
        let Some((_, checksum)) = sums.iter().find(|(n, _)| *n as u32 == part.number) else {
            let reason = format!("part {} was sent without its checksum", part.number);
            return Err(fail(deps, &media, &upload, reason).await);
        };
        parts.push(PartToAssemble {
            number: part.number,
            etag: part.etag.clone(),
            checksum: checksum.clone(),
        });
    }
    let started = std::time::Instant::now();
    let assembled = match deps
        .storage
        .assemble(
            &object,
            &upload.store_upload_id,
            upload.part_algorithm(),
            &parts,
        )
        .await
    {
        Ok(assembled) => assembled,
        Err(e) => {
            tracing::warn!(error = %e, media = %id, "assembling a multipart upload failed");
            let which = match e {
                crate::storage::StorageError::PartMismatch(number) => format!("part {number}"),
                _ => "a part".into(),
            };
            let reason = format!(
                "the store could not assemble the parts ({which} differs from the {} its URL \
                 was asked with); the upload is removed",
                upload.part_algorithm().as_str()
            );
            return Err(fail(deps, &media, &upload, reason).await);
        }
    };
    tracing::info!(media = %id, bytes = assembled.size, elapsed_ms = started.elapsed().as_millis() as u64, "assembled a multipart upload");
    if assembled.size != size {
        let reason = format!(
            "the parts add up to {} bytes, not the declared {size}; the upload is removed",
            assembled.size
        );
        return Err(fail(deps, &media, &upload, reason).await);
    }
    if Some(assembled.sha256.as_str()) != media.sha256.as_deref() {
        let reason = format!(
            "the assembled file's sha256 is {}, not the declared {}; the upload is removed",
            assembled.sha256,
            media.sha256.as_deref().unwrap_or("")
        );
        return Err(fail(deps, &media, &upload, reason).await);
    }
    let live = transaction(&deps.pool, move |conn| {
        async move {
            let live =
                db::media::set_status(conn, id, MediaStatus::Live.as_str(), None, None).await?;
            db::uploads::finish(conn, id).await?;
            Ok(live)
        }
        .scope_boxed()
    })
    .await?;
    deps.uploads.record(size);
    Ok(live)
}

async fn release(deps: &MediaDeps, id: Uuid) {
    if let Ok(mut conn) = deps.conn().await
        && let Err(e) = db::uploads::release_completion(&mut conn, id).await
    {
        tracing::warn!(error = %e, "could not release a multipart completion");
    }
}

/// Drops pending upload `id` (multipart or single-PUT): its parts or bytes and its row.
pub async fn abort(deps: &MediaDeps, actor: &Actor, id: Uuid) -> ApiResult<()> {
    actor.require_scope(Scope::Write)?;
    let (media, upload) = pending_upload(deps, actor, id).await?;
    if media.status == MediaStatus::Live.as_str() {
        return Err(ApiError::Conflict(
            "this upload is complete; delete the media instead".into(),
        ));
    }
    if let Some(upload) = &upload
        && upload
            .completing_since
            .is_some_and(|since| since > Utc::now() - chrono::Duration::hours(1))
    {
        return Err(ApiError::Conflict(
            "this upload is being completed; wait for completeUpload's answer".into(),
        ));
    }
    let object = media_key(media.owner_id, media.id);
    if let Some(upload) = &upload {
        deps.storage
            .abort_multipart(&object, &upload.store_upload_id)
            .await
            .map_err(storage_error)?;
    }
    for key in [staging_key(media.owner_id, media.id), object] {
        deps.storage.delete(&key).await.map_err(storage_error)?;
    }
    let mut conn = deps.conn().await?;
    db::uploads::remove_unfinished(&mut conn, id).await?;
    Ok(())
}

/// Aborts the store side of media `id`'s multipart upload, if it has one (a deleted or
/// abandoned pending media).
pub async fn abandon(deps: &MediaDeps, media: &MediaRow) -> ApiResult<()> {
    let mut conn = deps.conn().await?;
    let Some(upload) = db::uploads::of_media(&mut conn, media.id).await? else {
        return Ok(());
    };
    drop(conn);
    deps.storage
        .abort_multipart(
            &media_key(media.owner_id, media.id),
            &upload.store_upload_id,
        )
        .await
        .map_err(storage_error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_layout_uses_the_asked_part_size_and_stays_within_ten_thousand_parts() {
        let config = MultipartConfig::default();
        assert_eq!(
            layout(1024 * MIB, None, &config, MAX_PARTS).unwrap(),
            (64 * MIB, 16)
        );
        assert_eq!(
            layout(1024 * MIB + 1, Some(8 * MIB), &config, MAX_PARTS).unwrap(),
            (8 * MIB, 129)
        );
        let huge = 5 * 1024 * 1024 * MIB;
        let (part, count) = layout(huge, Some(5 * MIB), &config, MAX_PARTS).unwrap();
        assert!(u64::from(count) <= MAX_PARTS && part * u64::from(count) >= huge);
        assert!(layout(0, None, &config, MAX_PARTS).is_err());
        assert!(layout(10, Some(MIB), &config, MAX_PARTS).is_err());
        assert!(layout(huge + 1, None, &config, MAX_PARTS).is_err());
        // GCS composes at most 1,024 parts: the largest file takes the largest parts.
        let (part, count) = layout(huge, None, &config, 1024).unwrap();
        assert_eq!((part, count), (MAX_PART_SIZE, 1024));
    }

    #[test]
    fn the_last_part_has_the_rest() {
        assert_eq!(expected_size(10, 4, 3, 1), 4);
        assert_eq!(expected_size(10, 4, 3, 3), 2);
        assert_eq!(expected_size(8, 4, 2, 2), 4);
    }

    #[test]
    fn part_requests_are_checked() {
        let config = MultipartConfig::default();
        let sum = "a".repeat(64);
        let part = |number: u32, checksum: &str| PartRequest {
            number,
            algorithm: if checksum.len() == 8 {
                PartChecksum::Crc32
            } else {
                PartChecksum::Sha256
            },
            checksum: checksum.into(),
        };
        let sha = PartChecksum::Sha256;
        let check = |parts| checked_parts(parts, 2, sha, &config);
        assert!(check(vec![part(1, &sum), part(2, &sum)]).is_ok());
        assert!(check(vec![part(0, &sum)]).is_err());
        assert!(check(vec![part(3, &sum)]).is_err());
        assert!(check(vec![part(1, &sum), part(1, &sum)]).is_err());
        assert!(check(vec![part(1, "xyz")]).is_err());
        let upper = check(vec![part(1, &"A".repeat(64))]).unwrap();
        assert_eq!(upper[0].checksum, sum);
        // A CRC32 upload takes 8 hex digits per part, and not a SHA-256.
        let crc = |parts| checked_parts(parts, 2, PartChecksum::Crc32, &config);
        assert_eq!(
            crc(vec![part(1, "CBF43926")]).unwrap()[0].checksum,
            "cbf43926"
        );
        let refused = format!("{:?}", crc(vec![part(1, &sum)]).unwrap_err());
        assert!(refused.contains("give part 1's crc32"), "{refused}");
        let short = PartRequest {
            number: 1,
            algorithm: PartChecksum::Crc32,
            checksum: "abc".into(),
        };
        let refused = format!("{:?}", crc(vec![short]).unwrap_err());
        assert!(refused.contains("crc32 must be 8 hex digits"), "{refused}");
    }
}
