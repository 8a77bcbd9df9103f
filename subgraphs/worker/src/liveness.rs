//! What a worker reports while it runs: its liveness and load (the in-cluster worker, into
//! the `worker` schema), the queue's depth (into the metrics), and its GPUs' memory and
//! utilisation (into the metrics, and into `cluster`: directly, or with an agent's
//! heartbeats).

use crate::{
    WorkerDeps, agent_api::protocol::GpuState, db, drivers::gpus::GpuPool,
    platform::agent_link::AgentLink,
};
use mediamagic_jobs::commands::queue;
use std::{sync::Arc, time::Duration};
use tokio::sync::Semaphore;

/// Records this worker's liveness and load, and samples the queue for the metrics.
pub(crate) async fn report_liveness(
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
        sample_queue(&deps).await;
    }
}

/// Samples the queue's depth per machine type into the metrics every `worker.heartbeat_ms`
/// (the worker service, beside its built-in agent).
pub(crate) async fn report_queue(deps: WorkerDeps) {
    let mut tick = tokio::time::interval(Duration::from_millis(deps.config.heartbeat_ms.max(100)));
    loop {
        tick.tick().await;
        sample_queue(&deps).await;
    }
}

async fn sample_queue(deps: &WorkerDeps) {
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

/// Where a worker's GPU readings go besides its metrics.
pub(crate) enum GpuSink {
    /// The in-cluster worker's row in `worker.workers`.
    Database(Box<WorkerDeps>, Arc<String>),
    /// An agent's next heartbeat.
    Agent(Arc<AgentLink>),
}

/// Reads the GPUs' memory and utilisation every `worker.gpus.sample_seconds` into the
/// metrics and, through `sink`, `cluster`.
pub(crate) async fn report_gpus(sink: GpuSink, metrics: crate::WorkerMetrics, pool: Arc<GpuPool>) {
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
            shown.push(GpuState { reading: gpu, runs });
        }
        match &sink {
            GpuSink::Database(deps, id) => {
                if let Ok(mut conn) = deps.conn().await
                    && let Err(e) = db::workers::set_gpus(&mut conn, id, gpus_json(&shown)).await
                {
                    tracing::warn!(error = ?e, "could not record the GPUs' state");
                }
            }
            GpuSink::Agent(link) => link.set_gpus(shown),
        }
    }
}

/// GPU states as `worker.workers.gpus` keeps them.
pub(crate) fn gpus_json(gpus: &[GpuState]) -> serde_json::Value {
    serde_json::to_value(gpus).unwrap_or_else(|_| serde_json::json!([]))
}
