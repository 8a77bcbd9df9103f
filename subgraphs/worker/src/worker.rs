//! The worker loop: registers this worker, claims jobs for each machine type it has free
//! slots for (woken by queue signals, or polling), runs each claimed job through the
//! pipeline, stops runs on cancel signals, and on shutdown gives unfinished jobs back.

use crate::config::WorkerConfig;
use crate::{
    WorkerDeps,
    config::DriverKind,
    db::{self, rows::WorkerRow},
    drivers::{
        Driver,
        gpus::GpuPool,
        kubernetes::{KubernetesDriver, KubernetesSetupError},
        local::LocalDriver,
    },
    pipeline::{CancelRegistry, RunEnv, run_job},
    platform::Platform,
};
use chrono::Utc;
use mediamagic_jobs::{
    commands::queue,
    pubsub::{CANCEL_CHANNEL, queue_channel},
};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

/// This worker's id: configured, or `<host>-<pid>-<random>`.
pub fn worker_id(config: &WorkerConfig) -> String {
    config.id.clone().unwrap_or_else(|| {
        let random = uuid::Uuid::new_v4().simple().to_string();
        format!(
            "{}-{}-{}",
            crate::drivers::local::local_node_name(),
            std::process::id(),
            &random[..6]
        )
    })
}

/// The configured driver.
pub fn driver(config: &Arc<WorkerConfig>) -> Result<Driver, KubernetesSetupError> {
    Ok(match config.driver {
        DriverKind::Local => Driver::Local(LocalDriver::new(config.clone())),
        DriverKind::Kubernetes => Driver::Kubernetes(KubernetesDriver::new(config.clone())?),
    })
}

/// The configured driver (with the host's GPUs, for the local one) and the slots it offers
/// per machine type; `None` (logged) when it cannot be set up.
pub async fn driver_and_capacity(
    config: &Arc<WorkerConfig>,
) -> Option<(Driver, HashMap<String, usize>)> {
    let driver = match driver(config) {
        Ok(Driver::Local(local)) => {
            Driver::Local(local.with_gpus(GpuPool::detect(&config.gpus).await))
        }
        Ok(driver) => driver,
        Err(e) => {
            tracing::error!(error = %e, "the worker's driver could not be set up; it will not run jobs");
            return None;
        }
    };
    let mut capacity: HashMap<String, usize> = config
        .machine_types
        .iter()
        .filter(|(_, m)| m.slots > 0)
        .map(|(name, m)| (name.clone(), m.slots))
        .collect();
    // On a GPU host the GPU machine type has as many slots as its GPUs offer.
    if let Some(gpus) = driver.gpus() {
        capacity.insert(gpus.machine_type().to_owned(), gpus.slots());
    }
    Some((driver, capacity))
}

/// Runs the in-cluster worker until `shutdown` fires; then stops claiming, lets runs finish
/// for `worker.shutdown_grace_seconds`, stops the rest and gives their jobs back.
pub async fn run(deps: WorkerDeps, shutdown: CancellationToken) {
    let id = Arc::new(worker_id(&deps.config));
    let Some((driver, capacity)) = driver_and_capacity(&deps.config).await else {
        return;
    };
    if let Err(e) = register(&deps, &id, &driver, &capacity).await {
        tracing::error!(error = ?e, "the worker could not register; it will not run jobs");
        return;
    }
    tracing::info!(worker = %id, driver = driver.name(), ?capacity, "worker started");
    let driver_gpus = driver.gpus();
    let env = RunEnv {
        platform: Platform::Direct(Box::new(deps.clone())),
        config: deps.config.clone(),
        metrics: deps.metrics.clone(),
        worker_id: id.clone(),
        driver,
        cancels: CancelRegistry::default(),
    };
    let wakeups: HashMap<String, Arc<Notify>> = capacity
        .keys()
        .map(|name| (name.clone(), Arc::new(Notify::new())))
        .collect();
    let signals = tokio::spawn(listen(deps.clone(), env.cancels.clone(), wakeups.clone()));
    let slots = slots_of(&capacity);
    let liveness = tokio::spawn(report_liveness(deps.clone(), id.clone(), slots.clone()));
    let gpus = driver_gpus.map(|pool| {
        tokio::spawn(report_gpus(
            deps.clone(),
            env.metrics.clone(),
            Some(id.clone()),
            pool,
        ))
    });
    drive(env, &capacity, slots, wakeups, shutdown).await;
    signals.abort();
    liveness.abort();
    if let Some(gpus) = gpus {
        gpus.abort();
    }
    if let Ok(mut conn) = deps.conn().await {
        let _ = db::workers::stopped(&mut conn, &id).await;
    }
    tracing::info!(worker = %id, "worker stopped");
}

/// A semaphore per machine type with its slots, and the count.
pub(crate) fn slots_of(capacity: &HashMap<String, usize>) -> Vec<(String, Arc<Semaphore>, usize)> {
    capacity
        .iter()
        .map(|(name, count)| (name.clone(), Arc::new(Semaphore::new(*count)), *count))
        .collect()
}

/// Claims and runs jobs on every machine type's slots until `shutdown`; then lets runs
/// finish for `worker.shutdown_grace_seconds`, stops the rest and gives their jobs back.
pub(crate) async fn drive(
    env: RunEnv,
    capacity: &HashMap<String, usize>,
    slots: Vec<(String, Arc<Semaphore>, usize)>,
    wakeups: HashMap<String, Arc<Notify>>,
    shutdown: CancellationToken,
) {
    for (machine_type, count) in capacity {
        env.metrics
            .slots
            .with_label_values(&[machine_type.as_str()])
            .set(*count as f64);
    }
    let release = CancellationToken::new();
    let mut loops = Vec::new();
    for (machine_type, semaphore, _) in &slots {
        let wakeup = wakeups.get(machine_type).cloned().unwrap_or_default();
        loops.push(tokio::spawn(claim_loop(
            env.clone(),
            machine_type.clone(),
            semaphore.clone(),
            wakeup,
            shutdown.clone(),
            release.clone(),
        )));
    }
    shutdown.cancelled().await;
    for task in loops {
        let _ = task.await;
    }
    let drained = wait_for_runs(&slots);
    let grace = Duration::from_secs(env.config.shutdown_grace_seconds);
    if tokio::time::timeout(grace, drained).await.is_err() {
        tracing::info!(worker = %env.worker_id, "stopping unfinished runs and giving their jobs back");
    }
    release.cancel();
    wait_for_runs(&slots).await;
}

async fn register(
    deps: &WorkerDeps,
    id: &str,
    driver: &Driver,
    capacity: &HashMap<String, usize>,
) -> Result<(), crate::error::WorkerError> {
    let mut conn = deps.conn().await?;
    let now = Utc::now();
    db::workers::register(
        &mut conn,
        &WorkerRow {
            id: id.to_owned(),
            hostname: crate::drivers::local::local_node_name(),
            driver: driver.name().to_owned(),
            sandbox: driver.sandbox(),
            capacity: serde_json::to_value(capacity).unwrap_or_default(),
            busy: 0,
            started_at: now,
            last_heartbeat_at: now,
            stopped_at: None,
            runtimes: crate::domain::runtimes::installed(
                &deps.config.program_dirs,
                &deps.config.runtimes,
            ),
            agent_id: None,
            gpus: serde_json::json!([]),
        },
    )
    .await?;
    Ok(())
}

/// Waits until every slot is free again.
async fn wait_for_runs(slots: &[(String, Arc<Semaphore>, usize)]) {
    for (_, semaphore, count) in slots {
        if let Ok(all) = semaphore.acquire_many(*count as u32).await {
            drop(all);
        }
    }
}

/// Claims jobs of one machine type while it has free slots: one claim for as many jobs as
/// slots are free (a burst of jobs is taken in one statement, fair share applied inside it).
/// How long an agent's claim waits for work at the platform.
const LONG_POLL: Duration = Duration::from_secs(20);

async fn claim_loop(
    env: RunEnv,
    machine_type: String,
    slots: Arc<Semaphore>,
    wakeup: Arc<Notify>,
    shutdown: CancellationToken,
    release: CancellationToken,
) {
    let poll = Duration::from_millis(env.config.poll_ms.max(10));
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => return,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let mut permits = vec![first];
        while let Ok(permit) = slots.clone().try_acquire_owned() {
            permits.push(permit);
        }
        // An agent's claim waits for work at the platform (long poll); the in-cluster
        // worker's answers at once and waits for queue signals below.
        let claimed = tokio::select! {
            _ = shutdown.cancelled() => return,
            claimed = env.platform.claim(&machine_type, &env.worker_id, permits.len(), LONG_POLL) => claimed,
        };
        match claimed {
            Ok(claimed) if !claimed.is_empty() => {
                for (claimed, permit) in claimed.into_iter().zip(permits.drain(..)) {
                    let (env, release) = (env.clone(), release.clone());
                    tokio::spawn(async move {
                        run_job(env, claimed, release).await;
                        drop(permit);
                    });
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(machine_type, error = ?e, "claiming failed"),
        }
        drop(permits);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Turns Redis signals into wake-ups (a job was queued) and cancels (a run must stop).
async fn listen(deps: WorkerDeps, cancels: CancelRegistry, wakeups: HashMap<String, Arc<Notify>>) {
    let by_channel: HashMap<String, Arc<Notify>> = wakeups
        .into_iter()
        .map(|(machine_type, notify)| (queue_channel(&machine_type), notify))
        .collect();
    let mut signals = deps.jobs.hub.subscribe();
    loop {
        match signals.recv().await {
            Ok((channel, payload)) => {
                if channel == CANCEL_CHANNEL {
                    if let Ok(job) = payload.parse() {
                        cancels.cancel(job);
                    }
                } else if let Some(notify) = by_channel.get(&channel) {
                    notify.notify_one();
                }
            }
            // Missed signals: wake every loop; heartbeats still deliver cancels.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                by_channel.values().for_each(|n| n.notify_one());
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Records this worker's liveness and load, and samples the queue for the metrics.
async fn report_liveness(
    deps: WorkerDeps,
    id: Arc<String>,
    slots: Vec<(String, Arc<Semaphore>, usize)>,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(deps.config.heartbeat_ms.max(100)));
    loop {
        tick.tick().await;
        let busy: usize = slots
            .iter()
            .map(|(_, s, count)| count.saturating_sub(s.available_permits()))
            .sum();
        if let Ok(mut conn) = deps.conn().await
            && let Err(e) = db::workers::heartbeat(&mut conn, &id, busy as i32).await
        {
            tracing::warn!(error = ?e, "could not record the worker's heartbeat");
        }
        if let Ok(load) = queue::machine_type_load(&deps.jobs).await {
            deps.metrics.queued.reset();
            // The machine types this worker serves read 0 when nothing waits for them.
            for machine_type in deps.config.machine_types.keys() {
                deps.metrics
                    .queued
                    .with_label_values(&[machine_type.as_str()])
                    .set(0.0);
            }
            for entry in load {
                deps.metrics
                    .queued
                    .with_label_values(&[entry.machine_type.as_str()])
                    .set(entry.queued as f64);
            }
        }
    }
}

/// Reads the GPUs' memory and utilisation every `worker.gpus.sample_seconds` into the
/// metrics and `cluster`.
/// An agent has no database: its GPUs go only into its metrics (`id` is `None`).
pub(crate) async fn report_gpus(
    deps: impl Into<Option<WorkerDeps>>,
    metrics: crate::WorkerMetrics,
    id: Option<Arc<String>>,
    pool: Arc<GpuPool>,
) {
    let deps: Option<WorkerDeps> = deps.into();
    let every = Duration::from_secs(pool.sample_seconds().max(1));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let sampled = pool.sample().await;
        let metrics = &metrics;
        let mut shown = Vec::with_capacity(sampled.len());
        for (gpu, runs) in sampled {
            let labels = [gpu.index.to_string(), gpu.uuid.clone()];
            let labels = [labels[0].as_str(), labels[1].as_str()];
            let mib = |v: u64| (v as f64) * 1024.0 * 1024.0;
            metrics
                .gpu_memory_used
                .with_label_values(&labels)
                .set(mib(gpu.memory_used_mb));
            metrics
                .gpu_memory_total
                .with_label_values(&labels)
                .set(mib(gpu.memory_total_mb));
            if let Some(percent) = gpu.utilization_percent {
                metrics
                    .gpu_utilization
                    .with_label_values(&labels)
                    .set(f64::from(percent) / 100.0);
            }
            metrics
                .gpu_runs
                .with_label_values(&labels)
                .set(f64::from(runs));
            let mut entry = serde_json::to_value(&gpu).unwrap_or_default();
            entry["runs"] = serde_json::Value::from(runs);
            shown.push(entry);
        }
        if let (Some(deps), Some(id)) = (&deps, &id)
            && let Ok(mut conn) = deps.conn().await
            && let Err(e) =
                db::workers::set_gpus(&mut conn, id, serde_json::Value::Array(shown)).await
        {
            tracing::warn!(error = ?e, "could not record the GPUs' state");
        }
    }
}
