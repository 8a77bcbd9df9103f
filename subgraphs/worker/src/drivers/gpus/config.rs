//! Settings of the GPUs a local worker hands out (`worker.gpus`).

use serde::Deserialize;
use std::path::PathBuf;

/// How a local worker finds and shares the host's NVIDIA GPUs.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GpuConfig {
    /// Look for GPUs with `nvidia-smi` when the worker starts (`true`); a host without it
    /// (or without GPUs) runs `machine_type` jobs as any other, on configured slots.
    #[serde(default = "yes")]
    pub detect: bool,
    /// The `nvidia-smi` to ask (a name looked up in `PATH`, or a path).
    #[serde(default = "default_nvidia_smi")]
    pub nvidia_smi: PathBuf,
    /// The machine type whose runs each get a GPU; its slots become the GPUs found times
    /// `runs_per_gpu`.
    #[serde(default = "default_machine_type")]
    pub machine_type: String,
    /// Runs that share one whole GPU at a time (1: a GPU per run). Sharing gives no memory
    /// isolation between the runs: only for models known to fit together. A card in MIG
    /// mode offers one slot per MIG device instead.
    #[serde(default = "one")]
    pub runs_per_gpu: u32,
    /// Where the host's device nodes are (`/dev/nvidia0`, `/dev/nvidiactl`,
    /// `/dev/nvidia-uvm`, `/dev/nvidia-caps/`).
    #[serde(default = "default_dev_dir")]
    pub dev_dir: PathBuf,
    /// Where the driver describes each card (`gpus/<bus id>/information`, whose `Device
    /// Minor` names the card's `/dev/nvidiaN`; a card it does not describe is taken to be
    /// `/dev/nvidia<index>`) and each MIG device's capabilities
    /// (`capabilities/gpu<N>/mig/gi<G>/ci<C>/access`).
    #[serde(default = "default_proc_dir")]
    pub proc_dir: PathBuf,
    /// Host paths bound read-only into GPU runs besides `/usr` and `/lib` (which every run
    /// sees): where the driver's user-space libraries live when they are elsewhere, such as
    /// `/usr/local/nvidia`.
    #[serde(default)]
    pub driver_paths: Vec<PathBuf>,
    /// How often the GPUs' memory and utilisation are read for `cluster` and `/metrics`, in
    /// seconds.
    #[serde(default = "default_sample_seconds")]
    pub sample_seconds: u64,
}

impl Default for GpuConfig {
    fn default() -> Self {
        Self {
            detect: true,
            nvidia_smi: default_nvidia_smi(),
            machine_type: default_machine_type(),
            runs_per_gpu: 1,
            dev_dir: default_dev_dir(),
            proc_dir: default_proc_dir(),
            driver_paths: Vec::new(),
            sample_seconds: default_sample_seconds(),
        }
    }
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn default_nvidia_smi() -> PathBuf {
    PathBuf::from("nvidia-smi")
}
fn default_machine_type() -> String {
    "gpu".into()
}
fn default_dev_dir() -> PathBuf {
    PathBuf::from("/dev")
}
fn default_proc_dir() -> PathBuf {
    PathBuf::from("/proc/driver/nvidia")
}
fn default_sample_seconds() -> u64 {
    10
}
