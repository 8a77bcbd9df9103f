//! Asking `nvidia-smi` which GPUs the host has and how busy they are: one CSV query
//! (`--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu`), the interface
//! NVIDIA documents as stable for scripts.

use serde::{Deserialize, Serialize};
use std::{path::Path, time::Duration};

/// The fields asked for, in order.
const QUERY: &str = "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu";

/// Longest `nvidia-smi` may take (a wedged driver makes it hang).
const TIMEOUT: Duration = Duration::from_secs(10);

/// One GPU as `nvidia-smi` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuReading {
    /// Its index (the `N` of `/dev/nvidiaN`).
    pub index: u32,
    /// Its UUID (`GPU-...`): what `CUDA_VISIBLE_DEVICES` names it by.
    pub uuid: String,
    /// The product name.
    pub name: String,
    /// Memory in MiB.
    pub memory_total_mb: u64,
    /// Memory in use, in MiB.
    pub memory_used_mb: u64,
    /// Utilisation over the last sample period, 0 to 100 (absent when not supported).
    pub utilization_percent: Option<u32>,
}

/// Runs `nvidia-smi` and reads its GPUs; `Err` says why there are none to read.
pub async fn read(nvidia_smi: &Path) -> Result<Vec<GpuReading>, String> {
    let run = tokio::process::Command::new(nvidia_smi)
        .args([QUERY, "--format=csv,noheader,nounits"])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| format!("`{}` did not answer in {TIMEOUT:?}", nvidia_smi.display()))?
        .map_err(|e| format!("`{}` cannot run: {e}", nvidia_smi.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            nvidia_smi.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse(&String::from_utf8_lossy(&output.stdout))
}

/// Parses the CSV lines of [`QUERY`].
pub fn parse(text: &str) -> Result<Vec<GpuReading>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [index, uuid, name, total, used, utilization] = fields[..] else {
                return Err(format!("unexpected nvidia-smi line `{line}`"));
            };
            let number = |v: &str, what: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("unexpected {what} `{v}` in nvidia-smi line `{line}`"))
            };
            if !uuid.starts_with("GPU-") {
                return Err(format!("unexpected GPU UUID `{uuid}` in `{line}`"));
            }
            Ok(GpuReading {
                index: u32::try_from(number(index, "index")?).map_err(|e| e.to_string())?,
                uuid: uuid.to_owned(),
                name: name.to_owned(),
                memory_total_mb: number(total, "memory")?,
                memory_used_mb: number(used, "memory")?,
                // `[N/A]` or `[Not Supported]` on some boards.
                utilization_percent: utilization.parse().ok(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_query_is_read_with_unsupported_fields_left_out() {
        let read = parse(
            "0, GPU-11111111-2222-3333-4444-555555555555, NVIDIA A100-SXM4-40GB, 40960, 0, 0\n\
             1, GPU-66666666-7777-8888-9999-000000000000, Tesla T4, 15360, 1024, [N/A]\n",
        )
        .unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].index, 1);
        assert_eq!(read[1].name, "Tesla T4");
        assert_eq!(
            (read[1].memory_total_mb, read[1].memory_used_mb),
            (15360, 1024)
        );
        assert_eq!(read[1].utilization_percent, None);
        assert_eq!(read[0].utilization_percent, Some(0));
    }

    #[test]
    fn anything_else_is_refused_rather_than_guessed() {
        assert!(parse("0, GPU-1, A100").is_err());
        assert!(parse("x, GPU-1, A100, 1, 1, 1").is_err());
        assert!(parse("0, MIG-1, A100, 1, 1, 1").is_err());
        assert_eq!(parse("\n").unwrap(), Vec::new());
    }
}
