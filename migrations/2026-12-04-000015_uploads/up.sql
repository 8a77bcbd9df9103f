-- Multipart uploads and upload limits of the media service.

-- A multipart upload of a pending media: the store's upload id and the part layout. The
-- row goes with the media (complete, abort and clean-up remove it).
CREATE TABLE media.multipart_uploads (
    media_id        uuid PRIMARY KEY REFERENCES media.media (id) ON DELETE CASCADE,
    owner_id        uuid NOT NULL,
    -- S3's UploadId; on local storage an id of our own.
    store_upload_id text NOT NULL,
    part_size       bigint NOT NULL CHECK (part_size > 0),
    part_count      integer NOT NULL CHECK (part_count BETWEEN 1 AND 10000),
    -- Set while one `completeUpload` assembles the parts (a second one is refused).
    completing_since timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX multipart_uploads_owner_idx ON media.multipart_uploads (owner_id);

-- The SHA-256 the client declared for each part it asked a URL for: signed into the part's
-- URL (the store checks the bytes) and given again when the parts are assembled.
CREATE TABLE media.upload_parts (
    media_id uuid NOT NULL REFERENCES media.multipart_uploads (media_id) ON DELETE CASCADE,
    number   integer NOT NULL CHECK (number BETWEEN 1 AND 10000),
    sha256   text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (media_id, number)
);

-- Per-account overrides of the configured upload limits (NULL: the configured default).
CREATE TABLE media.account_quotas (
    account_id         uuid PRIMARY KEY,
    storage_bytes      bigint CHECK (storage_bytes >= 0),
    pending_uploads    integer CHECK (pending_uploads >= 0),
    concurrent_uploads integer CHECK (concurrent_uploads >= 0),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Uploads streaming through the service right now (the concurrency limit). A row whose
-- lease ran out belongs to a process that died mid-upload and no longer counts.
CREATE TABLE media.active_uploads (
    id         uuid PRIMARY KEY,
    owner_id   uuid NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX active_uploads_owner_idx ON media.active_uploads (owner_id, expires_at);

-- Quota sums: an account's stored and reserved bytes.
CREATE INDEX media_owner_status_idx ON media.media (owner_id, status);
