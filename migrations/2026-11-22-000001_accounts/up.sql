-- Accounts subgraph: users, teams, memberships, invites, API keys, session tokens.
CREATE SCHEMA IF NOT EXISTS accounts;

CREATE TABLE accounts.users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    password_hash text,
    oidc_issuer   text,
    oidc_subject  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE accounts.teams (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_by uuid NOT NULL REFERENCES accounts.users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts.memberships (
    team_id    uuid NOT NULL REFERENCES accounts.teams (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES accounts.users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user_idx ON accounts.memberships (user_id);

CREATE TABLE accounts.invites (
    id          uuid PRIMARY KEY,
    team_id     uuid NOT NULL REFERENCES accounts.teams (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash  text NOT NULL UNIQUE,
    invited_by  uuid NOT NULL REFERENCES accounts.users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES accounts.users (id)
);
CREATE INDEX invites_team_idx ON accounts.invites (team_id);

CREATE TABLE accounts.api_keys (
    id           uuid PRIMARY KEY,
    owner_id     uuid NOT NULL,
    owner_kind   text NOT NULL CHECK (owner_kind IN ('user', 'team')),
    created_by   uuid NOT NULL REFERENCES accounts.users (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    key_hash     text NOT NULL UNIQUE,
    prefix       text NOT NULL,
    scopes       text[] NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_owner_idx ON accounts.api_keys (owner_id, created_at DESC, id DESC);

-- Every session token issued (user and team), so logout and member removal can revoke them.
CREATE TABLE accounts.sessions (
    revocation_id text PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES accounts.users (id) ON DELETE CASCADE,
    account_id    uuid NOT NULL,
    account_kind  text NOT NULL CHECK (account_kind IN ('user', 'team')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX sessions_account_idx ON accounts.sessions (account_id, user_id);
CREATE INDEX sessions_revoked_idx ON accounts.sessions (expires_at) WHERE revoked_at IS NOT NULL;
