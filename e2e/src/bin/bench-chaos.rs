//! Benchmark: the fault-injection harness at full size ([`mediamagic_e2e::chaos`]): 1,000
//! jobs from 8 accounts while faults of every kind hit the stack every few seconds, then
//! the invariants and, per fault kind, the time until the API answered again and until the
//! queue caught up (its open jobs back to no more than before the fault), p50 and max, and
//! the time until the queue drained after the last fault and deployment.
//!
//! Run with `e2e/bench/run.sh chaos` (release build). Knobs: `BENCH_JOBS` (1000),
//! `BENCH_ROUNDS` (3: each kind of fault this many times), `BENCH_FAULT_EVERY_MS` (3000).
//! Exits non-zero when an invariant broke.

use mediamagic_e2e::chaos::{ChaosPlan, Fault, run};
use std::{collections::BTreeMap, time::Duration};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let accounts = 8;
    let jobs = knob("BENCH_JOBS", 1000) as usize;
    let rounds = knob("BENCH_ROUNDS", 3) as usize;
    let fault_every = Duration::from_millis(knob("BENCH_FAULT_EVERY_MS", 3000));
    let faults: Vec<Fault> = (0..rounds).flat_map(|_| Fault::every_kind()).collect();
    // Deployments spread over the time the faults take.
    let window = fault_every * faults.len() as u32 + Duration::from_secs(2 * faults.len() as u64);
    let per_account = jobs.div_ceil(accounts);
    let plan = ChaosPlan {
        accounts,
        jobs_per_account: per_account,
        pace: window / per_account.max(1) as u32,
        faults,
        fault_every,
        drain_within: Duration::from_secs(600),
    };
    println!(
        "chaos: {} jobs from {accounts} accounts, {} faults ({rounds} of each kind) every {:?}",
        accounts * per_account,
        plan.faults.len(),
        fault_every
    );
    let report = run(&plan).await?;
    let mut api: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for (fault, took) in &report.recoveries {
        api.entry(fault.name()).or_default().push(*took);
    }
    let mut queue: BTreeMap<String, Vec<Option<Duration>>> = BTreeMap::new();
    for (fault, took) in &report.queue_recoveries {
        queue.entry(fault.name()).or_default().push(*took);
    }
    println!(
        "{:<30} {:>9} {:>9} {:>11} {:>11}",
        "fault", "api p50", "api max", "queue p50", "queue max"
    );
    let seconds = |d: Option<Duration>| match d {
        Some(d) => format!("{:.2}s", d.as_secs_f64()),
        None => "> 60 s".to_owned(),
    };
    for (kind, mut times) in api {
        times.sort();
        let mut caught: Vec<Option<Duration>> = queue.remove(&kind).unwrap_or_default();
        // `None` (not caught up) sorts last, as the slowest.
        caught.sort_by_key(|d| d.unwrap_or(Duration::MAX));
        println!(
            "{kind:<30} {:>9} {:>9} {:>11} {:>11}",
            seconds(Some(times[times.len() / 2])),
            seconds(times.last().copied()),
            seconds(caught.get(caught.len() / 2).copied().flatten()),
            seconds(caught.last().copied().flatten()),
        );
    }
    println!(
        "queue drained {:.2}s after the last fault; requests by outcome: {:?}",
        report.drained_in.as_secs_f64(),
        report.outcomes
    );
    if report.violations.is_empty() {
        println!("invariants: all held ({} jobs)", report.jobs);
        Ok(())
    } else {
        println!("invariants broken:");
        for violation in &report.violations {
            println!("  - {violation}");
        }
        anyhow::bail!("{} invariants broken", report.violations.len())
    }
}
