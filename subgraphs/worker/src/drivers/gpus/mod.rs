//! GPUs on a bare host, assigned per run. At start the local driver asks `nvidia-smi` for the
//! host's GPUs; each offers `runs_per_gpu` slots of the GPU machine type. A run of that type
//! takes one slot for as long as it runs and sees only its GPU: the sandbox binds that GPU's
//! device node and the driver's control nodes (what the NVIDIA container toolkit gives a
//! container for compute: `/dev/nvidiaN`, N the card's device minor number, `nvidiactl`,
//! `nvidia-uvm`, `nvidia-uvm-tools`),
//! and the run's environment names it (`CUDA_VISIBLE_DEVICES` and `NVIDIA_VISIBLE_DEVICES`,
//! by UUID, so the numbering inside cannot point at another card). A card in MIG mode offers
//! a slot per MIG device instead, each run seeing only its device's capabilities
//! ([`mig`]).

pub mod config;
pub mod mig;
pub mod nvidia_smi;

use config::GpuConfig;
use nvidia_smi::GpuReading;
use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

/// Control nodes every GPU run needs besides its own card's, when the host has them.
const CONTROL_NODES: &[&str] = &["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools"];

/// The host's GPUs and which slots of them are taken.
#[derive(Debug)]
pub struct GpuPool {
    config: GpuConfig,
    /// Whole cards and MIG devices, each with what a run on it needs.
    gpus: Vec<Unit>,
    /// Runs on each GPU now, by position in `gpus`.
    taken: Mutex<Vec<u32>>,
}

/// A whole card or a MIG device, as runs are given it.
#[derive(Debug)]
struct Unit {
    reading: GpuReading,
    /// Its device nodes under `dev_dir` (`nvidia3`, `nvidia-caps/nvidia-cap120`), besides
    /// the control nodes.
    nodes: Vec<String>,
    /// Runs it takes at once.
    runs: u32,
}

impl GpuPool {
    /// The pool of `gpus` (whole cards and MIG devices) as `config` shares them; `None`
    /// when there are none it can offer.
    pub fn new(config: &GpuConfig, gpus: Vec<GpuReading>) -> Option<Arc<Self>> {
        let units: Vec<Unit> = gpus
            .into_iter()
            .filter_map(|gpu| unit(config, gpu))
            .collect();
        (!units.is_empty()).then(|| {
            Arc::new(Self {
                config: config.clone(),
                taken: Mutex::new(vec![0; units.len()]),
                gpus: units,
            })
        })
    }

    /// Finds the host's GPUs when `worker.gpus.detect` is on; `None` (logged) when there is
    /// no `nvidia-smi` or it finds none.
    pub async fn detect(config: &GpuConfig) -> Option<Arc<Self>> {
        if !config.detect {
            return None;
        }
        match nvidia_smi::read(&config.nvidia_smi).await {
            Ok(gpus) => {
                let pool = Self::new(config, gpus);
                if let Some(pool) = &pool {
                    tracing::info!(gpus = pool.gpus.len(), slots = pool.slots(), machine_type = %config.machine_type, "GPUs found");
                }
                pool
            }
            Err(why) => {
                tracing::debug!(%why, "no GPUs found");
                None
            }
        }
    }

    /// The machine type whose runs get a GPU.
    pub fn machine_type(&self) -> &str {
        &self.config.machine_type
    }

    /// How often to read the GPUs' state, in seconds.
    pub fn sample_seconds(&self) -> u64 {
        self.config.sample_seconds
    }

    /// Slots the GPUs offer.
    pub fn slots(&self) -> usize {
        self.gpus.iter().map(|u| u.runs as usize).sum()
    }

    /// The least busy GPU with a free slot, held until the lease drops.
    pub fn acquire(self: &Arc<Self>) -> Option<GpuLease> {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let (position, _) = taken
            .iter()
            .zip(&self.gpus)
            .enumerate()
            .filter(|(_, (runs, unit))| **runs < unit.runs)
            .min_by_key(|(_, (runs, _))| **runs)?;
        taken[position] += 1;
        Some(GpuLease {
            pool: self.clone(),
            position,
        })
    }

    /// The GPUs with their current readings and the runs on each.
    pub async fn sample(&self) -> Vec<(GpuReading, u32)> {
        let read = match nvidia_smi::read(&self.config.nvidia_smi).await {
            Ok(read) => read,
            Err(why) => {
                tracing::warn!(%why, "could not read the GPUs' state");
                Vec::new()
            }
        };
        let taken = self.taken.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.gpus
            .iter()
            .zip(taken)
            .map(|(known, runs)| {
                let known = &known.reading;
                let now = read.iter().find(|r| r.uuid == known.uuid).unwrap_or(known);
                (now.clone(), runs)
            })
            .collect()
    }
}

/// What a run on `gpu` needs, or `None` (logged) when the driver does not describe it.
fn unit(config: &GpuConfig, gpu: GpuReading) -> Option<Unit> {
    let minor = nvidia_smi::device_minor(&config.proc_dir, &gpu.bus_id).unwrap_or_else(|| {
        tracing::warn!(gpu = gpu.index, bus = %gpu.bus_id, "the driver does not say this GPU's device minor number; taking its index");
        gpu.index
    });
    let (nodes, runs) = match &gpu.mig {
        None => (vec![format!("nvidia{minor}")], config.runs_per_gpu.max(1)),
        Some(instance) => {
            let Some(nodes) = mig::nodes(&config.proc_dir, minor, instance) else {
                tracing::warn!(mig = %gpu.uuid, "the driver does not describe this MIG device's capabilities; it is not offered");
                return None;
            };
            if let Some(missing) = nodes.iter().find(|n| !config.dev_dir.join(n).exists()) {
                tracing::warn!(mig = %gpu.uuid, node = %missing, "this MIG device's capability node is missing (`nvidia-modprobe -f` on its access file makes it); it is not offered");
                return None;
            }
            // A MIG device is a partition sized for one workload.
            (nodes, 1)
        }
    };
    Some(Unit {
        reading: gpu,
        nodes,
        runs,
    })
}

/// One run's hold on a GPU.
#[derive(Debug)]
pub struct GpuLease {
    pool: Arc<GpuPool>,
    position: usize,
}

impl GpuLease {
    /// The GPU.
    pub fn gpu(&self) -> &GpuReading {
        &self.pool.gpus[self.position].reading
    }

    /// Device nodes to bind into the run: `(host path, path inside)`, those the host has.
    pub fn devices(&self) -> Vec<(PathBuf, String)> {
        let dev = &self.pool.config.dev_dir;
        self.pool.gpus[self.position]
            .nodes
            .iter()
            .cloned()
            .chain(CONTROL_NODES.iter().map(|n| n.to_string()))
            .map(|name| (dev.join(&name), format!("/dev/{name}")))
            .filter(|(host, _)| host.exists())
            .collect()
    }

    /// Host paths to bind read-only (the driver's libraries outside `/usr`).
    pub fn driver_paths(&self) -> Vec<PathBuf> {
        self.pool
            .config
            .driver_paths
            .iter()
            .filter(|p| p.exists())
            .cloned()
            .collect()
    }

    /// The run's environment naming its GPU.
    pub fn env(&self) -> Vec<(String, String)> {
        let uuid = self.gpu().uuid.clone();
        vec![
            ("CUDA_VISIBLE_DEVICES".into(), uuid.clone()),
            ("NVIDIA_VISIBLE_DEVICES".into(), uuid),
        ]
    }
}

impl Drop for GpuLease {
    fn drop(&mut self) {
        let mut taken = self.pool.taken.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(runs) = taken.get_mut(self.position) {
            *runs = runs.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(index: u32) -> GpuReading {
        GpuReading {
            index,
            uuid: format!("GPU-{index}"),
            name: "stand-in".into(),
            memory_total_mb: 1024,
            memory_used_mb: 0,
            utilization_percent: Some(0),
            bus_id: String::new(),
            mig: None,
        }
    }

    #[test]
    fn each_run_gets_a_gpu_of_its_own_until_every_slot_is_taken() {
        let pool = GpuPool::new(&GpuConfig::default(), vec![gpu(0), gpu(1)]).unwrap();
        assert_eq!(pool.slots(), 2);
        let first = pool.acquire().unwrap();
        let second = pool.acquire().unwrap();
        assert_ne!(first.gpu().uuid, second.gpu().uuid);
        assert!(pool.acquire().is_none());
        let freed = first.gpu().uuid.clone();
        drop(first);
        assert_eq!(pool.acquire().unwrap().gpu().uuid, freed);
    }

    #[test]
    fn shared_gpus_fill_evenly() {
        let config = GpuConfig {
            runs_per_gpu: 2,
            ..GpuConfig::default()
        };
        let pool = GpuPool::new(&config, vec![gpu(0), gpu(1)]).unwrap();
        assert_eq!(pool.slots(), 4);
        let leases: Vec<GpuLease> = (0..4).map(|_| pool.acquire().unwrap()).collect();
        let on_first = leases.iter().filter(|l| l.gpu().index == 0).count();
        assert_eq!(on_first, 2);
        assert!(pool.acquire().is_none());
        assert_eq!(leases[0].env()[0].0, "CUDA_VISIBLE_DEVICES");
    }

    #[test]
    fn no_gpus_no_pool() {
        assert!(GpuPool::new(&GpuConfig::default(), Vec::new()).is_none());
    }
}
