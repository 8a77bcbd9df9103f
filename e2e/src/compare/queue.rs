//! The job queue pair: our queue against graphile-worker (npm) on the same Postgres, and the
//! raw ceiling of our claim SQL under pgbench.
//!
//! - Latency: `jobs` no-op jobs enqueued one at a time, each waited for: enqueue-to-start
//!   and enqueue-to-done, from the start of the enqueue call. Ours: a deployment
//!   (`createDeployment`'s command, in process) of a model on the bench machine type, taken
//!   by a no-op worker of the jobs library's queue API (a batched claim that starts the jobs
//!   it takes, and the batched finish; done: its success is written); theirs:
//!   `graphile_worker.add_job` and a task that does nothing (`job:start`, `job:complete`).
//! - Our real worker: the same, run by the worker service's own loop (bubblewrap sandbox,
//!   model `true`): enqueue-to-running from the job's timestamps. Target: p50 under 5 ms.
//! - Drain: `drain` jobs queued while nobody works, then drained at concurrency 8: jobs/s.
//!   graphile-worker runs twice: unbatched (its default) and with its documented fast
//!   settings (`localQueue` of concurrency + 1, `completeJobBatchDelay: 0`). Target: at least
//!   the faster of the two, and at least 40% of the pgbench ceiling.
//! - Ceiling: pgbench runs our claim SQL (which also writes the lease and the turn) and a
//!   finishing update, one transaction per job, at concurrency 8 against as many queued jobs.

use super::{PairReport, epoch_ms, graphile::GraphileWorker, ms};
use crate::{TestStack, load};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use mediamagic_jobs::{
    JobsDeps,
    commands::{
        deployments::{DeploymentRequest, create_deployment},
        queue::{self, RunOutcome},
    },
};
use mediamagic_kit::{AccountKind, Scope, auth::Actor};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const PAIR: &str = "queue";
/// The machine type only the bench's workers serve.
pub const MACHINE_TYPE: &str = "bench";

/// Sizes of a run.
#[derive(Clone, Copy, Debug)]
pub struct QueueSizes {
    /// Jobs of the one-at-a-time latency runs.
    pub latency_jobs: usize,
    /// Jobs of the real worker's latency run (on each path).
    pub real_worker_jobs: usize,
    /// Jobs of the real worker's burst (on each path).
    pub real_worker_burst: usize,
    /// Jobs of the drain.
    pub drain: usize,
    /// Worker concurrency of the drain.
    pub concurrency: usize,
    /// Whether targets are checked.
    pub full: bool,
}

/// What the no-op workers saw: per job, when it was taken and when its success was written.
/// `start` stays zero: the claim starts the job in the same statement.
#[derive(Default)]
struct Seen {
    started: HashMap<Uuid, f64>,
    done: HashMap<Uuid, f64>,
    /// Time spent in successful claims, starts and finishes (the drain's profile).
    spent: [Duration; 3],
}

/// The phases of a no-op job, as [`Seen::spent`] orders them.
const PHASES: [&str; 3] = ["claim", "start", "finish"];

/// A no-op worker of `concurrency` slots over the jobs library's queue API, woken by the
/// queue's signals, as a real worker with nothing to prepare runs: one claim for as many
/// jobs as it has free slots, started in the same statement (`claim_batch` with `start`),
/// each ended through the batched finish as soon as it is taken.
fn noop_worker(
    deps: JobsDeps,
    concurrency: usize,
    seen: Arc<Mutex<Seen>>,
    progress: Arc<Notify>,
    stop: CancellationToken,
) {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(concurrency));
        let mut signals = deps.hub.subscribe();
        loop {
            let first = tokio::select! {
                _ = stop.cancelled() => return,
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
            };
            let mut permits = vec![first];
            while let Ok(permit) = slots.clone().try_acquire_owned() {
                permits.push(permit);
            }
            let claiming = Instant::now();
            match queue::claim_batch(&deps, MACHINE_TYPE, "bench-noop", permits.len(), true).await {
                Ok(claimed) if !claimed.is_empty() => {
                    // The claim's time, shared by the jobs it took.
                    let claim_took = claiming.elapsed() / claimed.len() as u32;
                    for (claimed, permit) in claimed.into_iter().zip(permits.drain(..)) {
                        let (deps, seen, progress) = (deps.clone(), seen.clone(), progress.clone());
                        tokio::spawn(async move {
                            let (id, lease) = (claimed.job.id, claimed.lease());
                            seen.lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .started
                                .insert(id, epoch_ms());
                            let finishing = Instant::now();
                            let outcome = RunOutcome::Succeeded {
                                outputs: Vec::new(),
                                result: None,
                            };
                            if let Err(e) = queue::finish(&deps, &lease, outcome).await {
                                eprintln!("no-op worker: {e:?}");
                            }
                            let finish_took = finishing.elapsed();
                            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                            seen.done.insert(id, epoch_ms());
                            seen.spent[0] += claim_took;
                            seen.spent[2] += finish_took;
                            drop(seen);
                            drop(permit);
                            progress.notify_waiters();
                        });
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => eprintln!("no-op worker claim: {e:?}"),
            }
            drop(permits);
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = signals.recv() => {}
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    });
}

/// The bench account and its no-op model.
struct Ours {
    deps: JobsDeps,
    actor: Actor,
    model: String,
}

impl Ours {
    async fn enqueue(&self, n: usize) -> anyhow::Result<Uuid> {
        let deployment = create_deployment(
            &self.deps,
            &self.actor,
            "",
            DeploymentRequest {
                name: Some(format!("noop {n}")),
                model: self.model.clone(),
                version: None,
                args: serde_json::Map::new(),
                callback_url: None,
                callback_on_start: false,
                cancel_after: None,
                idempotency_key: None,
                apply_tags: false,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("deployment refused: {e:?}"))?;
        let mut conn = self.deps.pool.get().await?;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            id: Uuid,
        }
        let job: Id = diesel::sql_query("SELECT id FROM jobs.jobs WHERE deployment_id = $1")
            .bind::<diesel::sql_types::Uuid, _>(deployment.id)
            .get_result(&mut conn)
            .await?;
        Ok(job.id)
    }
}

async fn setup(stack: &TestStack) -> anyhow::Result<Ours> {
    let (token, user_id, _) = stack.sign_up("queue-bench").await;
    let model = super::noop_model(stack, &token, MACHINE_TYPE).await?;
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra).await?;
    let actor = Actor {
        user_id: Some(user_id.parse()?),
        account_id: user_id.parse()?,
        account_kind: AccountKind::User,
        scopes: vec![Scope::Read, Scope::Write],
        session: None,
        api_key: None,
    };
    Ok(Ours { deps, actor, model })
}

/// Enqueues one job at a time, waits for each: (enqueue-to-start, enqueue-to-done).
async fn ours_latency(ours: &Ours, jobs: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let progress = Arc::new(Notify::new());
    let stop = CancellationToken::new();
    noop_worker(
        ours.deps.clone(),
        8,
        seen.clone(),
        progress.clone(),
        stop.clone(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut to_start, mut to_done) = (Vec::new(), Vec::new());
    for n in 0..jobs {
        // From the start of the enqueue call (a fast worker starts the job before the call
        // has returned), for both queues.
        let enqueued = epoch_ms();
        let id = ours.enqueue(n).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let waiting = progress.notified();
            if let Some((start, done)) = {
                let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                seen.done
                    .get(&id)
                    .map(|done| (seen.started.get(&id).copied().unwrap_or(*done), *done))
            } {
                to_start.push(start - enqueued);
                to_done.push(done - enqueued);
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "job {n} was not done in 30 s");
            let _ = tokio::time::timeout(Duration::from_millis(100), waiting).await;
        }
    }
    stop.cancel();
    Ok((to_start, to_done))
}

/// The same against graphile-worker.
async fn graphile_latency(database_url: &str, jobs: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let mut worker = GraphileWorker::start(database_url, 8, None, false).await?;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    let (mut to_start, mut to_done) = (Vec::new(), Vec::new());
    for n in 0..jobs {
        let enqueued = epoch_ms();
        diesel::sql_query(
            "SELECT graphile_worker.add_job('noop', json_build_object('n', $1::int))",
        )
        .bind::<diesel::sql_types::Integer, _>(n as i32)
        .execute(&mut conn)
        .await?;
        let mut start = None;
        loop {
            let line = worker.next(Duration::from_secs(30)).await?;
            if line["start"] == n {
                start = line["t"].as_f64();
            }
            if line["done"] == n {
                let done = line["t"].as_f64().unwrap_or(enqueued);
                to_start.push(start.unwrap_or(done) - enqueued);
                to_done.push(done - enqueued);
                break;
            }
        }
    }
    Ok((to_start, to_done))
}

/// How the real worker reaches the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerPath {
    /// The agent protocol (what every worker now speaks: the built-in worker of the worker
    /// service over loopback, agents anywhere through the router).
    Protocol,
    /// The jobs library straight on the database (the old in-process path, kept as this
    /// comparison's baseline).
    Direct,
}

impl WorkerPath {
    fn name(self) -> &'static str {
        match self {
            WorkerPath::Protocol => "mediamagic worker (agent protocol)",
            WorkerPath::Direct => "mediamagic worker (direct, the baseline)",
        }
    }
}

/// What the real worker did on one path.
struct RealRun {
    /// Enqueue-to-running of jobs run one at a time, ms.
    latencies: Vec<f64>,
    /// Jobs per second of a burst queued at once (8 slots).
    burst_rate: f64,
}

/// Starts the real worker on `path` (8 slots of the bench's machine type).
async fn start_real_worker(
    stack: &TestStack,
    path: WorkerPath,
    stop: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut config = stack.config.worker.clone();
    config.enabled = true;
    config.id = Some(format!("bench-real-worker-{path:?}").to_lowercase());
    config.machine_types.clear();
    config.machine_types.insert(
        MACHINE_TYPE.into(),
        mediamagic_worker::config::MachineTypeConfig {
            slots: 8,
            ..Default::default()
        },
    );
    config.gpus.detect = false;
    let mut platform = stack.config.clone();
    platform.worker = config;
    let metrics = mediamagic_kit::metrics::Metrics::new("bench-worker")?;
    let deps = mediamagic::stack::worker_deps(&platform, &stack.infra, &metrics).await?;
    Ok(match path {
        WorkerPath::Direct => tokio::spawn(mediamagic_worker::worker::run(deps, stop)),
        WorkerPath::Protocol => {
            // The stack's own worker service serves the protocol, as in `mediamagic dev`.
            let url = stack
                .service_urls
                .iter()
                .find(|(name, _)| *name == "worker")
                .map(|(_, url)| url.clone())
                .ok_or_else(|| anyhow::anyhow!("no worker service"))?;
            let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse()?;
            tokio::spawn(mediamagic_worker::builtin::run(deps, addr, stop))
        }
    })
}

/// The real worker on `path`: `jobs` jobs one at a time (enqueue-to-running from the jobs'
/// own timestamps), then a burst of `burst` jobs queued at once.
async fn real_worker(
    stack: &TestStack,
    ours: &Ours,
    path: WorkerPath,
    jobs: usize,
    burst: usize,
) -> anyhow::Result<RealRun> {
    let stop = CancellationToken::new();
    let worker = start_real_worker(stack, path, stop.clone()).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url).await?;
    let mut latencies = Vec::new();
    for n in 0..jobs {
        let id = ours.enqueue(n).await?;
        latencies.push(wait_done(&mut conn, id, &format!("real worker job {n}")).await?);
    }
    let started = Instant::now();
    let mut ids = Vec::with_capacity(burst);
    for n in 0..burst {
        ids.push(ours.enqueue(jobs + n).await?);
    }
    for (n, id) in ids.into_iter().enumerate() {
        wait_done(&mut conn, id, &format!("burst job {n}")).await?;
    }
    let burst_rate = burst as f64 / started.elapsed().as_secs_f64().max(1e-6);
    stop.cancel();
    let _ = worker.await;
    Ok(RealRun {
        latencies,
        burst_rate,
    })
}

/// Waits (up to 30 s) until job `id` succeeded; its enqueue-to-running in ms.
async fn wait_done(conn: &mut AsyncPgConnection, id: Uuid, what: &str) -> anyhow::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        #[derive(diesel::QueryableByName)]
        struct Waited {
            #[diesel(sql_type = diesel::sql_types::Text)]
            status: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            error: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
            ms: Option<f64>,
        }
        let row: Waited = diesel::sql_query(
            "SELECT j.status, j.error::text AS error, extract(epoch FROM j.started_at - c.queued_at)::float8 * 1000 AS ms \
             FROM jobs.jobs j JOIN jobs.job_control c ON c.job_id = j.id WHERE j.id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result(conn)
        .await?;
        if matches!(row.status.as_str(), "succeeded" | "failed" | "cancelled") {
            anyhow::ensure!(
                row.status == "succeeded",
                "{what}: {} {}",
                row.status,
                row.error.unwrap_or_default()
            );
            return Ok(row.ms.unwrap_or(0.0));
        }
        anyhow::ensure!(Instant::now() < deadline, "{what} not done in 30 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Queues `count` jobs while nobody works, then drains them at `concurrency`: jobs/s, and
/// the mean time per job a worker slot spent in each of [`PHASES`] (ms).
async fn ours_drain(
    ours: &Ours,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<(f64, [f64; 3])> {
    // Enqueued by 8 callers at once (the drain, not the enqueue, is measured).
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut callers = Vec::new();
    let ours = Arc::new(Ours {
        deps: ours.deps.clone(),
        actor: ours.actor.clone(),
        model: ours.model.clone(),
    });
    for _ in 0..8 {
        let (ours, next) = (ours.clone(), next.clone());
        callers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    return Ok::<_, anyhow::Error>(());
                }
                ours.enqueue(n).await?;
            }
        }));
    }
    for caller in callers {
        caller.await??;
    }
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let progress = Arc::new(Notify::new());
    let stop = CancellationToken::new();
    let started = Instant::now();
    noop_worker(
        ours.deps.clone(),
        concurrency,
        seen.clone(),
        progress.clone(),
        stop.clone(),
    );
    let deadline = started + Duration::from_secs(600);
    loop {
        let waiting = progress.notified();
        let done = seen.lock().unwrap_or_else(|e| e.into_inner()).done.len();
        if done >= count {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the drain did not finish in 600 s ({done} done)"
        );
        let _ = tokio::time::timeout(Duration::from_millis(100), waiting).await;
    }
    let elapsed = started.elapsed();
    stop.cancel();
    let spent = seen.lock().unwrap_or_else(|e| e.into_inner()).spent;
    let per_job = spent.map(|total| ms(total) / count as f64);
    Ok((count as f64 / elapsed.as_secs_f64(), per_job))
}

async fn graphile_drain(
    database_url: &str,
    count: usize,
    concurrency: usize,
    batched: bool,
) -> anyhow::Result<f64> {
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query(
        "SELECT graphile_worker.add_job('noop', json_build_object('n', g)) FROM generate_series(1, $1) g",
    )
    .bind::<diesel::sql_types::Integer, _>(count as i32)
    .execute(&mut conn)
    .await?;
    let started = epoch_ms();
    let mut worker = GraphileWorker::start(database_url, concurrency, Some(count), batched).await?;
    loop {
        let line = worker.next(Duration::from_secs(600)).await?;
        if line["drained"].as_u64() == Some(count as u64) {
            let first = line["first_start"].as_f64().unwrap_or(started);
            let last = line["last_done"].as_f64().unwrap_or(first);
            return Ok(count as f64 / ((last - first).max(1.0) / 1000.0));
        }
    }
}

/// pgbench running our claim SQL against `count` queued jobs at `concurrency`: jobs/s.
async fn pgbench_ceiling(
    ours: &Ours,
    database_url: &str,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<f64> {
    // Queue `count` jobs straight in SQL (copies of one real deployment's job).
    let template = ours.enqueue(usize::MAX).await?;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    conn.batch_execute(&format!(
        "INSERT INTO jobs.jobs (id, deployment_id, owner_id, owner_kind, model_version_id, machine_type, status) \
           SELECT gen_random_uuid(), deployment_id, owner_id, owner_kind, model_version_id, machine_type, 'queued' \
           FROM jobs.jobs, generate_series(2, {count}) WHERE id = '{template}';
         INSERT INTO jobs.job_control (job_id, queued_at, timeout_seconds, max_attempts, updated_at) \
           SELECT j.id, now(), 60, 3, now() FROM jobs.jobs j \
           LEFT JOIN jobs.job_control c ON c.job_id = j.id WHERE c.job_id IS NULL;"
    ))
    .await?;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("claim.sql");
    // The claim statement as the queue runs it (claim, lease and turn in one), then the
    // finishing update, one transaction per job.
    let claim = mediamagic_jobs::CLAIM_SQL
        .replace("$1", &format!("'{MACHINE_TYPE}'"))
        .replace("$2", "1000000")
        .replace("$3", "'pgbench'")
        .replace("$4", "30");
    std::fs::write(
        &script,
        format!(
            "BEGIN;\n{claim} \\gset\n\
             UPDATE jobs.jobs SET status = 'succeeded', progress = 1, finished_at = now() WHERE id = ':id';\n\
             COMMIT;\n"
        ),
    )?;
    let per_client = count / concurrency;
    let pgbench = mediamagic_kit::local_services::postgres_bin_dir()?.join("pgbench");
    let output = tokio::process::Command::new(pgbench)
        .args([
            "-n",
            "-c",
            &concurrency.to_string(),
            "-j",
            "2",
            "-t",
            &per_client.to_string(),
        ])
        .arg("-f")
        .arg(&script)
        .arg(database_url)
        .output()
        .await?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench's output: {text}"))
}

fn summary(values: &[f64]) -> (f64, f64) {
    let mut histogram = load::histogram();
    for v in values {
        load::record(&mut histogram, Duration::from_secs_f64(v.max(0.0) / 1000.0));
    }
    (
        ms(load::percentile(&histogram, 50.0)),
        ms(load::percentile(&histogram, 99.0)),
    )
}

/// Runs the pair.
pub async fn run(stack: &TestStack, sizes: QueueSizes) -> anyhow::Result<PairReport> {
    let mut report = PairReport::default();
    let ours = setup(stack).await?;
    let database_url = &stack.infra.database_url;
    super::graphile::migrate(database_url).await?;

    let case = format!("{} jobs one at a time", sizes.latency_jobs);
    let (start, done) = ours_latency(&ours, sizes.latency_jobs).await?;
    let (ours_start, ours_done) = (summary(&start), summary(&done));
    let (start, done) = graphile_latency(database_url, sizes.latency_jobs).await?;
    let (their_start, their_done) = (summary(&start), summary(&done));
    for (subject, (s50, s99), (d50, d99)) in [
        (
            "mediamagic (queue API, no-op worker)",
            ours_start,
            ours_done,
        ),
        ("graphile-worker", their_start, their_done),
    ] {
        report.figure(PAIR, &case, subject, "enqueue-to-start p50 ms", s50);
        report.figure(PAIR, &case, subject, "enqueue-to-start p99 ms", s99);
        report.figure(PAIR, &case, subject, "enqueue-to-done p50 ms", d50);
        report.figure(PAIR, &case, subject, "enqueue-to-done p99 ms", d99);
    }

    let case = format!(
        "{} jobs one at a time, then {} at once, the real worker (sandboxed `true`, 8 slots)",
        sizes.real_worker_jobs, sizes.real_worker_burst
    );
    let mut real = Vec::new();
    for path in [WorkerPath::Direct, WorkerPath::Protocol] {
        let run = real_worker(
            stack,
            &ours,
            path,
            sizes.real_worker_jobs,
            sizes.real_worker_burst,
        )
        .await?;
        let (p50, p99) = summary(&run.latencies);
        report.figure(PAIR, &case, path.name(), "enqueue-to-running p50 ms", p50);
        report.figure(PAIR, &case, path.name(), "enqueue-to-running p99 ms", p99);
        report.figure(PAIR, &case, path.name(), "burst jobs/s", run.burst_rate);
        real.push((p50, run.burst_rate));
    }
    let [(direct50, direct_rate), (real50, rate)] = [real[0], real[1]];
    report.target(
        sizes.full,
        PAIR,
        format!("real worker enqueue-to-running p50 {real50:.1} ms < 5 ms"),
        real50 < 5.0,
    );
    report.target(
        sizes.full,
        PAIR,
        format!(
            "the protocol's enqueue-to-running p50 {real50:.1} ms within 2 ms of the direct path's {direct50:.1}"
        ),
        real50 <= direct50 + 2.0,
    );
    report.target(
        sizes.full,
        PAIR,
        format!(
            "the protocol's burst {rate:.0} jobs/s at least 80% of the direct path's {direct_rate:.0}"
        ),
        rate >= 0.8 * direct_rate,
    );

    let case = format!(
        "drain of {} at concurrency {}",
        sizes.drain, sizes.concurrency
    );
    let (ours_rate, profile) = ours_drain(&ours, sizes.drain, sizes.concurrency).await?;
    let unbatched = graphile_drain(database_url, sizes.drain, sizes.concurrency, false).await?;
    let batched = graphile_drain(database_url, sizes.drain, sizes.concurrency, true).await?;
    // The peer at its best: whichever of its modes was faster here.
    let their_rate = unbatched.max(batched);
    let ceiling = pgbench_ceiling(&ours, database_url, sizes.drain, sizes.concurrency).await?;
    report.figure(PAIR, &case, "mediamagic", "jobs/s", ours_rate);
    report.figure(
        PAIR,
        &case,
        "graphile-worker (unbatched)",
        "jobs/s",
        unbatched,
    );
    report.figure(
        PAIR,
        &case,
        "graphile-worker (localQueue + batched completion)",
        "jobs/s",
        batched,
    );
    report.figure(PAIR, &case, "pgbench, our claim SQL", "jobs/s", ceiling);
    for (phase, mean) in PHASES.iter().zip(profile) {
        report.figure(
            PAIR,
            &case,
            "mediamagic, per job and slot",
            format!("{phase} mean ms"),
            mean,
        );
    }
    report.target(
        sizes.full,
        PAIR,
        format!("drain {ours_rate:.0} jobs/s >= graphile-worker's best {their_rate:.0}"),
        ours_rate >= their_rate,
    );
    report.target(
        sizes.full,
        PAIR,
        format!(
            "drain {ours_rate:.0} jobs/s >= 40% of the pgbench ceiling {ceiling:.0} ({:.0}%)",
            100.0 * ours_rate / ceiling.max(1.0)
        ),
        ours_rate >= 0.4 * ceiling,
    );
    Ok(report)
}
