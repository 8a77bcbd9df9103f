//! Diesel table definitions for the `jobs` Postgres schema (see `migrations/`).

diesel::table! {
    jobs.deployments (id) {
        id -> Uuid,
        owner_id -> Uuid,
        owner_kind -> Text,
        name -> Text,
        model_id -> Uuid,
        model_version_id -> Uuid,
        model_version -> Int4,
        args -> Jsonb,
        callback_url -> Nullable<Text>,
        callback_on_start -> Bool,
        idempotency_key -> Nullable<Text>,
        request_hash -> Text,
        created_at -> Timestamptz,
        apply_tags -> Bool,
    }
}

diesel::table! {
    jobs.jobs (id) {
        id -> Uuid,
        deployment_id -> Uuid,
        owner_id -> Uuid,
        owner_kind -> Text,
        model_version_id -> Uuid,
        machine_type -> Text,
        status -> Text,
        progress -> Float8,
        message -> Nullable<Text>,
        attempts -> Int4,
        error -> Nullable<Jsonb>,
        outputs -> Array<Uuid>,
        cancel_after -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        result -> Nullable<Jsonb>,
        callbacks -> Text,
    }
}

diesel::table! {
    jobs.job_control (job_id) {
        job_id -> Uuid,
        queued_at -> Timestamptz,
        timeout_seconds -> Int4,
        max_attempts -> Int4,
        worker_id -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamptz>,
        cancel_requested_at -> Nullable<Timestamptz>,
        cancel_reason -> Nullable<Text>,
        updated_at -> Timestamptz,
        trace_context -> Nullable<Jsonb>,
    }
}

diesel::table! {
    jobs.job_logs (seq) {
        seq -> Int8,
        job_id -> Uuid,
        attempt -> Int4,
        stream -> Text,
        line -> Text,
        created_at -> Timestamptz,
        sent_seq -> Nullable<Int8>,
    }
}

diesel::table! {
    jobs.callback_attempts (id) {
        id -> Int8,
        job_id -> Uuid,
        webhook_id -> Text,
        event -> Text,
        url -> Text,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    jobs.webhook_secrets (owner_id) {
        owner_id -> Uuid,
        secret -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(jobs -> deployments (deployment_id));
diesel::joinable!(job_control -> jobs (job_id));
diesel::allow_tables_to_appear_in_same_query!(
    deployments,
    jobs,
    job_control,
    job_logs,
    callback_attempts
);
