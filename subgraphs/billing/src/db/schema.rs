//! Diesel table definitions for the `billing` Postgres schema (see `migrations/`).

diesel::table! {
    billing.prices (id) {
        id -> Uuid,
        item -> Text,
        amount -> Int8,
        effective_from -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    billing.usage_lines (id) {
        id -> Uuid,
        account_id -> Uuid,
        period_start -> Date,
        kind -> Text,
        job_id -> Nullable<Uuid>,
        attempt -> Nullable<Int4>,
        deployment_id -> Nullable<Uuid>,
        model_name -> Nullable<Text>,
        machine_type -> Nullable<Text>,
        machine_count -> Nullable<Int4>,
        outcome -> Nullable<Text>,
        sample_hour -> Nullable<Timestamptz>,
        started_at -> Timestamptz,
        ended_at -> Timestamptz,
        quantity -> Int8,
        amount_micros -> Int8,
    }
}

diesel::table! {
    billing.invoices (id) {
        id -> Uuid,
        account_id -> Uuid,
        period_start -> Date,
        period_end -> Date,
        currency -> Text,
        subtotal -> Int8,
        allowance -> Int8,
        total -> Int8,
        closed_at -> Timestamptz,
    }
}

diesel::table! {
    billing.invoice_lines (invoice_id, position) {
        invoice_id -> Uuid,
        position -> Int4,
        kind -> Text,
        description -> Text,
        machine_type -> Nullable<Text>,
        quantity -> Int8,
        amount -> Int8,
    }
}

diesel::table! {
    billing.budgets (account_id) {
        account_id -> Uuid,
        monthly_limit -> Int8,
        hard -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    billing.budget_alerts (account_id, period_start) {
        account_id -> Uuid,
        period_start -> Date,
        monthly_limit -> Int8,
        spent -> Int8,
        hard -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(invoices, invoice_lines);

// `billing.budget_limits`: the view of `billing.budgets` billing publishes to jobs.
diesel::table! {
    billing.budget_limits (account_id) {
        account_id -> Uuid,
        monthly_limit -> Int8,
        hard -> Bool,
        updated_at -> Timestamptz,
    }
}

// `billing.price_points`: the view of `billing.prices` billing publishes to jobs.
diesel::table! {
    billing.price_points (id) {
        id -> Uuid,
        item -> Text,
        amount -> Int8,
        effective_from -> Timestamptz,
        created_at -> Timestamptz,
    }
}
