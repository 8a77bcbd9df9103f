-- Event triggers: table changes become Hasura-format events in events.event_log, delivered
-- at least once by the kit's dispatcher (or by Hasura through the webhook mounts).
CREATE SCHEMA IF NOT EXISTS events;

-- Triggers the migrations attached (kept in step with hasura/ by a test).
CREATE TABLE events.triggers (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    schema_name text NOT NULL,
    table_name  text NOT NULL,
    operations  text[] NOT NULL,
    columns     text[],
    ordered     boolean NOT NULL DEFAULT false
);

CREATE TABLE events.event_log (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigserial NOT NULL UNIQUE,
    trigger_name    text NOT NULL,
    schema_name     text NOT NULL,
    table_name      text NOT NULL,
    -- Hasura's `event` object: op, data {old, new}, session_variables, trace_context.
    event           jsonb NOT NULL,
    -- Primary key of the changed row, for per-row ordering.
    row_key         text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'delivered', 'dead')),
    tries           integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    locked_until    timestamptz,
    locked_by       text,
    delivered_at    timestamptz,
    last_error      text
);
CREATE INDEX event_log_due_idx ON events.event_log (trigger_name, seq)
    WHERE status IN ('pending', 'processing');
CREATE INDEX event_log_row_idx ON events.event_log (trigger_name, row_key, seq)
    WHERE status IN ('pending', 'processing');
CREATE INDEX event_log_dead_idx ON events.event_log (trigger_name, seq) WHERE status = 'dead';
CREATE INDEX event_log_delivered_idx ON events.event_log (delivered_at) WHERE status = 'delivered';

CREATE TABLE events.invocation_log (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL REFERENCES events.event_log (id) ON DELETE CASCADE,
    trigger_name text NOT NULL,
    attempt     integer NOT NULL,
    status      text NOT NULL CHECK (status IN ('ok', 'error', 'timeout')),
    duration_ms integer NOT NULL,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX invocation_log_event_idx ON events.invocation_log (event_id, id);
CREATE INDEX invocation_log_created_idx ON events.invocation_log (created_at);

-- The row trigger. Arguments: trigger name, then the columns whose change fires an UPDATE
-- event (none: any change). Session variables and trace context come from the transaction's
-- `mediamagic.session_variables` / `mediamagic.trace_context` settings when set.
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

-- Attaching a trigger is one line in a migration:
--   SELECT events.attach('media_live', 'media.media', ARRAY['INSERT', 'UPDATE'], ARRAY['status'], true);
CREATE FUNCTION events.attach(
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

-- A manual invocation (Hasura's "invoke trigger"): an event with op MANUAL.
CREATE FUNCTION events.invoke(trigger_name text, payload jsonb, session jsonb DEFAULT NULL)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    t events.triggers%ROWTYPE;
    event_id uuid;
BEGIN
    SELECT * INTO t FROM events.triggers WHERE name = trigger_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown event trigger %', trigger_name USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO events.event_log (trigger_name, schema_name, table_name, event, row_key)
    VALUES (
        trigger_name, t.schema_name, t.table_name,
        jsonb_build_object('op', 'MANUAL', 'data', jsonb_build_object('old', NULL, 'new', payload),
                           'session_variables', session, 'trace_context', NULL),
        payload ->> 'id'
    )
    RETURNING id INTO event_id;
    PERFORM pg_notify('mediamagic_events', trigger_name);
    RETURN event_id;
END
$$;

-- The accounts subgraph's first trigger: a revoked API key's cache tombstone is (re)written by
-- a handler until it succeeds, backing up the write the revocation itself makes.
SELECT events.attach('api_key_revoked', 'accounts.api_keys', ARRAY['UPDATE'], ARRAY['revoked_at']);
