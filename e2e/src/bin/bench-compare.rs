//! Benchmark: Media Magic against the tools users would pick instead, every pair in one run
//! on the same machine, the same Postgres/Redis and the same subgraphs (see
//! `mediamagic_e2e::compare`): gateways, job queue, event triggers, subscriptions. Writes the
//! figures as JSON to `$CARGO_TARGET_DIR/bench-compare.json` as each pair ends (a pair that
//! fails is reported with its error and the others still run), prints one table, and exits
//! non-zero when a target is missed or a pair failed. It raises its open-files limit for the
//! subscriptions pair where it may, and says what it needs where it may not. Run with `e2e/bench/run.sh compare`; `BENCH_PAIRS` (for example
//! `queue,events`) runs some pairs only.
//!
//! Knobs: gateways BENCH_SECONDS (10), BENCH_CONCURRENCY (32), BENCH_JOBS (60); queue
//! BENCH_QUEUE_LATENCY_JOBS (1000), BENCH_QUEUE_REAL_JOBS (200), BENCH_QUEUE_DRAIN (20000);
//! events BENCH_EVENTS (20000), BENCH_EVENTS_PACED_SECONDS (3); subscriptions
//! BENCH_SUB_ACCOUNTS (100), BENCH_SUB_JOBS (10 per account), BENCH_SUB_PER_JOB (9),
//! BENCH_SUB_PER_ACCOUNT (10), BENCH_SUB_RATE (200 updates/s).

use mediamagic_e2e::{
    compare::{
        PairReport, events, gateways, knob, queue,
        subscriptions::{self, SubscriptionSizes},
    },
    spawn_stack_with,
};
use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let pairs = std::env::var("BENCH_PAIRS")
        .unwrap_or_else(|_| "gateways,queue,events,subscriptions".into());
    let wants = |pair: &str| pairs.split(',').any(|p| p.trim() == pair);
    // Before the stack starts, so the router and subgraphs inherit it.
    if wants("subscriptions") {
        let sockets = 3
            * (knob("BENCH_SUB_ACCOUNTS", 100)
                * knob("BENCH_SUB_JOBS", 10)
                * (knob("BENCH_SUB_PER_JOB", 9) + 1));
        raise_open_files(sockets + 4096);
    }
    let mut stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        if let Some(cpu) = config.worker.machine_types.get_mut("cpu") {
            cpu.slots = 4;
        }
        config
            .models
            .expected_machine_types
            .push(queue::MACHINE_TYPE.into());
        // One bench account drains thousands of jobs at once.
        config.jobs.max_running_per_account = 1_000;
    })
    .await;
    let out = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench-compare.json");
    let mut report = PairReport::default();
    // Each pair's figures are written as soon as it ends; a pair that fails is reported as
    // failed, with its error, and the others still run.
    let finished =
        |report: &mut PairReport, pair: &'static str, ran: anyhow::Result<PairReport>| {
            match ran {
                Ok(figures) => report.extend(figures),
                Err(e) => {
                    eprintln!("== {pair} FAILED: {e:#}");
                    report.target(
                        true,
                        pair,
                        format!("the {pair} pair ran to its end: {e:#}"),
                        false,
                    );
                }
            }
            match serde_json::to_string_pretty(report).map(|json| std::fs::write(&out, json)) {
                Ok(Ok(())) => eprintln!("== {pair} done; figures so far in {}", out.display()),
                Ok(Err(e)) => eprintln!("could not write {}: {e}", out.display()),
                Err(e) => eprintln!("could not serialise the report: {e}"),
            }
        };
    if wants("gateways") {
        eprintln!("== gateways");
        let sizes = gateways::GatewaySizes {
            seconds: knob("BENCH_SECONDS", 10),
            concurrency: knob("BENCH_CONCURRENCY", 32) as usize,
            jobs: knob("BENCH_JOBS", 60),
            full: true,
        };
        let ran = gateways::run(&mut stack, sizes).await;
        finished(&mut report, "gateways", ran);
    }
    if wants("queue") {
        eprintln!("== queue");
        let sizes = queue::QueueSizes {
            latency_jobs: knob("BENCH_QUEUE_LATENCY_JOBS", 1000) as usize,
            real_worker_jobs: knob("BENCH_QUEUE_REAL_JOBS", 200) as usize,
            real_worker_burst: knob("BENCH_QUEUE_REAL_BURST", 200) as usize,
            drain: knob("BENCH_QUEUE_DRAIN", 20_000) as usize,
            concurrency: 8,
            full: true,
        };
        let ran = queue::run(&stack, sizes).await;
        finished(&mut report, "queue", ran);
    }
    if wants("events") {
        eprintln!("== events");
        let sizes = events::EventSizes {
            burst: knob("BENCH_EVENTS", 20_000) as usize,
            paced_seconds: knob("BENCH_EVENTS_PACED_SECONDS", 3),
            full: true,
        };
        let ran = events::run(&stack, sizes).await;
        finished(&mut report, "events", ran);
    }
    if wants("subscriptions") {
        eprintln!("== subscriptions");
        let sizes = SubscriptionSizes {
            accounts: knob("BENCH_SUB_ACCOUNTS", 100) as usize,
            jobs_per_account: knob("BENCH_SUB_JOBS", 10) as usize,
            per_job: knob("BENCH_SUB_PER_JOB", 9) as usize,
            per_account: knob("BENCH_SUB_PER_ACCOUNT", 10) as usize,
            rate: knob("BENCH_SUB_RATE", 200) as f64,
            full: true,
        };
        let ran = subscriptions::run(&mut stack, sizes).await;
        finished(&mut report, "subscriptions", ran);
    }

    print(&report);
    println!("written: {}", out.display());
    let missed: Vec<&str> = report
        .targets
        .iter()
        .filter(|t| !t.met)
        .map(|t| t.description.as_str())
        .collect();
    if !missed.is_empty() {
        anyhow::bail!("targets missed:\n{}", missed.join("\n"));
    }
    Ok(())
}

/// Raises this process's open-files limit (which the stack's processes inherit) to at least
/// `needed` where it may: the soft limit up to the hard one, and the hard one too when the
/// process may (root, up to `fs.nr_open`); says what it got and what it would need.
fn raise_open_files(needed: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        eprintln!("open files: the limit could not be read");
        return;
    };
    let ceiling = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(hard);
    let wanted = needed.max(soft).min(ceiling.max(hard));
    if wanted > hard && setrlimit(Resource::RLIMIT_NOFILE, wanted, wanted).is_ok() {
        eprintln!("open files: raised to {wanted} (was {soft}, hard {hard})");
        return;
    }
    if soft < hard {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
    let now = getrlimit(Resource::RLIMIT_NOFILE).map_or(soft, |(s, _)| s);
    if now < needed {
        eprintln!(
            "open files: {now}, but the subscriptions pair needs about {needed}; raise the hard \
             limit (`ulimit -Hn {needed}` as root, or LimitNOFILE= for a service)"
        );
    } else {
        eprintln!("open files: {now}");
    }
}

/// The table: one line per figure, grouped by pair and case; then the targets and notes.
fn print(report: &PairReport) {
    let mut last = (String::new(), String::new());
    for f in &report.figures {
        if (f.pair.to_owned(), f.case.clone()) != last {
            println!("\n[{}] {}", f.pair, f.case);
            last = (f.pair.to_owned(), f.case.clone());
        }
        println!("  {:<42} {:<28} {:>12.2}", f.subject, f.metric, f.value);
    }
    println!("\ntargets:");
    for t in &report.targets {
        println!(
            "  {} [{}] {}",
            if t.met { "met   " } else { "MISSED" },
            t.pair,
            t.description
        );
    }
    for note in &report.notes {
        println!("note: {note}");
    }
}
