//! Benchmark: the job queue, through the router, with a simulated worker that uses the jobs
//! library's queue API (claim, start, finish) and wakes on the queue's Redis signals, the way
//! the worker subgraph will.
//!
//! 1. Enqueue-to-running latency with an idle worker: `BENCH_LATENCY_JOBS` (200) deployments
//!    one after another; latency = the job's `started_at - created_at` (both server side).
//!    Target: p50 under 50 ms.
//! 2. A burst of `BENCH_BURST` (1000) deployments from 10 accounts, queued account after
//!    account while the worker is paused, then run with `BENCH_SLOTS` (8) slots of
//!    `BENCH_RUN_MS` (20) ms each: every job must succeed with exactly one run, and fair share
//!    must interleave the accounts (each account's median start within 25% of the run of
//!    every other's, where plain FIFO would spread them over 90%).
//!
//! Run with `e2e/bench/run.sh jobs` (release build). Exits non-zero when a target is missed.

use anyhow::Context;
use mediamagic_e2e::{
    Cred, TestStack,
    media::{graphql_multipart, mp4},
    spawn_stack_with,
};
use mediamagic_jobs::{
    JobsDeps,
    commands::{
        jobs::job_state,
        queue::{self, RunOutcome},
    },
};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the simulated worker saw.
#[derive(Default)]
struct Seen {
    /// Start order: (job, when).
    starts: Vec<(Uuid, Instant)>,
    /// Runs per job.
    runs: HashMap<Uuid, u32>,
}

/// A worker with `slots` slots that runs each job for `run_for`.
fn start_worker(
    deps: JobsDeps,
    slots: usize,
    run_for: Duration,
    paused: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    stop: CancellationToken,
) {
    tokio::spawn(async move {
        let mut signals = deps.hub.subscribe();
        let free = Arc::new(Semaphore::new(slots));
        let done = Arc::new(Notify::new());
        loop {
            while !paused.load(Ordering::SeqCst) {
                let Ok(permit) = free.clone().try_acquire_owned() else {
                    break;
                };
                let claimed = match queue::claim(&deps, "cpu", "bench-worker").await {
                    Ok(Some(claimed)) => claimed,
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("claim failed: {e:?}");
                        break;
                    }
                };
                let (deps, seen, done) = (deps.clone(), seen.clone(), done.clone());
                tokio::spawn(async move {
                    let (id, lease) = (claimed.job.id, claimed.lease());
                    if let Err(e) = queue::start(&deps, &lease).await {
                        eprintln!("start failed: {e:?}");
                    }
                    {
                        let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                        seen.starts.push((id, Instant::now()));
                        *seen.runs.entry(id).or_default() += 1;
                    }
                    tokio::time::sleep(run_for).await;
                    let outcome = RunOutcome::Succeeded {
                        outputs: Vec::new(),
                        result: None,
                    };
                    if let Err(e) = queue::finish(&deps, &lease, outcome).await {
                        eprintln!("finish failed: {e:?}");
                    }
                    drop(permit);
                    done.notify_one();
                });
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = signals.recv() => {}
                _ = done.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    });
}

async fn upload_video(stack: &TestStack, token: &str, video: &[u8]) -> anyhow::Result<String> {
    let (content_type, body) = graphql_multipart(
        &json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id } }", "variables": {"f": null}}),
        &json!({"0": ["variables.f"]}),
        &[("0", "clip.mp4", "video/mp4", video)],
    );
    let answer: Value = reqwest::Client::new()
        .post(stack.router_url(0))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await?
        .json()
        .await?;
    answer["data"]["uploadMedia"]["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("upload failed: {answer}"))
}

async fn deploy(stack: &TestStack, token: &str, video: &str) -> anyhow::Result<Uuid> {
    let created = stack
        .gql(
            Cred::Bearer(token),
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { job { id } } }",
            json!({"i": {"model": "audio-extract", "args": {"video": video}}}),
        )
        .await;
    created.body["data"]["createDeployment"]["job"]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .with_context(|| format!("deployment failed: {}", created.body))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let latency_jobs = knob("BENCH_LATENCY_JOBS", 200) as usize;
    let burst = knob("BENCH_BURST", 1000) as usize;
    let slots = knob("BENCH_SLOTS", 8) as usize;
    let run_for = Duration::from_millis(knob("BENCH_RUN_MS", 20));
    let accounts_count = 10;

    let stack = spawn_stack_with(|config| config.jobs.max_running_per_account = 4).await;
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra).await?;
    let video = mp4();
    let mut accounts = Vec::new();
    for i in 0..accounts_count {
        let (token, _, _) = stack.sign_up(&format!("bench-{i}")).await;
        let media = upload_video(&stack, &token, &video).await?;
        accounts.push((token, media));
    }
    let seen = Arc::new(Mutex::new(Seen::default()));
    let paused = Arc::new(AtomicBool::new(false));
    let stop = CancellationToken::new();
    start_worker(
        deps.clone(),
        slots,
        run_for,
        paused.clone(),
        seen.clone(),
        stop.clone(),
    );

    // 1. Latency with an idle worker.
    let (token, video_id) = &accounts[0];
    let mut latencies = Vec::new();
    for _ in 0..latency_jobs {
        let id = deploy(&stack, token, video_id).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some((job, _)) = job_state(&deps, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                && let Some(started) = job.started_at
            {
                latencies.push((started - job.created_at).to_std().unwrap_or_default());
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "job {id} did not start in 10 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    latencies.sort();
    let p50 = percentile(&latencies, 0.5);
    let p99 = percentile(&latencies, 0.99);
    // Let the latency jobs finish before the burst.
    tokio::time::sleep(run_for * 2 + Duration::from_millis(200)).await;

    // 2. The burst: queued account after account while the worker is paused.
    paused.store(true, Ordering::SeqCst);
    let per_account = burst / accounts_count;
    let mut owner_of: HashMap<Uuid, usize> = HashMap::new();
    let enqueue_started = Instant::now();
    for (index, (token, video_id)) in accounts.iter().enumerate() {
        let mut tasks = Vec::new();
        for _ in 0..per_account {
            let (stack, token, video_id) = (&stack, token.clone(), video_id.clone());
            tasks.push(async move { deploy(stack, &token, &video_id).await });
        }
        for id in futures::future::join_all(tasks).await {
            owner_of.insert(id?, index);
        }
    }
    let enqueued_in = enqueue_started.elapsed();
    seen.lock()
        .unwrap_or_else(|p| p.into_inner())
        .starts
        .clear();
    let run_started = Instant::now();
    paused.store(false, Ordering::SeqCst);
    deps.hub.publish("mm:jobqueue:cpu", "resume").await;

    let deadline = Instant::now() + Duration::from_secs(300);
    let mut all_done = false;
    while Instant::now() < deadline {
        let succeeded: u64 = {
            let mut total = 0;
            for (token, _) in &accounts {
                total += stack
                    .gql(
                        Cred::Bearer(token),
                        "{ jobs(filter: {status: [SUCCEEDED]}) { totalCount } }",
                        json!({}),
                    )
                    .await
                    .body["data"]["jobs"]["totalCount"]
                    .as_u64()
                    .unwrap_or(0);
            }
            total
        };
        if succeeded as usize >= latency_jobs + owner_of.len() {
            all_done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let run_took = run_started.elapsed();
    stop.cancel();

    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    let twice = owner_of
        .keys()
        .filter(|id| seen.runs.get(id).copied().unwrap_or(0) != 1)
        .count();
    let mut starts_by_account: Vec<Vec<Duration>> = vec![Vec::new(); accounts_count];
    for (id, at) in &seen.starts {
        if let Some(owner) = owner_of.get(id) {
            starts_by_account[*owner].push(at.duration_since(run_started));
        }
    }
    let medians: Vec<Duration> = starts_by_account
        .iter_mut()
        .map(|starts| {
            starts.sort();
            percentile(starts, 0.5)
        })
        .collect();
    let spread = medians.iter().max().copied().unwrap_or_default()
        - medians.iter().min().copied().unwrap_or_default();
    let last_start = seen
        .starts
        .iter()
        .map(|(_, at)| at.duration_since(run_started))
        .max()
        .unwrap_or_default();

    println!("job queue, {slots} worker slots of {run_for:?}");
    println!(
        "  enqueue-to-running with an idle worker ({latency_jobs} jobs): p50 {p50:.1?}, p99 {p99:.1?}"
    );
    println!(
        "  burst: {} deployments from {accounts_count} accounts queued in {enqueued_in:.2?}, run in {run_took:.2?}",
        owner_of.len()
    );
    println!(
        "  all succeeded: {all_done}; jobs not run exactly once: {twice}; started: {}",
        seen.starts.len()
    );
    for (index, median) in medians.iter().enumerate() {
        println!(
            "  account {index} (queued {}th): median start {median:.2?}",
            index + 1
        );
    }
    println!("  spread of account medians: {spread:.2?} of {last_start:.2?}");

    let mut missed = Vec::new();
    if p50 >= Duration::from_millis(50) {
        missed.push("enqueue-to-running p50 at or over 50 ms".to_owned());
    }
    if !all_done {
        missed.push("not every job succeeded".to_owned());
    }
    if twice > 0 {
        missed.push(format!("{twice} jobs did not run exactly once"));
    }
    if spread.as_secs_f64() > last_start.as_secs_f64() * 0.25 {
        missed.push("accounts were not interleaved (fair share)".to_owned());
    }
    if missed.is_empty() {
        println!("targets met");
        Ok(())
    } else {
        anyhow::bail!("targets missed: {}", missed.join("; "))
    }
}
