-- The queue in batches (#35): a claim takes up to a worker's free slots in one statement
-- (and may start them in the same statement), and event capture writes one set of events per
-- statement instead of one trigger call per row, so a batched claim or finish of N jobs
-- costs one statement and one notification, not N.

-- Event capture as a set: a statement trigger with transition tables (Postgres allows them on
-- one event per trigger, hence one trigger per operation). Same events as the row trigger
-- it replaces: Hasura's shape, an UPDATE counted only when a watched column changed (any
-- column when none are named), the row's `id` as its key; one notification per statement.
CREATE FUNCTION events.capture_set() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    trigger_name text := TG_ARGV[0];
    watched text[] := TG_ARGV[1:TG_NARGS - 1];
    session jsonb := nullif(current_setting('mediamagic.session_variables', true), '')::jsonb;
    trace jsonb := nullif(current_setting('mediamagic.trace_context', true), '')::jsonb;
    written bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO events.event_log (trigger_name, schema_name, table_name, event, row_key)
        SELECT trigger_name, TG_TABLE_SCHEMA, TG_TABLE_NAME,
            jsonb_build_object('op', TG_OP, 'data', jsonb_build_object('old', NULL, 'new', r.new_row),
                               'session_variables', session, 'trace_context', trace),
            r.new_row ->> 'id'
        FROM (SELECT to_jsonb(n) AS new_row FROM new_rows n) r;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO events.event_log (trigger_name, schema_name, table_name, event, row_key)
        SELECT trigger_name, TG_TABLE_SCHEMA, TG_TABLE_NAME,
            jsonb_build_object('op', TG_OP, 'data', jsonb_build_object('old', r.old_row, 'new', NULL),
                               'session_variables', session, 'trace_context', trace),
            r.old_row ->> 'id'
        FROM (SELECT to_jsonb(o) AS old_row FROM old_rows o) r;
    ELSE
        -- Old and new versions of a row are paired by `id` (every table with a trigger has
        -- one); a row whose watched columns did not change raises nothing.
        INSERT INTO events.event_log (trigger_name, schema_name, table_name, event, row_key)
        SELECT trigger_name, TG_TABLE_SCHEMA, TG_TABLE_NAME,
            jsonb_build_object('op', TG_OP, 'data', jsonb_build_object('old', o.old_row, 'new', n.new_row),
                               'session_variables', session, 'trace_context', trace),
            n.new_row ->> 'id'
        FROM (SELECT to_jsonb(x) AS new_row FROM new_rows x) n
        JOIN (SELECT to_jsonb(x) AS old_row FROM old_rows x) o
          ON (o.old_row -> 'id') = (n.new_row -> 'id')
        WHERE CASE WHEN cardinality(watched) = 0 THEN o.old_row IS DISTINCT FROM n.new_row
              ELSE EXISTS (SELECT 1 FROM unnest(watched) c
                           WHERE (o.old_row -> c) IS DISTINCT FROM (n.new_row -> c)) END
        ORDER BY n.new_row ->> 'id';
    END IF;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written > 0 THEN
        PERFORM pg_notify('mediamagic_events', trigger_name);
    END IF;
    RETURN NULL;
END
$$;

-- Attaching stays one line; it now creates one statement trigger per operation.
CREATE FUNCTION events.create_capture(trigger_name text, target regclass, operations text[], columns text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    args text := quote_literal(trigger_name);
    col text;
    op text;
BEGIN
    IF columns IS NOT NULL THEN
        FOREACH col IN ARRAY columns LOOP
            args := args || ', ' || quote_literal(col);
        END LOOP;
    END IF;
    FOREACH op IN ARRAY operations LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER %s ON %s REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION events.capture_set(%s)',
            'mm_event_' || trigger_name || '_' || lower(op),
            op,
            target,
            CASE op WHEN 'INSERT' THEN 'NEW TABLE AS new_rows'
                    WHEN 'DELETE' THEN 'OLD TABLE AS old_rows'
                    ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END,
            args
        );
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION events.attach(
    trigger_name text,
    target regclass,
    operations text[],
    columns text[] DEFAULT NULL,
    ordered boolean DEFAULT false
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    schema_name text;
    table_name text;
BEGIN
    SELECT n.nspname, c.relname INTO schema_name, table_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = target;
    PERFORM events.create_capture(trigger_name, target, operations, columns);
    INSERT INTO events.triggers (name, schema_name, table_name, operations, columns, ordered)
    VALUES (trigger_name, schema_name, table_name, operations, columns, ordered);
END
$$;

-- The triggers attached so far move to the set capture.
DO $$
DECLARE
    t events.triggers%ROWTYPE;
BEGIN
    FOR t IN SELECT * FROM events.triggers LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', 'mm_event_' || t.name, t.schema_name, t.table_name);
        PERFORM events.create_capture(t.name, format('%I.%I', t.schema_name, t.table_name)::regclass,
                                      t.operations, t.columns);
    END LOOP;
END
$$;
DROP FUNCTION events.capture();

-- The claim in batches: up to `p_limit` queued jobs of `p_machine_type` by fair share. Accounts
-- are ranked as one claim ranks them (fewer jobs on workers first, then the account served
-- longest ago, then the one waiting longest; accounts with `p_max_running` on workers wait),
-- and each takes at most its share of the batch, ceil(p_limit / accounts waiting), oldest job
-- first, rows locked with SKIP LOCKED only as they are taken. Each job gets one more attempt
-- and a lease to `p_worker`; with `p_start` it is `running` at once (a worker with nothing
-- to prepare: one statement in, one out), else `scheduled`. Each account served has its turn
-- taken in the order it was served. Returns the claimed ids. `p_limit` 1 is exactly the
-- single claim it replaces.
CREATE FUNCTION jobs.claim_batch(
    p_machine_type text,
    p_max_running bigint,
    p_worker text,
    p_lease_seconds integer,
    p_limit integer,
    p_start boolean
) RETURNS SETOF uuid LANGUAGE plpgsql AS $$
DECLARE
    -- One instant for the batch: the accounts it served keep their order in it.
    v_at timestamptz := clock_timestamp();
BEGIN
    RETURN QUERY
    WITH RECURSIVE owners AS (
        (SELECT owner_id FROM jobs.jobs
         WHERE status = 'queued' AND machine_type = p_machine_type
         ORDER BY owner_id LIMIT 1)
        UNION ALL
        SELECT (SELECT j.owner_id FROM jobs.jobs j
                WHERE j.status = 'queued' AND j.machine_type = p_machine_type
                  AND j.owner_id > o.owner_id
                ORDER BY j.owner_id LIMIT 1)
        FROM owners o WHERE o.owner_id IS NOT NULL
    ), ranked AS (
        SELECT o.owner_id, t.last_claimed_at,
            (SELECT count(*) FROM jobs.jobs a
             WHERE a.owner_id = o.owner_id AND a.status IN ('scheduled', 'running')) AS n,
            (SELECT min(q.queued_at) FROM jobs.jobs q
             WHERE q.status = 'queued' AND q.machine_type = p_machine_type
               AND q.owner_id = o.owner_id) AS first
        FROM owners o LEFT JOIN jobs.account_turns t ON t.owner_id = o.owner_id
        WHERE o.owner_id IS NOT NULL
    ), eligible AS (
        SELECT r.*, row_number() OVER (ORDER BY n, last_claimed_at NULLS FIRST, first, owner_id) AS turn,
            ceil(p_limit::numeric / count(*) OVER ())::bigint AS share
        FROM ranked r WHERE n < p_max_running
    ), candidate AS (
        SELECT pick.id, e.turn FROM (SELECT * FROM eligible ORDER BY turn) e
        CROSS JOIN LATERAL (
            SELECT j.id FROM jobs.jobs j
            WHERE j.status = 'queued' AND j.machine_type = p_machine_type
              AND j.owner_id = e.owner_id
            ORDER BY j.queued_at, j.id
            LIMIT least(e.share, p_max_running - e.n)
            FOR UPDATE SKIP LOCKED
        ) pick
        LIMIT p_limit
    ), claimed AS (
        UPDATE jobs.jobs j SET
            status = CASE WHEN p_start THEN 'running' ELSE 'scheduled' END,
            started_at = CASE WHEN p_start THEN now() END,
            attempts = j.attempts + 1, progress = 0, message = NULL, error = NULL
        FROM candidate WHERE j.id = candidate.id AND j.status = 'queued'
        RETURNING j.id, j.owner_id, candidate.turn
    ), turn AS (
        INSERT INTO jobs.account_turns (owner_id, last_claimed_at)
        SELECT owner_id, v_at + make_interval(secs => min(claimed.turn) / 1000000.0)
        FROM claimed GROUP BY owner_id
        ON CONFLICT (owner_id) DO UPDATE SET last_claimed_at = excluded.last_claimed_at
    ), lease AS (
        UPDATE jobs.job_control c SET worker_id = p_worker,
            lease_expires_at = now() + make_interval(secs => p_lease_seconds),
            updated_at = now()
        FROM claimed WHERE c.job_id = claimed.id
    )
    SELECT claimed.id FROM claimed ORDER BY claimed.turn;
END
$$;
DROP FUNCTION jobs.claim(text, bigint, text, integer);
