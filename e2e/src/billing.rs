//! Billing test helpers: the billing library on a stack's database (to sample storage and
//! close periods at chosen times), and a worker played with exact run times.

use crate::{Cred, TestStack};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Integer, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_billing::BillingDeps;
use mediamagic_jobs::{
    JobsDeps,
    commands::queue::{self, RunOutcome},
};
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};
use uuid::Uuid;

/// The billing library on the stack's database and config.
pub fn billing(stack: &TestStack) -> BillingDeps {
    BillingDeps {
        pool: mediamagic_kit::db::pool(&stack.infra.database_url, 4).expect("pool"),
        internal: mediamagic_kit::tokens::TokenVerifier::from_hex(
            &stack.infra.keys.internal_public_key,
        )
        .expect("verifier"),
        config: Arc::new(stack.config.billing.clone()),
        storage_quota_bytes: stack.config.media.quotas.storage_bytes,
    }
}

/// The jobs library on the stack's database, to play the worker.
pub async fn queue(stack: &TestStack) -> JobsDeps {
    mediamagic::stack::jobs_deps(&stack.config, &stack.infra)
        .await
        .expect("jobs deps")
}

/// A private model named `name` on `machine_type` (an audio `input`, `out.mp3` output).
pub async fn model(
    stack: &TestStack,
    token: &str,
    name: &str,
    machine_type: &str,
    expected_runtime_seconds: Option<i32>,
) -> String {
    let created = stack
        .gql(
            Cred::Bearer(token),
            "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }",
            json!({"input": {
                "name": name,
                "container": "debian:bookworm-slim",
                "command": "cp {input} out.mp3",
                "machineType": machine_type,
                "expectedRuntimeSeconds": expected_runtime_seconds,
                "args": {"input": {"type": "file", "kinds": ["audio"]}},
                "outputs": [{"pattern": "out.mp3", "contentType": "audio/mpeg"}],
            }}),
        )
        .await;
    created
        .data("/createModel/id")
        .as_str()
        .unwrap_or_else(|| panic!("{}", created.body))
        .to_owned()
}

/// One attempt as the played worker runs it: from `start` to `end`, ending with `outcome`
/// (`succeeded`, `failed`, `cancelled`, or `lost` to fail it for the platform and retry).
pub struct Attempt {
    /// When it started.
    pub start: DateTime<Utc>,
    /// When it ended.
    pub end: DateTime<Utc>,
    /// How it ended.
    pub outcome: &'static str,
}

/// Plays the worker through every attempt of job `id` (the next queued job of
/// `machine_type`): claims, starts, records the run with its exact times (as the worker's
/// `worker.runs` row) and finishes it; then waits until billing saw the finished job.
pub async fn play(
    stack: &TestStack,
    jobs: &JobsDeps,
    id: &str,
    machine_type: &str,
    attempts: &[Attempt],
) {
    let job: Uuid = id.parse().expect("job id");
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .expect("database");
    for (i, attempt) in attempts.iter().enumerate() {
        let claimed = queue::claim(jobs, machine_type, "played-worker")
            .await
            .expect("claim")
            .expect("a queued job");
        assert_eq!(claimed.job.id, job, "the played worker claims the job");
        let lease = claimed.lease();
        queue::start(jobs, &lease).await.expect("start");
        diesel::sql_query(
            "INSERT INTO worker.runs (job_id, attempt, worker_id, driver, machine_type, started_at, finished_at, outcome)
             VALUES ($1, $2, 'played-worker', 'local', $3, $4, $5, $6)",
        )
        .bind::<SqlUuid, _>(job)
        .bind::<Integer, _>(i as i32 + 1)
        .bind::<Text, _>(machine_type)
        .bind::<Timestamptz, _>(attempt.start)
        .bind::<Timestamptz, _>(attempt.end)
        .bind::<Text, _>(if attempt.outcome == "lost" { "infrastructure" } else { attempt.outcome })
        .execute(&mut conn)
        .await
        .expect("run recorded");
        let outcome = match attempt.outcome {
            "succeeded" => RunOutcome::Succeeded {
                outputs: vec![],
                result: None,
            },
            "failed" => RunOutcome::Failed {
                code: "EXIT_STATUS".into(),
                message: "exit status 1".into(),
            },
            "cancelled" => RunOutcome::Cancelled,
            _ => RunOutcome::InfrastructureFailed {
                message: "node lost".into(),
            },
        };
        queue::finish(jobs, &lease, outcome).await.expect("finish");
    }
    wait_for_events(stack).await;
}

/// Waits until every `job_usage` event was handled.
pub async fn wait_for_events(stack: &TestStack) {
    #[derive(diesel::QueryableByName)]
    struct Pending {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .expect("database");
    for _ in 0..200 {
        let pending: Pending = diesel::sql_query(
            "SELECT count(*) AS n FROM events.event_log
             WHERE trigger_name = 'job_usage' AND status <> 'delivered'",
        )
        .get_result(&mut conn)
        .await
        .expect("count");
        if pending.n == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job_usage events were not delivered in 10 s");
}

/// `usage(period)` of the token's account through the router.
pub async fn usage(stack: &TestStack, token: &str, period: &str) -> Value {
    let response = stack
        .gql(
            Cred::Bearer(token),
            "query($p: String) { usage(period: $p) {
                period currency
                byMachineType { name machineSeconds attempts amount { amount } }
                byModel { name machineSeconds attempts amount { amount } }
                storage { gbHours samples amount { amount } }
                subtotal { amount } freeAllowance { amount } allowanceApplied { amount }
                total { amount formatted }
                budget { monthlyLimit { amount } hard spent { amount } remaining { amount } exceeded }
                warnings } }",
            json!({"p": period}),
        )
        .await;
    response.data("/usage").clone()
}
