-- Back to the single claim and row-by-row event capture.
DROP FUNCTION jobs.claim_batch(text, bigint, text, integer, integer, boolean);
CREATE FUNCTION jobs.claim(
    p_machine_type text,
    p_max_running bigint,
    p_worker text,
    p_lease_seconds integer
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_claimed uuid;
BEGIN
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
    ), candidate AS (
        SELECT pick.id FROM (
            SELECT owner_id, n, last_claimed_at, first FROM ranked WHERE n < p_max_running
            ORDER BY n, last_claimed_at NULLS FIRST, first, owner_id
        ) r CROSS JOIN LATERAL (
            SELECT j.id FROM jobs.jobs j
            WHERE j.status = 'queued' AND j.machine_type = p_machine_type
              AND j.owner_id = r.owner_id
            ORDER BY j.queued_at, j.id LIMIT 1 FOR UPDATE SKIP LOCKED
        ) pick
        LIMIT 1
    ), claimed AS (
        UPDATE jobs.jobs j SET status = 'scheduled', attempts = j.attempts + 1,
            progress = 0, message = NULL, error = NULL
        FROM candidate WHERE j.id = candidate.id AND j.status = 'queued'
        RETURNING j.id, j.owner_id
    ), turn AS (
        INSERT INTO jobs.account_turns (owner_id, last_claimed_at)
        SELECT owner_id, clock_timestamp() FROM claimed
        ON CONFLICT (owner_id) DO UPDATE SET last_claimed_at = excluded.last_claimed_at
    ), lease AS (
        UPDATE jobs.job_control c SET worker_id = p_worker,
            lease_expires_at = now() + make_interval(secs => p_lease_seconds),
            updated_at = now()
        FROM claimed WHERE c.job_id = claimed.id
    )
    SELECT id INTO v_claimed FROM claimed;
    RETURN v_claimed;
END
$$;
CREATE FUNCTION events.capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    trigger_name text := TG_ARGV[0];
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    changed boolean := false;
    col text;
    key text;
    session jsonb := nullif(current_setting('mediamagic.session_variables', true), '')::jsonb;
    trace jsonb := nullif(current_setting('mediamagic.trace_context', true), '')::jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF TG_NARGS > 1 THEN
            FOR i IN 1 .. TG_NARGS - 1 LOOP
                col := TG_ARGV[i];
                IF (old_row -> col) IS DISTINCT FROM (new_row -> col) THEN
                    changed := true;
                END IF;
            END LOOP;
        ELSE
            changed := old_row IS DISTINCT FROM new_row;
        END IF;
        IF NOT changed THEN
            RETURN NULL;
        END IF;
    END IF;
    key := coalesce(new_row ->> 'id', old_row ->> 'id');
    INSERT INTO events.event_log (trigger_name, schema_name, table_name, event, row_key)
    VALUES (
        trigger_name, TG_TABLE_SCHEMA, TG_TABLE_NAME,
        jsonb_build_object(
            'op', TG_OP,
            'data', jsonb_build_object('old', old_row, 'new', new_row),
            'session_variables', session,
            'trace_context', trace
        ),
        key
    );
    PERFORM pg_notify('mediamagic_events', trigger_name);
    RETURN NULL;
END
$$;
DO $$
DECLARE
    t events.triggers%ROWTYPE;
    op text;
    args text;
    col text;
BEGIN
    FOR t IN SELECT * FROM events.triggers LOOP
        FOREACH op IN ARRAY t.operations LOOP
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', 'mm_event_' || t.name || '_' || lower(op), t.schema_name, t.table_name);
        END LOOP;
        args := quote_literal(t.name);
        IF t.columns IS NOT NULL THEN
            FOREACH col IN ARRAY t.columns LOOP
                args := args || ', ' || quote_literal(col);
            END LOOP;
        END IF;
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I.%I FOR EACH ROW EXECUTE FUNCTION events.capture(%s)',
            'mm_event_' || t.name, array_to_string(t.operations, ' OR '), t.schema_name, t.table_name, args);
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
    args text := quote_literal(trigger_name);
    col text;
BEGIN
    SELECT n.nspname, c.relname INTO schema_name, table_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = target;
    IF columns IS NOT NULL THEN
        FOREACH col IN ARRAY columns LOOP
            args := args || ', ' || quote_literal(col);
        END LOOP;
    END IF;
    EXECUTE format(
        'CREATE TRIGGER %I AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION events.capture(%s)',
        'mm_event_' || trigger_name,
        array_to_string(operations, ' OR '),
        target,
        args
    );
    INSERT INTO events.triggers (name, schema_name, table_name, operations, columns, ordered)
    VALUES (trigger_name, schema_name, table_name, operations, columns, ordered);
END
$$;
DROP FUNCTION events.create_capture(text, regclass, text[], text[]);
DROP FUNCTION events.capture_set();
