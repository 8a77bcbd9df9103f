-- Worker agents (#37): hosts that work for the platform over HTTPS only, each with a token an
-- operator issues and revokes. Only the token's SHA-256 is kept: the token is shown once.
CREATE TABLE worker.agents (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    -- The machine types its runs may be of; a claim for any other is refused.
    machine_types text[] NOT NULL CHECK (cardinality(machine_types) BETWEEN 1 AND 32),
    -- Where it runs (a rack, a cloud region): for operators, free text.
    site          text CHECK (length(site) <= 100),
    token_hash    text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    -- Its last call, and the version it reported.
    last_seen_at  timestamptz,
    version       text CHECK (length(version) <= 100)
);
-- A name names one live agent; a revoked agent's name may be issued again.
CREATE UNIQUE INDEX agents_live_name ON worker.agents (name) WHERE revoked_at IS NULL;

-- The agent a worker process runs as (none: an in-cluster worker on the worker key).
ALTER TABLE worker.workers ADD COLUMN agent_id uuid REFERENCES worker.agents (id);
CREATE INDEX workers_agent ON worker.workers (agent_id) WHERE agent_id IS NOT NULL;

-- Log lines an agent sends are numbered per attempt, so a batch sent again after a lost
-- answer is stored once.
ALTER TABLE jobs.job_logs ADD COLUMN sent_seq bigint;
CREATE UNIQUE INDEX job_logs_sent ON jobs.job_logs (job_id, attempt, sent_seq)
    WHERE sent_seq IS NOT NULL;
