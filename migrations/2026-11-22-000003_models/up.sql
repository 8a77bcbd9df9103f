-- Models subgraph: the model registry and its immutable versions.
CREATE SCHEMA IF NOT EXISTS models;

CREATE TABLE models.models (
    id                       uuid PRIMARY KEY,
    -- NULL owner: a built-in catalogue model (public, read-only).
    owner_id                 uuid,
    owner_kind               text CHECK (owner_kind IN ('user', 'team')),
    -- The catalogue's stable name (`audio-extract`); NULL for account models.
    slug                     text UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    public                   boolean NOT NULL DEFAULT false,
    name                     text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description              text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    icon                     text CHECK (length(icon) <= 2000),
    tags                     text[] NOT NULL DEFAULT '{}',
    example_outputs          text[] NOT NULL DEFAULT '{}',
    hidden                   boolean NOT NULL DEFAULT false,
    expected_runtime_seconds integer CHECK (expected_runtime_seconds > 0),
    latest_version           integer NOT NULL CHECK (latest_version >= 1),
    deleted_at               timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK ((owner_id IS NULL) = (owner_kind IS NULL)),
    CHECK (owner_id IS NOT NULL OR public),
    CHECK (cardinality(tags) <= 32)
);
CREATE INDEX models_owner_idx ON models.models (owner_id, created_at DESC, id DESC);
CREATE INDEX models_public_idx ON models.models (created_at DESC, id DESC) WHERE public;
CREATE INDEX models_tags_idx ON models.models USING gin (tags);

-- What runs. Rows are never updated except `jobs_count` and `observed_runtime_seconds`: every change to what runs inserts
-- the next version, and jobs pin (model_id, version).
CREATE TABLE models.model_versions (
    id              uuid NOT NULL UNIQUE,
    model_id        uuid NOT NULL REFERENCES models.models (id) ON DELETE CASCADE,
    version         integer NOT NULL CHECK (version >= 1),
    container       text NOT NULL CHECK (length(container) BETWEEN 1 AND 500),
    command         text NOT NULL CHECK (length(command) BETWEEN 1 AND 4000),
    invocation      text NOT NULL CHECK (invocation IN ('exec', 'http')),
    args            jsonb NOT NULL,
    machine_type    text NOT NULL,
    machine_count   integer NOT NULL CHECK (machine_count BETWEEN 1 AND 64),
    timeout_seconds integer NOT NULL CHECK (timeout_seconds BETWEEN 1 AND 86400),
    outputs         jsonb NOT NULL DEFAULT '[]',
    -- Median runtime of this version's finished jobs, kept up to date by the jobs subgraph.
    observed_runtime_seconds integer CHECK (observed_runtime_seconds >= 0),
    -- How many jobs pinned this version (a model with jobs is hidden on delete, never removed).
    jobs_count      bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, version)
);
