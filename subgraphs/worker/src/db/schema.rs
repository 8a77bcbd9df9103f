//! Diesel schema of the `worker` Postgres schema.

diesel::table! {
    worker.workers (id) {
        id -> Text,
        hostname -> Text,
        driver -> Text,
        sandbox -> Text,
        capacity -> Jsonb,
        busy -> Int4,
        started_at -> Timestamptz,
        last_heartbeat_at -> Timestamptz,
        stopped_at -> Nullable<Timestamptz>,
        runtimes -> Array<Text>,
        agent_id -> Nullable<Uuid>,
        gpus -> Jsonb,
    }
}

diesel::table! {
    worker.agents (id) {
        id -> Uuid,
        name -> Text,
        machine_types -> Array<Text>,
        site -> Nullable<Text>,
        token_hash -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_seen_at -> Nullable<Timestamptz>,
        version -> Nullable<Text>,
    }
}

diesel::joinable!(workers -> agents (agent_id));
diesel::allow_tables_to_appear_in_same_query!(workers, agents);

diesel::table! {
    worker.runs (job_id, attempt) {
        job_id -> Uuid,
        attempt -> Int4,
        worker_id -> Text,
        driver -> Text,
        node -> Nullable<Text>,
        machine_type -> Text,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
    }
}
