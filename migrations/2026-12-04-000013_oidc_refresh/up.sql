-- Seed 000's sign-in through an identity provider (OIDC authorization code with PKCE) and
-- refresh tokens that rotate on use.

-- One sign-in in progress: the state sent to the provider (hashed), the PKCE verifier and the
-- nonce the ID token must carry. Single use, short lived.
CREATE TABLE accounts.oidc_logins (
    state_hash    text PRIMARY KEY,
    code_verifier text NOT NULL,
    nonce         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX oidc_logins_expires_idx ON accounts.oidc_logins (expires_at);

-- Refresh tokens (hashed). Each use rotates: the token is marked used and a new one of the
-- same family is issued with a new session. A used token presented again means it leaked:
-- the whole family and the sessions it issued are revoked.
CREATE TABLE accounts.refresh_tokens (
    id                    uuid PRIMARY KEY,
    token_hash            text NOT NULL UNIQUE,
    family_id             uuid NOT NULL,
    user_id               uuid NOT NULL REFERENCES accounts.users (id) ON DELETE CASCADE,
    -- The session token issued together with this refresh token.
    session_revocation_id text NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    expires_at            timestamptz NOT NULL,
    used_at               timestamptz,
    revoked_at            timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON accounts.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_session_idx ON accounts.refresh_tokens (session_revocation_id);
