//! The worker's Prometheus metrics, registered with the service's other metrics: jobs
//! running and queued per machine type, slots, run duration per model, and claim latency (from
//! the moment a job was queued to the moment a worker claimed it), and each GPU's memory,
//! utilisation and runs.

use prometheus::{GaugeVec, HistogramOpts, HistogramVec, Opts, Registry};

/// The worker's metrics.
#[derive(Clone)]
pub struct WorkerMetrics {
    /// Runs on this worker, by machine type.
    pub running: GaugeVec,
    /// Jobs waiting in the queue, by machine type (sampled by the worker).
    pub queued: GaugeVec,
    /// Run duration by machine type, model and outcome.
    pub duration: HistogramVec,
    /// Queued-to-claimed latency by machine type.
    pub claim_latency: HistogramVec,
    /// Slots this worker offers, by machine type.
    pub slots: GaugeVec,
    /// Each GPU's memory in use, in bytes, by GPU (`index`, `uuid`).
    pub gpu_memory_used: GaugeVec,
    /// Each GPU's memory, in bytes.
    pub gpu_memory_total: GaugeVec,
    /// Each GPU's utilisation over the driver's last sample period, 0 to 1.
    pub gpu_utilization: GaugeVec,
    /// Runs holding each GPU now.
    pub gpu_runs: GaugeVec,
}

impl WorkerMetrics {
    /// Registers the worker's metrics in `registry`.
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let running = GaugeVec::new(
            Opts::new("worker_jobs_running", "Runs on this worker by machine type"),
            &["machine_type"],
        )?;
        let queued = GaugeVec::new(
            Opts::new("worker_jobs_queued", "Jobs in the queue by machine type"),
            &["machine_type"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "worker_job_duration_seconds",
                "Run duration by machine type, model and outcome",
            )
            .buckets(vec![
                0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
            ]),
            &["machine_type", "model", "outcome"],
        )?;
        let claim_latency = HistogramVec::new(
            HistogramOpts::new(
                "worker_claim_latency_seconds",
                "Time from a job being queued to a worker claiming it",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 300.0,
            ]),
            &["machine_type"],
        )?;
        registry.register(Box::new(running.clone()))?;
        registry.register(Box::new(queued.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(claim_latency.clone()))?;
        let slots = GaugeVec::new(
            Opts::new("worker_slots", "Slots this worker offers by machine type"),
            &["machine_type"],
        )?;
        registry.register(Box::new(slots.clone()))?;
        let gpu = |name: &str, help: &str| -> Result<GaugeVec, prometheus::Error> {
            let gauge = GaugeVec::new(Opts::new(name, help), &["index", "uuid"])?;
            registry.register(Box::new(gauge.clone()))?;
            Ok(gauge)
        };
        let gpu_memory_used = gpu("worker_gpu_memory_used_bytes", "GPU memory in use")?;
        let gpu_memory_total = gpu("worker_gpu_memory_total_bytes", "GPU memory")?;
        let gpu_utilization = gpu("worker_gpu_utilization_ratio", "GPU utilisation, 0 to 1")?;
        let gpu_runs = gpu("worker_gpu_runs", "Runs holding each GPU")?;
        Ok(Self {
            running,
            queued,
            duration,
            claim_latency,
            slots,
            gpu_memory_used,
            gpu_memory_total,
            gpu_utilization,
            gpu_runs,
        })
    }
}
