//! Diesel table definitions for the `media` Postgres schema (see `migrations/`).

diesel::table! {
    media.media (id) {
        id -> Uuid,
        owner_id -> Uuid,
        owner_kind -> Text,
        name -> Text,
        content_type -> Text,
        kind -> Text,
        size_bytes -> Int8,
        sha256 -> Nullable<Text>,
        status -> Text,
        tags -> Array<Text>,
        metadata -> Nullable<Jsonb>,
        failure -> Nullable<Text>,
        job_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    media.tags (owner_id, name) {
        owner_id -> Uuid,
        name -> Text,
        created_at -> Timestamptz,
    }
}
