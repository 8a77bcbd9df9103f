-- Idempotency keys of creates (mediamagic_kit::idempotency): a retried create with the same
-- key and request gets the first call's resource; another request with the key is a
-- conflict. One table per schema, each owned by its subgraph; rows expire after a day.

CREATE TABLE accounts.idempotency_keys (
    owner_id     uuid NOT NULL,
    operation    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    -- What the create made (set in the same transaction).
    resource_id  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (owner_id, operation, key)
);
CREATE INDEX idempotency_keys_expires_idx ON accounts.idempotency_keys (expires_at);

CREATE TABLE models.idempotency_keys (
    owner_id     uuid NOT NULL,
    operation    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    -- What the create made (set in the same transaction).
    resource_id  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (owner_id, operation, key)
);
CREATE INDEX idempotency_keys_expires_idx ON models.idempotency_keys (expires_at);

CREATE TABLE media.idempotency_keys (
    owner_id     uuid NOT NULL,
    operation    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    -- What the create made (set in the same transaction).
    resource_id  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (owner_id, operation, key)
);
CREATE INDEX idempotency_keys_expires_idx ON media.idempotency_keys (expires_at);

CREATE TABLE billing.idempotency_keys (
    owner_id     uuid NOT NULL,
    operation    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    -- What the create made (set in the same transaction).
    resource_id  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (owner_id, operation, key)
);
CREATE INDEX idempotency_keys_expires_idx ON billing.idempotency_keys (expires_at);
