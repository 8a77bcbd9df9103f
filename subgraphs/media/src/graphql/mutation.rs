//! Mutations: uploads, updates, deletes, and tag management.

use super::{
    types::{
        CreateUploadInput, Header, JobOutputInput, Media, Tag, UpdateMediaInput, UploadTicket,
        parse_id,
    },
    upload::{FileUpload, StagedUploads},
};
use crate::{MediaDeps, commands, domain::UploadRequest, http::worker::require_grant};
use async_graphql::{Context, ID, Object};
use mediamagic_kit::{ActorExt, ApiError, auth::WorkerGrant, idempotency::IdempotencyKey};
use std::sync::Arc;

/// Root mutation type.
#[derive(Default)]
pub struct MediaMutation;

#[Object]
impl MediaMutation {
    /// Starts a presigned upload: returns the pending media and where to PUT the bytes
    /// (straight to storage). Then call `finalizeUpload`. A file above the multipart threshold
    /// (or with `multipart: true`) is uploaded in parts instead: PUT each part to its URL
    /// (`uploadPartUrls` gives more), then call `completeUpload`.
    async fn create_upload(
        &self,
        ctx: &Context<'_>,
        input: CreateUploadInput,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same input returns the \
                          media the first call made, with a fresh URL (CONFLICT with another \
                          input); remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<UploadTicket> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        if !(input.size.is_finite() && input.size >= 0.0 && input.size.fract() == 0.0) {
            return Err(ApiError::bad_input("size", "size must be a whole number of bytes").into());
        }
        let size = input.size as u64;
        let key = IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?;
        let multipart = input.multipart.unwrap_or(false)
            || input.part_size.is_some()
            || input.parts.is_some()
            || input.part_checksum.is_some()
            || size > deps.config.multipart.threshold_bytes;
        if multipart {
            return super::uploads::create_multipart(ctx, deps, input, key).await;
        }
        let request = UploadRequest::parse(
            &deps.config,
            &input.filename,
            &input.content_type,
            Some(size),
            Some(&input.sha256),
            input.tags.unwrap_or_default(),
        )?;
        let ticket = commands::uploads::create_upload(deps, actor, request, key).await?;
        Ok(ticket_of(ticket))
    }

    /// The worker's: a presigned upload of an output of job `jobId`, registered with lineage
    /// to the job (hidden from the public API by `@inaccessible`).
    #[graphql(inaccessible)]
    async fn create_job_output_upload(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        input: JobOutputInput,
    ) -> async_graphql::Result<UploadTicket> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let job_id = parse_id("jobId", &job_id)?;
        require_grant(ctx, job_id)?;
        let size = match input.size {
            Some(size) if size.is_finite() && size >= 0.0 && size.fract() == 0.0 => {
                Some(size as u64)
            }
            Some(_) => {
                return Err(
                    ApiError::bad_input("size", "size must be a whole number of bytes").into(),
                );
            }
            None => None,
        };
        let request = UploadRequest::parse(
            &deps.config,
            &input.filename,
            &input.content_type,
            size,
            input.sha256.as_deref(),
            input.tags.unwrap_or_default(),
        )?;
        let ticket =
            commands::uploads::create_job_output_upload(deps, actor, job_id, request).await?;
        Ok(ticket_of(ticket))
    }

    /// The worker's: removes outputs of job `jobId` other than `keep` (leftovers of an
    /// attempt whose worker died); returns how many (hidden by `@inaccessible`).
    #[graphql(inaccessible)]
    async fn discard_job_outputs(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        keep: Vec<ID>,
    ) -> async_graphql::Result<i32> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let job_id = parse_id("jobId", &job_id)?;
        require_grant(ctx, job_id)?;
        let keep = keep
            .iter()
            .map(|id| parse_id("keep", id))
            .collect::<Result<Vec<_>, _>>()?;
        let removed = commands::uploads::discard_job_outputs(deps, actor, job_id, keep).await?;
        Ok(removed as i32)
    }

    /// The worker's: adds the tags job `jobId`'s result proposes to its input `mediaId`
    /// (NOT_FOUND unless the media is an input of the job, owned by the job's owner), with
    /// the job as their source (hidden by `@inaccessible`).
    #[graphql(inaccessible)]
    async fn tag_job_input(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        media_id: ID,
        tags: Vec<String>,
    ) -> async_graphql::Result<Media> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let job_id = parse_id("jobId", &job_id)?;
        require_grant(ctx, job_id)?;
        let media_id = parse_id("mediaId", &media_id)?;
        Ok(Media(
            commands::tags::tag_job_input(deps, actor, job_id, media_id, tags).await?,
        ))
    }

    /// Verifies a presigned upload (size and sha256) and makes the media live. A mismatch
    /// fails the media, removes the bytes and says why (BAD_USER_INPUT).
    async fn finalize_upload(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Media> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        let grant = ctx.data_opt::<WorkerGrant>().map(|g| g.job_id);
        Ok(Media(
            commands::uploads::finalize_upload(deps, actor, id, grant).await?,
        ))
    }

    /// Uploads a file in this request, as a `multipart/form-data` request that follows the
    /// GraphQL multipart request spec (send it to the router's GraphQL endpoint). The bytes are
    /// streamed into storage and hashed on the way; the media is live at once. Such a request
    /// runs in the media service alone, so select only media fields.
    async fn upload_media(
        &self,
        ctx: &Context<'_>,
        file: FileUpload,
        tags: Option<Vec<String>>,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same file (name, type, \
                          bytes) and tags returns the media the first call made and stores \
                          nothing new (CONFLICT with another file); remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Media> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let key = IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?;
        let stored = take_staged(ctx, &file)?;
        Ok(Media(
            commands::direct::register_stored(deps, actor, stored, tags, key).await?,
        ))
    }

    /// The worker's: registers a file streamed in this multipart request as an output of
    /// job `jobId` (hashed while it streamed, live at once; hidden by `@inaccessible`).
    #[graphql(inaccessible)]
    async fn upload_job_output(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        file: FileUpload,
    ) -> async_graphql::Result<Media> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let job_id = parse_id("jobId", &job_id)?;
        require_grant(ctx, job_id)?;
        let mut stored = take_staged(ctx, &file)?;
        stored.request.job_id = Some(job_id);
        Ok(Media(
            commands::direct::register_stored(deps, actor, stored, None, None).await?,
        ))
    }

    /// Renames and/or retags a media.
    async fn update_media(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateMediaInput,
    ) -> async_graphql::Result<Media> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(Media(
            commands::media::update_media(deps, actor, id, input.name, input.tags).await?,
        ))
    }

    /// Deletes a media at once; its stored bytes are removed in the background.
    async fn delete_media(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        let uuid = parse_id("id", &id)?;
        commands::media::delete_media(deps, actor, uuid).await?;
        Ok(id)
    }

    /// Adds a tag to your vocabulary without tagging anything (an existing tag is returned
    /// as it is). CONFLICT past `media.max_vocabulary` tags.
    async fn create_tag(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<Tag> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        Ok(commands::tags::create_tag(deps, actor, &name).await?.into())
    }

    /// Renames a tag on every media (merging into `newName` when it exists).
    async fn rename_tag(
        &self,
        ctx: &Context<'_>,
        name: String,
        new_name: String,
    ) -> async_graphql::Result<Tag> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        Ok(commands::tags::rename_tag(deps, actor, &name, &new_name)
            .await?
            .into())
    }

    /// Deletes a tag from the vocabulary and from every media.
    async fn delete_tag(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<bool> {
        let actor = ctx.writer()?;
        let deps = ctx.data::<MediaDeps>()?;
        commands::tags::delete_tag(deps, actor, &name).await?;
        Ok(true)
    }
}

fn ticket_of(ticket: commands::uploads::UploadTicket) -> UploadTicket {
    UploadTicket {
        media: Media(ticket.media),
        url: Some(ticket.url),
        multipart: None,
        method: "PUT".into(),
        headers: ticket
            .headers
            .into_iter()
            .map(|(name, value)| Header { name, value })
            .collect(),
        expires_at: ticket.expires_at,
    }
}

/// The stored file a multipart request sent for `file`.
fn take_staged(
    ctx: &Context<'_>,
    file: &FileUpload,
) -> async_graphql::Result<commands::direct::StoredUpload> {
    let Some(staged) = ctx.data_opt::<Arc<StagedUploads>>() else {
        return Err(ApiError::bad_input(
            "file",
            "send the file as a multipart request (GraphQL multipart request spec)",
        )
        .into());
    };
    staged.take(file).ok_or_else(|| {
        ApiError::bad_input(
            "file",
            "this file part is missing or already used by another field",
        )
        .into()
    })
}
