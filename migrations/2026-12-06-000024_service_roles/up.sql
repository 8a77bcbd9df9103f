-- Each subgraph owns its data (#36). Every service connects as a role of its own, granted
-- its own schema and, read-only, the views other schemas publish to it (their contracts,
-- below). The role that runs the migrations (the migrator: the private cluster's superuser
-- in dev, a CREATEROLE owner of the database in production) owns every schema, table,
-- view and function. docs/data-ownership.md lists who publishes what to whom.

-- 1. The service roles. Roles belong to the cluster, not the database: made once, shared
-- by every database of the cluster (the test suite's databases included).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['mediamagic_accounts', 'mediamagic_models', 'mediamagic_media',
                             'mediamagic_jobs', 'mediamagic_worker', 'mediamagic_billing'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                -- LOGIN without a password: trusted local connections (dev, tests) work at
                -- once; elsewhere an operator gives each role its password.
                EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- another database of the cluster made it meanwhile
            END;
        END IF;
    END LOOP;
END
$$;

-- 2. Each role's own schema: its tables, sequences and functions, now and later (default
-- privileges cover what the migrator creates in later migrations). Functions are not
-- executable by PUBLIC: a role sees another schema's functions only where it is granted.
DO $$
DECLARE
    s text;
    r text;
BEGIN
    FOREACH s IN ARRAY ARRAY['accounts', 'models', 'media', 'jobs', 'worker', 'billing'] LOOP
        r := 'mediamagic_' || s;
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);
        EXECUTE format('REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', s);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', s, r);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', s, r);
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', s, r);
        EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', s, r);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', s, r);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', s, r);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT EXECUTE ON FUNCTIONS TO %I', s, r);
        -- Readiness checks that the migrations are applied.
        EXECUTE format('GRANT SELECT ON public.__diesel_schema_migrations TO %I', r);
    END LOOP;
END
$$;

-- 3. Events. A trigger writes its event as the migrator (capture is SECURITY DEFINER), so
-- no service may write the log directly. A service reads and updates only the events of the
-- triggers it handles (row-level security on `events.triggers.handler`); accounts, which
-- serves the operators' event admin and runs the events' retention, sees them all.
ALTER FUNCTION events.capture() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON SCHEMA events FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA events FROM PUBLIC;
-- Per-schema default privileges only add to the global ones: this is what keeps the
-- functions later migrations make from being executable by PUBLIC.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

ALTER TABLE events.triggers ADD COLUMN handler text;
UPDATE events.triggers SET handler = 'mediamagic_' || CASE name
    WHEN 'api_key_revoked' THEN 'accounts'
    WHEN 'session_revoked' THEN 'accounts'
    WHEN 'media_live' THEN 'media'
    WHEN 'media_deleted' THEN 'media'
    WHEN 'job_status' THEN 'jobs'
    WHEN 'job_usage' THEN 'billing'
    WHEN 'budget_exceeded' THEN 'billing'
END;

GRANT USAGE ON SCHEMA events TO mediamagic_accounts, mediamagic_models, mediamagic_media,
    mediamagic_jobs, mediamagic_worker, mediamagic_billing;
GRANT SELECT ON events.triggers TO mediamagic_accounts, mediamagic_models, mediamagic_media,
    mediamagic_jobs, mediamagic_worker, mediamagic_billing;
GRANT SELECT, UPDATE ON events.event_log TO mediamagic_accounts, mediamagic_models,
    mediamagic_media, mediamagic_jobs, mediamagic_worker, mediamagic_billing;
GRANT SELECT, INSERT ON events.invocation_log TO mediamagic_accounts, mediamagic_models,
    mediamagic_media, mediamagic_jobs, mediamagic_worker, mediamagic_billing;
GRANT USAGE ON SEQUENCE events.invocation_log_id_seq TO mediamagic_accounts, mediamagic_models,
    mediamagic_media, mediamagic_jobs, mediamagic_worker, mediamagic_billing;
-- The operators' event admin (manual invocations) and the events' retention.
GRANT INSERT, DELETE ON events.event_log TO mediamagic_accounts;
GRANT USAGE ON SEQUENCE events.event_log_seq_seq TO mediamagic_accounts;
GRANT DELETE ON events.invocation_log TO mediamagic_accounts;
GRANT EXECUTE ON FUNCTION events.invoke(text, jsonb, jsonb) TO mediamagic_accounts;

ALTER TABLE events.event_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE events.invocation_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY handled_here ON events.event_log
    USING (trigger_name IN (SELECT t.name FROM events.triggers t WHERE t.handler = current_user::text));
CREATE POLICY operators ON events.event_log TO mediamagic_accounts USING (true);
CREATE POLICY handled_here ON events.invocation_log
    USING (trigger_name IN (SELECT t.name FROM events.triggers t WHERE t.handler = current_user::text));
CREATE POLICY operators ON events.invocation_log TO mediamagic_accounts USING (true);

-- 4. Published contracts: views a schema offers other services, read-only, with only the
-- columns they need. A change to a table is checked against these in the same migration.

-- accounts → media, jobs: each account's retention settings (NULL: the platform default).
CREATE VIEW accounts.retention_settings AS
    SELECT account_id, job_outputs_days, job_logs_days, source_media_days, deleted_rows_days,
           callback_attempts_days, expired_sessions_days, pending_uploads_hours
    FROM accounts.retention_policies;
-- accounts → jobs: whether a session or an API key still holds (open subscriptions are
-- closed when theirs stops). No hashes, no owners.
CREATE VIEW accounts.credential_states AS
    SELECT 'session'::text AS kind, revocation_id AS id,
           (revoked_at IS NULL AND expires_at > now()) AS live
    FROM accounts.sessions
    UNION ALL
    SELECT 'api_key'::text, id::text,
           (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()))
    FROM accounts.api_keys;
-- accounts → billing: a member's role in a team (budget and price admin).
CREATE VIEW accounts.team_roles AS
    SELECT team_id, user_id, role FROM accounts.memberships;

-- jobs → media: the attempt a worker holds, while it holds it (output registration).
CREATE VIEW jobs.worker_leases AS
    SELECT j.id AS job_id, j.owner_id, j.owner_kind, c.worker_id, j.attempts AS attempt,
           c.lease_expires_at
    FROM jobs.jobs j JOIN jobs.job_control c ON c.job_id = j.id
    WHERE j.status IN ('scheduled', 'running') AND c.worker_id IS NOT NULL;
-- jobs → media, billing: jobs not yet ended (retention keeps their media; budgets count them).
CREATE VIEW jobs.active_jobs AS
    SELECT id AS job_id, owner_id, model_version_id, status
    FROM jobs.jobs WHERE status IN ('queued', 'scheduled', 'running');
-- jobs → media: the string values among the top-level arguments of jobs not yet ended
-- (file arguments are media ids).
CREATE VIEW jobs.active_job_arguments AS
    SELECT j.id AS job_id, j.owner_id, a.value #>> '{}' AS value
    FROM jobs.jobs j
    JOIN jobs.deployments d ON d.id = j.deployment_id,
    LATERAL jsonb_each(CASE WHEN jsonb_typeof(d.args) = 'object' THEN d.args ELSE '{}' END) a
    WHERE j.status IN ('queued', 'scheduled', 'running') AND jsonb_typeof(a.value) = 'string';
-- jobs → billing: what a job bills (its status and end; its model version and deployment).
CREATE VIEW jobs.billable_jobs AS
    SELECT id AS job_id, owner_id, deployment_id, model_version_id, status, finished_at
    FROM jobs.jobs;
-- jobs → billing: which model version each deployment runs (cost estimates).
CREATE VIEW jobs.billable_deployments AS
    SELECT id AS deployment_id, owner_id, model_version_id FROM jobs.deployments;

-- models → billing, jobs: what one run of a version takes.
CREATE VIEW models.run_shapes AS
    SELECT v.id AS version_id, m.name AS model_name, v.machine_type, v.machine_count,
           COALESCE(v.observed_runtime_seconds, m.expected_runtime_seconds) AS expected_seconds
    FROM models.model_versions v JOIN models.models m ON m.id = v.model_id;

-- media → billing: bytes each account stores in live media, and its storage quota.
CREATE VIEW media.stored_bytes AS
    SELECT owner_id, sum(size_bytes)::bigint AS bytes
    FROM media.media WHERE status = 'live' GROUP BY owner_id;
CREATE VIEW media.storage_quotas AS
    SELECT account_id, storage_bytes FROM media.account_quotas;

-- worker → jobs: each worker's slots, runtimes and liveness (capacity checks, lost leases).
CREATE VIEW worker.worker_capacity AS
    SELECT id AS worker_id, capacity, runtimes, last_heartbeat_at, stopped_at
    FROM worker.workers;
-- worker → billing: each run of a job (machine time).
CREATE VIEW worker.run_usage AS
    SELECT job_id, attempt, machine_type, started_at, finished_at, outcome FROM worker.runs;

-- models → jobs (and the worker, through the jobs library until it speaks HTTPS, #37): the
-- catalogue. Pinning a version for a deployment and running it need nearly every column
-- (visibility, the run specification), so these views are the tables' columns, published.
CREATE VIEW models.published_models AS
    SELECT id, external_id, owner_id, owner_kind, slug, public, name, description, icon, tags,
           example_outputs, hidden, expected_runtime_seconds, latest_version, deleted_at,
           created_at, updated_at
    FROM models.models;
CREATE VIEW models.published_versions AS
    SELECT id, model_id, version, container, command, invocation, args, machine_type,
           machine_count, timeout_seconds, outputs, network, limits, runtime, result,
           observed_runtime_seconds, jobs_count, created_at
    FROM models.model_versions;
-- models → jobs: the two facts jobs report about a version (a job pinned it; a run took
-- this long). Functions, so that jobs writes no models table.
CREATE FUNCTION models.count_job(p_version uuid) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH counted AS (
        UPDATE models.model_versions SET jobs_count = jobs_count + 1 WHERE id = p_version
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM counted)
$$;
-- An exponential moving average (weight 1/5 for the new run; the first run sets it); a run
-- that leaves it where it was writes nothing, so many short runs do not queue on the row.
CREATE FUNCTION models.record_runtime(p_version uuid, p_seconds integer) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH recorded AS (
        UPDATE models.model_versions SET observed_runtime_seconds =
            CASE WHEN observed_runtime_seconds IS NULL THEN p_seconds
                 ELSE round((observed_runtime_seconds * 4 + p_seconds) / 5.0)::int END
        WHERE id = p_version AND observed_runtime_seconds IS DISTINCT FROM
            CASE WHEN observed_runtime_seconds IS NULL THEN p_seconds
                 ELSE round((observed_runtime_seconds * 4 + p_seconds) / 5.0)::int END
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM recorded)
$$;

-- billing → jobs: what budget admission reads. Admission runs inside the deploying
-- transaction (the lock that serialises one account's admissions is held until its job is
-- queued), so billing publishes its inputs instead of answering over HTTP.
CREATE VIEW billing.budget_limits AS
    SELECT account_id, monthly_limit, hard, updated_at FROM billing.budgets;
CREATE VIEW billing.price_points AS
    SELECT id, item, amount, effective_from, created_at FROM billing.prices;
CREATE VIEW billing.period_usage AS
    SELECT account_id, period_start, kind, machine_type, model_name, quantity, amount_micros
    FROM billing.usage_lines;

-- Each schema's own role reads its views and runs its functions through the default
-- privileges of section 2 (they were made after it); no function is executable by PUBLIC.

-- Who reads which contract.
GRANT USAGE ON SCHEMA accounts TO mediamagic_media, mediamagic_jobs, mediamagic_billing;
GRANT SELECT ON accounts.retention_settings TO mediamagic_media, mediamagic_jobs;
GRANT SELECT ON accounts.credential_states TO mediamagic_jobs;
GRANT SELECT ON accounts.team_roles TO mediamagic_billing;
GRANT USAGE ON SCHEMA jobs TO mediamagic_media, mediamagic_billing;
GRANT SELECT ON jobs.worker_leases, jobs.active_jobs, jobs.active_job_arguments TO mediamagic_media;
GRANT SELECT ON jobs.active_jobs, jobs.billable_jobs, jobs.billable_deployments TO mediamagic_billing;
GRANT USAGE ON SCHEMA models TO mediamagic_billing, mediamagic_jobs;
GRANT SELECT ON models.run_shapes TO mediamagic_billing, mediamagic_jobs;
GRANT SELECT ON models.published_models, models.published_versions TO mediamagic_jobs;
GRANT EXECUTE ON FUNCTION models.count_job(uuid), models.record_runtime(uuid, integer)
    TO mediamagic_jobs;
GRANT USAGE ON SCHEMA billing TO mediamagic_jobs;
GRANT SELECT ON billing.budget_limits, billing.price_points, billing.period_usage
    TO mediamagic_jobs;
GRANT USAGE ON SCHEMA media TO mediamagic_billing;
GRANT SELECT ON media.stored_bytes, media.storage_quotas TO mediamagic_billing;
GRANT USAGE ON SCHEMA worker TO mediamagic_jobs, mediamagic_billing;
GRANT SELECT ON worker.worker_capacity TO mediamagic_jobs;
GRANT SELECT ON worker.run_usage TO mediamagic_billing;
