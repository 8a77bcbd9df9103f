-- Platform admins are made by an operator act (`mediamagic admin grant <email>`, or
-- `accounts.admin_emails` for users that exist when the service starts), never by signing up
-- with a listed address. Every grant and revocation is kept in the audit table.
CREATE TABLE accounts.admins (
    user_id    uuid PRIMARY KEY REFERENCES accounts.users (id) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_by text NOT NULL
);

CREATE TABLE accounts.admin_audit (
    id      bigserial PRIMARY KEY,
    user_id uuid NOT NULL,
    email   text NOT NULL,
    action  text NOT NULL CHECK (action IN ('grant', 'revoke')),
    actor   text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
