-- The billing subgraph: prices (append-only, each from a point in time), usage lines (one per
-- job attempt that ran, one per hourly storage sample), invoices (immutable once written),
-- budgets and their alerts. Money is integer: usage lines in micro-units (a millionth of a
-- minor unit) so short runs are not lost to rounding, invoices and budgets in minor units.
CREATE SCHEMA billing;

-- `machine:<type>`: micro-units per machine-second; `storage`: micro-units per GB-month
-- (10^9 bytes for 730 hours); `free_allowance`: minor units per monthly period.
CREATE TABLE billing.prices (
    id             uuid PRIMARY KEY,
    item           text NOT NULL CHECK (item ~ '^(machine:[A-Za-z0-9_.-]{1,50}|storage|free_allowance)$'),
    amount         bigint NOT NULL CHECK (amount >= 0),
    effective_from timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item, effective_from)
);

CREATE TABLE billing.usage_lines (
    id            uuid PRIMARY KEY,
    account_id    uuid NOT NULL,
    -- First day of the monthly period the line is billed in (the month it ended, or the
    -- open period when that month was already invoiced).
    period_start  date NOT NULL CHECK (extract(day FROM period_start) = 1),
    kind          text NOT NULL CHECK (kind IN ('job', 'storage')),
    job_id        uuid,
    attempt       integer,
    deployment_id uuid,
    model_name    text,
    machine_type  text,
    machine_count integer,
    outcome       text,
    -- Storage samples: the hour sampled (one line per account and hour).
    sample_hour   timestamptz,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz NOT NULL CHECK (ended_at >= started_at),
    -- Jobs: machine-milliseconds; storage: byte-hours.
    quantity      bigint NOT NULL CHECK (quantity >= 0),
    amount_micros bigint NOT NULL CHECK (amount_micros >= 0),
    CHECK ((kind = 'job') = (job_id IS NOT NULL AND attempt IS NOT NULL)),
    CHECK ((kind = 'storage') = (sample_hour IS NOT NULL)),
    -- Redelivered events and repeated samples never charge twice.
    UNIQUE (job_id, attempt),
    UNIQUE (account_id, sample_hour)
);
CREATE INDEX usage_lines_period_idx ON billing.usage_lines (account_id, period_start);
CREATE INDEX usage_lines_deployment_idx ON billing.usage_lines (deployment_id) WHERE deployment_id IS NOT NULL;

CREATE TABLE billing.invoices (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL,
    period_start date NOT NULL,
    period_end   date NOT NULL CHECK (period_end > period_start),
    currency     text NOT NULL,
    subtotal     bigint NOT NULL CHECK (subtotal >= 0),
    allowance    bigint NOT NULL CHECK (allowance >= 0),
    total        bigint NOT NULL CHECK (total >= 0),
    closed_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, period_start)
);
CREATE INDEX invoices_account_idx ON billing.invoices (account_id, period_start DESC);

CREATE TABLE billing.invoice_lines (
    invoice_id   uuid NOT NULL REFERENCES billing.invoices (id),
    position     integer NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('machine', 'storage')),
    description  text NOT NULL,
    machine_type text,
    quantity     bigint NOT NULL,
    amount       bigint NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (invoice_id, position)
);

-- Closed invoices never change.
CREATE FUNCTION billing.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoices are immutable once closed' USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON billing.invoices
    FOR EACH ROW EXECUTE FUNCTION billing.refuse_change();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON billing.invoice_lines
    FOR EACH ROW EXECUTE FUNCTION billing.refuse_change();

-- A monthly budget in minor units: soft ones warn, hard ones refuse new deployments.
CREATE TABLE billing.budgets (
    account_id    uuid PRIMARY KEY,
    monthly_limit bigint NOT NULL CHECK (monthly_limit >= 0),
    hard          boolean NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The first time an account's usage reached its budget in a period (one event each).
CREATE TABLE billing.budget_alerts (
    account_id    uuid NOT NULL,
    period_start  date NOT NULL,
    monthly_limit bigint NOT NULL,
    spent         bigint NOT NULL,
    hard          boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, period_start)
);

-- Finished jobs become usage lines; a budget reached becomes an event for subscribers.
SELECT events.attach('job_usage', 'jobs.jobs', ARRAY['UPDATE'], ARRAY['status']);
SELECT events.attach('budget_exceeded', 'billing.budget_alerts', ARRAY['INSERT']);
