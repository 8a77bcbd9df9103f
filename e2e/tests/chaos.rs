//! A CI-sized round of the fault-injection harness ([`mediamagic_e2e::chaos`]): the stack as
//! separate processes under a workload from several accounts, every kind of fault once, and
//! the invariants checked at the end (every job terminal exactly once with one set of
//! outputs, one callback id per job event, one usage line per run, no event lost, no request
//! hung or answered without a code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::chaos::{ChaosPlan, Fault, run};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_survives_every_kind_of_fault_with_nothing_lost_and_nothing_done_twice() {
    let plan = ChaosPlan {
        accounts: 4,
        jobs_per_account: 25,
        // 25 deployments a second apart: the faults (about 30 s) hit queued and running work.
        pace: Duration::from_secs(1),
        faults: Fault::every_kind(),
        fault_every: Duration::from_millis(1500),
        drain_within: Duration::from_secs(180),
    };

    let report = run(&plan).await.expect("the harness ran");

    eprintln!("{report:#?}");
    assert!(report.jobs >= 100, "{} jobs", report.jobs);
    assert_eq!(report.recoveries.len(), plan.faults.len());
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
}
