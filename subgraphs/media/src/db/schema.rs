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

diesel::table! {
    media.multipart_uploads (media_id) {
        media_id -> Uuid,
        owner_id -> Uuid,
        store_upload_id -> Text,
        part_size -> Int8,
        part_count -> Int4,
        completing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        part_checksum -> Text,
    }
}

diesel::table! {
    media.upload_parts (media_id, number) {
        media_id -> Uuid,
        number -> Int4,
        checksum -> Text,
    }
}

diesel::table! {
    media.account_quotas (account_id) {
        account_id -> Uuid,
        storage_bytes -> Nullable<Int8>,
        pending_uploads -> Nullable<Int4>,
        concurrent_uploads -> Nullable<Int4>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    media.active_uploads (id) {
        id -> Uuid,
        owner_id -> Uuid,
        expires_at -> Timestamptz,
    }
}

diesel::joinable!(multipart_uploads -> media (media_id));
diesel::joinable!(upload_parts -> multipart_uploads (media_id));
diesel::allow_tables_to_appear_in_same_query!(media, multipart_uploads, upload_parts);

diesel::table! {
    media.tag_lineage (media_id, tag) {
        media_id -> Uuid,
        tag -> Text,
        job_id -> Uuid,
        created_at -> Timestamptz,
    }
}
