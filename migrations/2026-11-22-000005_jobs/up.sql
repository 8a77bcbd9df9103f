-- Jobs subgraph: deployments (a model version pinned with validated args), their jobs (the
-- queue itself), job control (lease, cancel requests), log lines, callback attempts and each
-- account's webhook signing secret.
CREATE SCHEMA IF NOT EXISTS jobs;

CREATE TABLE jobs.deployments (
    id                uuid PRIMARY KEY,
    owner_id          uuid NOT NULL,
    owner_kind        text NOT NULL CHECK (owner_kind IN ('user', 'team')),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    model_id          uuid NOT NULL,
    model_version_id  uuid NOT NULL,
    model_version     integer NOT NULL,
    -- Validated arguments, defaults filled in.
    args              jsonb NOT NULL,
    callback_url      text,
    callback_on_start boolean NOT NULL DEFAULT false,
    -- The same key from the same account returns this deployment instead of a new one.
    idempotency_key   text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    -- Hash of the request, so a reused key with other input is a conflict.
    request_hash      text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX deployments_owner_idx ON jobs.deployments (owner_id, created_at DESC, id DESC);

CREATE TABLE jobs.jobs (
    id               uuid PRIMARY KEY,
    deployment_id    uuid NOT NULL REFERENCES jobs.deployments (id),
    owner_id         uuid NOT NULL,
    owner_kind       text NOT NULL CHECK (owner_kind IN ('user', 'team')),
    model_version_id uuid NOT NULL,
    machine_type     text NOT NULL,
    status           text NOT NULL CHECK (status IN ('queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled')),
    progress         double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    message          text,
    -- Runs started so far (a retry or a lost lease adds one).
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- {"code": ..., "message": ...} for the client when it failed or was cancelled.
    error            jsonb,
    -- Media ids the run produced (owned by the media subgraph).
    outputs          uuid[] NOT NULL DEFAULT '{}',
    -- Replicate's cancelAfter: cancelled when not finished by then.
    cancel_after     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE INDEX jobs_owner_idx ON jobs.jobs (owner_id, created_at DESC, id DESC);
CREATE INDEX jobs_deployment_idx ON jobs.jobs (deployment_id);
CREATE INDEX jobs_active_idx ON jobs.jobs (machine_type, owner_id) WHERE status IN ('queued', 'scheduled', 'running');

-- How a job is run: its place in the queue, its lease, and cancel requests.
CREATE TABLE jobs.job_control (
    job_id              uuid PRIMARY KEY REFERENCES jobs.jobs (id) ON DELETE CASCADE,
    -- Order in the queue (reset when the job is queued again).
    queued_at           timestamptz NOT NULL DEFAULT now(),
    timeout_seconds     integer NOT NULL CHECK (timeout_seconds > 0),
    max_attempts        integer NOT NULL CHECK (max_attempts > 0),
    -- The worker holding the job, until its lease expires.
    worker_id           text,
    lease_expires_at    timestamptz,
    cancel_requested_at timestamptz,
    cancel_reason       text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_control_queue_idx ON jobs.job_control (queued_at);
CREATE INDEX job_control_lease_idx ON jobs.job_control (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

-- When each account last had a job claimed: among accounts with as few jobs on workers,
-- the one served longest ago goes first (round-robin fair share).
CREATE TABLE jobs.account_turns (
    owner_id        uuid PRIMARY KEY,
    last_claimed_at timestamptz NOT NULL
);

-- Log lines; `seq` is the cursor clients resume from.
CREATE TABLE jobs.job_logs (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     uuid NOT NULL REFERENCES jobs.jobs (id) ON DELETE CASCADE,
    attempt    integer NOT NULL,
    stream     text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
    line       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_logs_job_idx ON jobs.job_logs (job_id, seq);

-- Every callback delivery attempt, visible on the job.
CREATE TABLE jobs.callback_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES jobs.jobs (id) ON DELETE CASCADE,
    -- `webhook-id`: the same for every attempt of one delivery.
    webhook_id  text NOT NULL,
    event       text NOT NULL CHECK (event IN ('job.started', 'job.finished')),
    url         text NOT NULL,
    status_code integer,
    error       text,
    duration_ms integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callback_attempts_job_idx ON jobs.callback_attempts (job_id, id);

-- Each account's Standard Webhooks signing secret (base64), created on first use.
CREATE TABLE jobs.webhook_secrets (
    owner_id   uuid PRIMARY KEY,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- New jobs pin their model version; status changes send callbacks.
SELECT events.attach('job_status', 'jobs.jobs', ARRAY['INSERT', 'UPDATE'], ARRAY['status']);
