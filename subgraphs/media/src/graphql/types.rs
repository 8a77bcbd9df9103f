//! GraphQL object and input types of the media subgraph.

use crate::{
    MediaDeps, commands,
    db::{rows::MediaRow, tags::TagUsage},
    domain::{MediaKind, MediaStatus},
};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use mediamagic_kit::{AccountKind, ApiError};
use serde_json::Value;
use std::str::FromStr;
use uuid::Uuid;

/// A media file (image, video or audio) of the acting account.
pub struct Media(pub MediaRow);

/// A job (owned by the jobs subgraph).
#[derive(SimpleObject, Clone)]
#[graphql(name = "Job", unresolvable = "id")]
pub struct JobRef {
    /// The job's id.
    pub id: ID,
}

/// A tag a job added to a media.
#[derive(SimpleObject, Clone)]
pub struct TagLineage {
    /// The tag.
    pub tag: String,
    /// The job whose result proposed it.
    pub job: JobRef,
    /// When it was added.
    pub at: DateTime<Utc>,
}

/// What ffprobe found in a media file.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct MediaMetadata {
    /// Width in pixels (images, videos).
    pub width: Option<i64>,
    /// Height in pixels (images, videos).
    pub height: Option<i64>,
    /// Duration in seconds (audio, video).
    pub duration_seconds: Option<f64>,
    /// Video codec (`h264`, `mjpeg` for JPEG images, ...).
    pub video_codec: Option<String>,
    /// Audio codec (`mp3`, `aac`, ...).
    pub audio_codec: Option<String>,
    /// Overall bitrate in bits per second.
    pub bitrate: Option<i64>,
    /// Frames per second (videos).
    pub frame_rate: Option<f64>,
    /// Container format as ffprobe names it.
    pub format: Option<String>,
}

impl MediaMetadata {
    fn from_json(v: &Value) -> Self {
        Self {
            width: v["width"].as_i64(),
            height: v["height"].as_i64(),
            duration_seconds: v["duration_seconds"].as_f64(),
            video_codec: v["video_codec"].as_str().map(str::to_owned),
            audio_codec: v["audio_codec"].as_str().map(str::to_owned),
            bitrate: v["bitrate"].as_i64(),
            frame_rate: v["frame_rate"].as_f64(),
            format: v["format"].as_str().map(str::to_owned),
        }
    }
}

#[Object]
impl Media {
    /// The media's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Original file name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Content type.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Image, video or audio.
    async fn kind(&self) -> Option<MediaKind> {
        MediaKind::parse(&self.0.kind)
    }
    /// Size in bytes (a Float, so sizes past 2 GiB fit).
    async fn size(&self) -> f64 {
        self.0.size_bytes as f64
    }
    /// SHA-256 of the bytes, lower-case hex.
    async fn sha256(&self) -> Option<&str> {
        self.0.sha256.as_deref()
    }
    /// PENDING until verified, then LIVE; FAILED with `failure`; DELETED.
    async fn status(&self) -> Option<MediaStatus> {
        MediaStatus::parse(&self.0.status)
    }
    /// Why it failed.
    async fn failure(&self) -> Option<&str> {
        self.0.failure.as_deref()
    }
    /// Tags (lower-case).
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    /// Which job added which of its tags (a model's result, deployed with `applyTags`);
    /// tags added by hand have none, and a tag renamed or removed since loses its source.
    async fn tag_lineage(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagLineage>> {
        let loader =
            ctx.data::<async_graphql::dataloader::DataLoader<super::loaders::LineageLoader>>()?;
        let rows = loader
            .load_one(self.0.id)
            .await
            .map_err(super::loaders::load_failed)?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|row| self.0.tags.contains(&row.tag))
            .map(|row| TagLineage {
                tag: row.tag,
                job: JobRef {
                    id: ID(row.job_id.to_string()),
                },
                at: row.created_at,
            })
            .collect())
    }
    /// The owning account.
    async fn owner_id(&self) -> ID {
        ID(self.0.owner_id.to_string())
    }
    /// Whether the owner is a user or a team.
    async fn owner_kind(&self) -> Option<AccountKind> {
        AccountKind::from_str(&self.0.owner_kind).ok()
    }
    /// Metadata, once processed after the media went live.
    async fn metadata(&self) -> Option<MediaMetadata> {
        self.0.metadata.as_ref().map(MediaMetadata::from_json)
    }
    /// The id of the job that produced this media, when a job did.
    async fn job_id(&self) -> Option<ID> {
        self.0.job_id.map(|id| ID(id.to_string()))
    }
    /// The job that produced this media, when a job did (resolved by the jobs subgraph).
    async fn job(&self) -> Option<JobRef> {
        self.0.job_id.map(|id| JobRef {
            id: ID(id.to_string()),
        })
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// A presigned GET URL of the bytes (LIVE media only), valid `expiresIn` seconds
    /// (default 300, at most 86400). Supports HTTP Range.
    async fn url(
        &self,
        ctx: &Context<'_>,
        expires_in: Option<i32>,
    ) -> async_graphql::Result<Option<String>> {
        let deps = ctx.data::<MediaDeps>()?;
        let ttl = commands::media::download_ttl(deps, expires_in)?;
        Ok(commands::media::download_url(deps, &self.0, ttl).await?)
    }
    /// A presigned GET URL of the JPEG thumbnail (images and videos, once processed).
    async fn thumbnail_url(
        &self,
        ctx: &Context<'_>,
        expires_in: Option<i32>,
    ) -> async_graphql::Result<Option<String>> {
        let deps = ctx.data::<MediaDeps>()?;
        let ttl = commands::media::download_ttl(deps, expires_in)?;
        Ok(commands::media::thumbnail_url(deps, &self.0, ttl).await?)
    }
}

/// An HTTP header to send.
#[derive(SimpleObject, Clone, Debug)]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// Where to send a presigned upload's bytes.
#[derive(SimpleObject)]
pub struct UploadTicket {
    /// The pending media; call `finalizeUpload(id)` after the PUT (`completeUpload(id)`
    /// after the parts of a multipart upload).
    pub media: Media,
    /// The URL to send the bytes to; null for a multipart upload (PUT its parts instead).
    pub url: Option<String>,
    /// The HTTP method (PUT).
    pub method: String,
    /// Headers to send with it.
    pub headers: Vec<Header>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
    /// The parts, when the upload is multipart (a size above the multipart threshold, or
    /// `multipart: true`).
    pub multipart: Option<super::uploads::MultipartUpload>,
}

/// A tag of the acting account's vocabulary.
#[derive(SimpleObject, Clone, Debug)]
pub struct Tag {
    /// The tag (lower-case).
    pub name: String,
    /// How many media carry it (deleted ones excluded).
    pub media_count: i64,
    /// When it was first used.
    pub created_at: DateTime<Utc>,
}

impl From<TagUsage> for Tag {
    fn from(t: TagUsage) -> Self {
        Self {
            name: t.name,
            media_count: t.media_count,
            created_at: t.created_at,
        }
    }
}

/// A presigned upload to create.
#[derive(InputObject, Clone, Debug)]
pub struct CreateUploadInput {
    /// Original file name.
    pub filename: String,
    /// Content type (`image/jpeg`, `video/mp4`, `audio/mpeg`, ...).
    pub content_type: String,
    /// Exact size in bytes.
    pub size: f64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Upload in parts even below the multipart threshold (files above it always are).
    pub multipart: Option<bool>,
    /// Bytes per part of a multipart upload, 5 MiB to 5 GiB (default from the server's
    /// configuration; raised when the file would need more than 10,000 parts).
    pub part_size: Option<f64>,
    /// How a multipart upload's parts are checked as they arrive (default SHA256).
    pub part_checksum: Option<super::uploads::PartChecksumAlgorithm>,
    /// Parts of a multipart upload to have URLs for now, each with its checksum (more with
    /// `uploadPartUrls`).
    pub parts: Option<Vec<super::uploads::UploadPartInput>>,
}

/// An output file of a job, to register (the worker's; not part of the public API).
#[derive(InputObject, Clone, Debug)]
#[graphql(inaccessible)]
pub struct JobOutputInput {
    /// File name.
    pub filename: String,
    /// Content type.
    pub content_type: String,
    /// Exact size in bytes, when known before the upload.
    pub size: Option<f64>,
    /// SHA-256 of the bytes, hex, when known before the upload.
    pub sha256: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
}

/// Changes to a media.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateMediaInput {
    /// New name.
    pub name: Option<String>,
    /// New tags (replace the current ones).
    pub tags: Option<Vec<String>>,
}

/// Which media `mediaList` returns (all given filters apply).
#[derive(InputObject, Clone, Debug, Default)]
pub struct MediaFilter {
    /// Media carrying every one of these tags (seed 000's `tags`).
    pub tags: Option<Vec<String>>,
    /// Media carrying none of these tags (seed 000's `excludeTags`).
    pub exclude_tags: Option<Vec<String>>,
    /// Of this kind.
    pub kind: Option<MediaKind>,
    /// In this status (default: all but DELETED).
    pub status: Option<MediaStatus>,
    /// Text in the name (case-insensitive).
    pub search: Option<String>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
}

/// Parses a UUID argument, naming it on failure.
pub(crate) fn parse_id(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    ApiError::parse_uuid(field, id.as_str())
}
