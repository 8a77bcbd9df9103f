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
    liveness::{report_gpus, report_liveness},
    pipeline::{CancelRegistry, RunEnv, run_job},
    platform::Platform,
};
use chrono::Utc;
use mediamagic_jobs::pubsub::{CANCEL_CHANNEL, queue_channel};
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
            crate::liveness::GpuSink::Database(Box::new(deps.clone()), id.clone()),
            env.metrics.clone(),
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
