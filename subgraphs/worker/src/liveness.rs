//! What a worker reports while it runs: its liveness and load (the in-cluster worker, into
//! the `worker` schema, and the queue's depth into the metrics), and its GPUs' memory and
//! utilisation (into the metrics, and for the in-cluster worker into `cluster`).

use crate::{WorkerDeps, db, drivers::gpus::GpuPool};
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
