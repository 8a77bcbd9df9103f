//! A CI-sized run of every pair of `e2e/bench/run.sh compare` (seconds each, no targets),
//! so the harness cannot rot: the peers start, every gateway answers the same JSON, the
//! queue and event peers drain, subscriptions deliver through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    compare::{events, gateways, queue, subscriptions},
    spawn_stack_with,
};

async fn stack() -> mediamagic_e2e::TestStack {
    spawn_stack_with(|config| {
        config.worker.enabled = true;
        config
            .models
            .expected_machine_types
            .push(queue::MACHINE_TYPE.into());
        config.jobs.max_running_per_account = 1_000;
    })
    .await
}

fn figure(report: &mediamagic_e2e::compare::PairReport, subject: &str, metric: &str) -> f64 {
    report
        .figures
        .iter()
        .find(|f| f.subject.contains(subject) && f.metric == metric)
        .unwrap_or_else(|| panic!("no {subject} {metric}: {:?}", report.figures))
        .value
}

#[tokio::test]
async fn the_gateway_pair_runs_and_every_gateway_answers_the_same() {
    let mut stack = stack().await;
    let sizes = gateways::GatewaySizes {
        seconds: 1,
        concurrency: 4,
        jobs: 2,
        full: false,
    };

    let report = gateways::run(&mut stack, sizes).await.unwrap();

    for gateway in [
        "mediamagic-router",
        "apollo-gateway",
        "hive-gateway",
        "mediamagic-router, no plugins",
    ] {
        assert!(figure(&report, gateway, "req/s") > 0.0, "{gateway}");
        assert_eq!(figure(&report, gateway, "failed"), 0.0, "{gateway}");
    }
    assert!(report.targets.is_empty());
}

#[tokio::test]
async fn the_queue_pair_runs_against_graphile_worker_and_pgbench() {
    let stack = stack().await;
    let sizes = queue::QueueSizes {
        latency_jobs: 5,
        real_worker_jobs: 2,
        real_worker_burst: 4,
        drain: 40,
        concurrency: 8,
        full: false,
    };

    let report = queue::run(&stack, sizes).await.unwrap();

    assert!(figure(&report, "mediamagic", "jobs/s") > 0.0);
    assert!(figure(&report, "graphile-worker (unbatched)", "jobs/s") > 0.0);
    assert!(figure(&report, "graphile-worker (localQueue", "jobs/s") > 0.0);
    assert!(figure(&report, "pgbench", "jobs/s") > 0.0);
    for path in ["(agent protocol)", "(direct, the baseline)"] {
        assert!(
            figure(&report, path, "enqueue-to-running p50 ms") > 0.0,
            "{path}"
        );
        assert!(figure(&report, path, "burst jobs/s") > 0.0, "{path}");
    }
}

#[tokio::test]
async fn the_events_pair_runs_against_graphile_worker() {
    let stack = stack().await;
    let sizes = events::EventSizes {
        burst: 200,
        paced_seconds: 1,
        full: false,
    };

    let report = events::run(&stack, sizes).await.unwrap();

    assert!(figure(&report, "mediamagic", "events/s") > 0.0);
    assert!(figure(&report, "graphile-worker", "events/s") > 0.0);
}

#[tokio::test]
async fn the_subscription_pair_delivers_every_update_through_the_router() {
    let mut stack = stack().await;
    let sizes = subscriptions::SubscriptionSizes {
        accounts: 2,
        jobs_per_account: 2,
        per_job: 3,
        per_account: 2,
        rate: 50.0,
        full: false,
    };

    let report = subscriptions::run(&mut stack, sizes).await.unwrap();

    assert_eq!(
        figure(&report, "deliveries", "received of expected %"),
        100.0
    );
    assert!(figure(&report, "all", "p50 ms") > 0.0);
    assert!(figure(&report, "establishing", "seconds for all") > 0.0);
}
