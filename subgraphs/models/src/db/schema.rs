//! Diesel table definitions for the `models` Postgres schema (see `migrations/`).

diesel::table! {
    models.models (id) {
        id -> Uuid,
        external_id -> Uuid,
        owner_id -> Nullable<Uuid>,
        owner_kind -> Nullable<Text>,
        slug -> Nullable<Text>,
        public -> Bool,
        name -> Text,
        description -> Text,
        icon -> Nullable<Text>,
        tags -> Array<Text>,
        example_outputs -> Array<Text>,
        hidden -> Bool,
        expected_runtime_seconds -> Nullable<Int4>,
        latest_version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    models.model_versions (model_id, version) {
        id -> Uuid,
        model_id -> Uuid,
        version -> Int4,
        container -> Text,
        command -> Text,
        invocation -> Text,
        args -> Jsonb,
        machine_type -> Text,
        machine_count -> Int4,
        timeout_seconds -> Int4,
        outputs -> Jsonb,
        network -> Bool,
        limits -> Jsonb,
        runtime -> Nullable<Text>,
        result -> Nullable<Jsonb>,
        observed_runtime_seconds -> Nullable<Int4>,
        jobs_count -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(model_versions -> models (model_id));
diesel::allow_tables_to_appear_in_same_query!(models, model_versions);

// The published view of `models.models` (models' contract with jobs and the worker).
diesel::table! {
    models.published_models (id) {
        id -> Uuid,
        external_id -> Uuid,
        owner_id -> Nullable<Uuid>,
        owner_kind -> Nullable<Text>,
        slug -> Nullable<Text>,
        public -> Bool,
        name -> Text,
        description -> Text,
        icon -> Nullable<Text>,
        tags -> Array<Text>,
        example_outputs -> Array<Text>,
        hidden -> Bool,
        expected_runtime_seconds -> Nullable<Int4>,
        latest_version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

// The published view of `models.model_versions`.
diesel::table! {
    models.published_versions (id) {
        id -> Uuid,
        model_id -> Uuid,
        version -> Int4,
        container -> Text,
        command -> Text,
        invocation -> Text,
        args -> Jsonb,
        machine_type -> Text,
        machine_count -> Int4,
        timeout_seconds -> Int4,
        outputs -> Jsonb,
        network -> Bool,
        limits -> Jsonb,
        runtime -> Nullable<Text>,
        result -> Nullable<Jsonb>,
        observed_runtime_seconds -> Nullable<Int4>,
        jobs_count -> Int8,
        created_at -> Timestamptz,
    }
}
