-- Media subgraph: media files of each account, their tags vocabulary, and the triggers that
-- process (metadata, thumbnail) and remove them.
CREATE SCHEMA IF NOT EXISTS media;

CREATE TABLE media.media (
    id           uuid PRIMARY KEY,
    owner_id     uuid NOT NULL,
    owner_kind   text NOT NULL CHECK (owner_kind IN ('user', 'team')),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('image', 'video', 'audio')),
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    -- Lower-case hex; NULL while a direct upload has not finished hashing.
    sha256       text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    status       text NOT NULL CHECK (status IN ('pending', 'live', 'failed', 'deleted')),
    tags         text[] NOT NULL DEFAULT '{}',
    -- ffprobe results and the thumbnail's object key, once processed.
    metadata     jsonb,
    -- Why it failed (finalize mismatch, unreadable file), for the client.
    failure      text,
    -- The job whose output this is, when a job produced it.
    job_id       uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_owner_idx ON media.media (owner_id, created_at DESC, id DESC);
CREATE INDEX media_tags_idx ON media.media USING gin (tags);
CREATE INDEX media_pending_idx ON media.media (created_at) WHERE status = 'pending';

-- Each account's tag vocabulary (seed 003's tags as entities), created on first use.
CREATE TABLE media.tags (
    owner_id   uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 50 AND name = lower(name)),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, name)
);

-- Live media get metadata and a thumbnail; deleted media lose their stored objects.
SELECT events.attach('media_live', 'media.media', ARRAY['INSERT', 'UPDATE'], ARRAY['status']);
SELECT events.attach('media_deleted', 'media.media', ARRAY['UPDATE'], ARRAY['status']);
