//! Multipart uploads and upload limits: `uploadPartUrls`, `uploadParts`, `completeUpload`,
//! `abortUpload`, `uploadQuota`, and the admin's `setUploadQuota`.

use super::types::{CreateUploadInput, Header, Media, UploadTicket, parse_id};
use crate::{
    MediaDeps,
    commands::{
        parts::{self, MultipartTicket, PartRequest, PartUrl},
        quotas::{self, QuotaOverride, QuotaReport},
    },
    domain::UploadRequest,
    storage::checksum::PartChecksum,
};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use mediamagic_kit::{ActorExt, ApiError, idempotency::IdempotencyKey};

/// How a multipart upload's parts are checked as they arrive. The whole file's sha256 is
/// checked at `completeUpload` either way.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PartChecksumAlgorithm {
    /// SHA-256 of each part (`sha256` of `UploadPartInput`, 64 hex digits).
    #[graphql(name = "SHA256")]
    Sha256,
    /// CRC32 (IEEE, as zlib and S3's `x-amz-checksum-crc32`) of each part (`crc32` of
    /// `UploadPartInput`, 8 hex digits, big-endian): a small fraction of SHA-256's CPU on
    /// both ends, for the fastest uploads.
    #[graphql(name = "CRC32")]
    Crc32,
}

impl From<PartChecksumAlgorithm> for PartChecksum {
    fn from(algorithm: PartChecksumAlgorithm) -> Self {
        match algorithm {
            PartChecksumAlgorithm::Sha256 => Self::Sha256,
            PartChecksumAlgorithm::Crc32 => Self::Crc32,
        }
    }
}

/// A part of a multipart upload to have a URL for, with the checksum of its bytes in the
/// upload's algorithm (`partChecksum` of `createUpload`): signed into its URL, so the store
/// refuses other bytes. Give exactly one of `sha256` and `crc32`.
#[derive(InputObject, Clone, Debug)]
pub struct UploadPartInput {
    /// 1-based part number.
    pub number: i32,
    /// SHA-256 of the part's bytes, 64 hex digits (uploads checked with SHA256).
    pub sha256: Option<String>,
    /// CRC32 of the part's bytes, 8 hex digits, big-endian (uploads checked with CRC32).
    pub crc32: Option<String>,
}

/// Where to PUT one part.
#[derive(SimpleObject, Clone, Debug)]
pub struct UploadPartUrl {
    /// The part's number.
    pub number: i32,
    /// The URL.
    pub url: String,
    /// The HTTP method (PUT).
    pub method: String,
    /// Headers to send with the PUT, exactly as given.
    pub headers: Vec<Header>,
    /// When the URL stops working (ask again with `uploadPartUrls`).
    pub expires_at: DateTime<Utc>,
}

/// The parts of a multipart upload.
#[derive(SimpleObject, Clone, Debug)]
pub struct MultipartUpload {
    /// Bytes per part; the last part has the rest.
    pub part_size: f64,
    /// How many parts.
    pub part_count: i32,
    /// URLs of the parts asked for with `parts`.
    pub parts: Vec<UploadPartUrl>,
}

/// A part the store holds.
#[derive(SimpleObject, Clone, Debug)]
pub struct UploadedPart {
    /// Its number.
    pub number: i32,
    /// Its size in bytes.
    pub size: f64,
    /// The store's entity tag.
    pub etag: Option<String>,
}

/// Where a multipart upload stands: resume by sending the missing parts.
#[derive(SimpleObject, Clone, Debug)]
pub struct UploadProgress {
    /// Bytes per part.
    pub part_size: f64,
    /// How many parts.
    pub part_count: i32,
    /// The parts the store holds.
    pub uploaded: Vec<UploadedPart>,
    /// Numbers of the parts still to send.
    pub missing: Vec<i32>,
}

/// An account's upload limits and where it stands.
#[derive(SimpleObject, Clone, Debug)]
pub struct UploadQuota {
    /// Bytes the account may store: live media plus pending uploads' declared sizes.
    pub storage_bytes: f64,
    /// Bytes of live media.
    pub stored_bytes: f64,
    /// Declared bytes of uploads started and not finished (reserved).
    pub reserved_bytes: f64,
    /// Presigned and multipart uploads started and not finished.
    pub pending_uploads: i32,
    /// The most it may have.
    pub max_pending_uploads: i32,
    /// Uploads streaming through the service now.
    pub active_uploads: i32,
    /// The most it may stream at once.
    pub max_concurrent_uploads: i32,
    /// Whether an admin set this account's own limits.
    pub overridden: bool,
}

impl From<QuotaReport> for UploadQuota {
    fn from(r: QuotaReport) -> Self {
        Self {
            storage_bytes: r.limits.storage_bytes as f64,
            stored_bytes: r.usage.stored_bytes as f64,
            reserved_bytes: r.usage.reserved_bytes as f64,
            pending_uploads: r.usage.pending_uploads as i32,
            max_pending_uploads: r.limits.pending_uploads as i32,
            active_uploads: r.active_uploads as i32,
            max_concurrent_uploads: r.limits.concurrent_uploads as i32,
            overridden: r.limits.overridden,
        }
    }
}

/// An account's own upload limits; a field left out (or null) goes back to the configured
/// value.
#[derive(InputObject, Clone, Debug)]
pub struct UploadQuotaInput {
    /// Storage quota in bytes.
    pub storage_bytes: Option<f64>,
    /// Uploads started and not finished.
    pub pending_uploads: Option<i32>,
    /// Uploads streamed through the service at once.
    pub concurrent_uploads: Option<i32>,
}

fn whole(field: &str, value: f64) -> Result<u64, ApiError> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 {
        Ok(value as u64)
    } else {
        Err(ApiError::bad_input(
            field,
            format!("{field} must be a whole number of bytes"),
        ))
    }
}

fn count(field: &str, value: i32) -> Result<u32, ApiError> {
    u32::try_from(value)
        .map_err(|_| ApiError::bad_input(field, format!("{field} must be zero or more")))
}

fn part_requests(parts: Vec<UploadPartInput>) -> Result<Vec<PartRequest>, ApiError> {
    parts
        .into_iter()
        .map(|p| {
            let (algorithm, checksum) = match (p.sha256, p.crc32) {
                (Some(sum), None) => (PartChecksum::Sha256, sum),
                (None, Some(sum)) => (PartChecksum::Crc32, sum),
                _ => {
                    return Err(ApiError::bad_input(
                        "parts",
                        format!("give one of part {}'s sha256 and crc32", p.number),
                    ));
                }
            };
            Ok(PartRequest {
                number: u32::try_from(p.number)
                    .map_err(|_| ApiError::bad_input("parts", "part numbers run from 1 up"))?,
                algorithm,
                checksum,
            })
        })
        .collect()
}

fn part_url_of(part: PartUrl) -> UploadPartUrl {
    UploadPartUrl {
        number: part.number as i32,
        url: part.url,
        method: "PUT".into(),
        headers: part
            .headers
            .into_iter()
            .map(|(name, value)| Header { name, value })
            .collect(),
        expires_at: part.expires_at,
    }
}

/// `createUpload` of a multipart upload.
pub(super) async fn create_multipart(
    ctx: &Context<'_>,
    deps: &MediaDeps,
    input: CreateUploadInput,
    key: Option<IdempotencyKey>,
) -> async_graphql::Result<UploadTicket> {
    let actor = ctx.writer()?;
    let size = whole("size", input.size)?;
    let mut request = UploadRequest::parse(
        &deps.config,
        &input.filename,
        &input.content_type,
        None,
        Some(&input.sha256),
        input.tags.unwrap_or_default(),
    )?;
    request.size = Some(size);
    let part_size = input.part_size.map(|p| whole("partSize", p)).transpose()?;
    let algorithm = input
        .part_checksum
        .unwrap_or(PartChecksumAlgorithm::Sha256)
        .into();
    let parts = part_requests(input.parts.unwrap_or_default())?;
    let MultipartTicket {
        media,
        part_size,
        part_count,
        parts,
    } = parts::create_multipart_upload(deps, actor, request, part_size, algorithm, parts, key)
        .await?;
    let ttl = std::time::Duration::from_secs(deps.config.upload_url_ttl_seconds);
    Ok(UploadTicket {
        media: Media(media),
        url: None,
        method: "PUT".into(),
        headers: Vec::new(),
        expires_at: Utc::now() + ttl,
        multipart: Some(MultipartUpload {
            part_size: part_size as f64,
            part_count: part_count as i32,
            parts: parts.into_iter().map(part_url_of).collect(),
        }),
    })
}

/// Queries of uploads.
#[derive(Default)]
pub struct UploadsQuery;

#[Object]
impl UploadsQuery {
    /// The parts the store holds of a multipart upload, and the ones still to send.
    async fn upload_parts(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<UploadProgress> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        let progress = parts::progress(deps, actor, id).await?;
        Ok(UploadProgress {
            part_size: progress.part_size as f64,
            part_count: progress.part_count as i32,
            uploaded: progress
                .uploaded
                .into_iter()
                .map(|p| UploadedPart {
                    number: p.number as i32,
                    size: p.size as f64,
                    etag: p.etag,
                })
                .collect(),
            missing: progress.missing.into_iter().map(|n| n as i32).collect(),
        })
    }

    /// The acting account's upload limits and what it stores.
    async fn upload_quota(&self, ctx: &Context<'_>) -> async_graphql::Result<UploadQuota> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        Ok(quotas::report(deps, actor).await?.into())
    }
}

/// Mutations of uploads.
#[derive(Default)]
pub struct UploadsMutation;

#[Object]
impl UploadsMutation {
    /// URLs for parts of a multipart upload, each with the SHA-256 of its bytes (at most 100
    /// at a time by default). Asking for a part again gives a fresh URL.
    async fn upload_part_urls(
        &self,
        ctx: &Context<'_>,
        id: ID,
        parts: Vec<UploadPartInput>,
    ) -> async_graphql::Result<Vec<UploadPartUrl>> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        let urls = parts::part_urls(deps, actor, id, part_requests(parts)?).await?;
        Ok(urls.into_iter().map(part_url_of).collect())
    }

    /// Assembles a multipart upload and checks its size and sha256; the media is then live.
    /// Missing parts: BAD_USER_INPUT naming them (send them and complete again). A part of
    /// the wrong size or a wrong sha256: BAD_USER_INPUT, and the upload is removed.
    async fn complete_upload(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Media> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Media(parts::complete(deps, actor, id).await?))
    }

    /// Drops an unfinished upload (multipart or single-PUT): its parts or bytes and the
    /// pending media.
    async fn abort_upload(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        parts::abort(deps, actor, id).await?;
        Ok(true)
    }

    /// Sets an account's own upload limits (admin scope).
    async fn set_upload_quota(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        input: UploadQuotaInput,
    ) -> async_graphql::Result<UploadQuota> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<MediaDeps>()?;
        let account = parse_id("accountId", &account_id)?;
        let limits = QuotaOverride {
            storage_bytes: input
                .storage_bytes
                .map(|b| whole("storageBytes", b))
                .transpose()?,
            pending_uploads: input
                .pending_uploads
                .map(|n| count("pendingUploads", n))
                .transpose()?,
            concurrent_uploads: input
                .concurrent_uploads
                .map(|n| count("concurrentUploads", n))
                .transpose()?,
        };
        Ok(quotas::set_limits(deps, actor, account, limits)
            .await?
            .into())
    }
}
