//! Diesel table definitions for the `accounts` Postgres schema (see `migrations/`).

diesel::table! {
    accounts.users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        oidc_issuer -> Nullable<Text>,
        oidc_subject -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    accounts.teams (id) {
        id -> Uuid,
        name -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    accounts.memberships (team_id, user_id) {
        team_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    accounts.invites (id) {
        id -> Uuid,
        team_id -> Uuid,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    accounts.api_keys (id) {
        id -> Uuid,
        owner_id -> Uuid,
        owner_kind -> Text,
        created_by -> Uuid,
        name -> Text,
        key_hash -> Text,
        prefix -> Text,
        scopes -> Array<Text>,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    accounts.sessions (revocation_id) {
        revocation_id -> Text,
        user_id -> Uuid,
        account_id -> Uuid,
        account_kind -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    accounts.oidc_logins (state_hash) {
        state_hash -> Text,
        code_verifier -> Text,
        nonce -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        redirect_uri -> Nullable<Text>,
    }
}

diesel::table! {
    accounts.refresh_tokens (id) {
        id -> Uuid,
        token_hash -> Text,
        family_id -> Uuid,
        user_id -> Uuid,
        session_revocation_id -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(memberships -> teams (team_id));
diesel::joinable!(memberships -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    teams,
    memberships,
    invites,
    api_keys,
    sessions,
    oidc_logins,
    refresh_tokens
);
