-- The worker subgraph: workers (capacity and liveness for `cluster`) and runs (one row per
-- attempt of a job: which worker, driver and node ran it, and how it ended).
CREATE SCHEMA worker;

CREATE TABLE worker.workers (
    id                text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    hostname          text NOT NULL,
    driver            text NOT NULL CHECK (driver IN ('local', 'kubernetes')),
    -- {"cpu": 2, "gpu": 1}: slots per machine type.
    capacity          jsonb NOT NULL,
    busy              integer NOT NULL DEFAULT 0 CHECK (busy >= 0),
    started_at        timestamptz NOT NULL DEFAULT now(),
    last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at        timestamptz
);

CREATE TABLE worker.runs (
    job_id       uuid NOT NULL,
    attempt      integer NOT NULL CHECK (attempt >= 1),
    worker_id    text NOT NULL,
    driver       text NOT NULL,
    node         text,
    machine_type text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    -- succeeded | failed | infrastructure | cancelled | released | lost
    outcome      text,
    PRIMARY KEY (job_id, attempt)
);
CREATE INDEX runs_worker_idx ON worker.runs (worker_id) WHERE finished_at IS NULL;
