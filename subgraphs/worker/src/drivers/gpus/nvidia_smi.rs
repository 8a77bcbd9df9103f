//! Asking `nvidia-smi` which GPUs the host has and how busy they are: one CSV query
//! (`--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,pci.bus_id,
//! mig.mode.current`), the interface NVIDIA documents as stable for scripts, and for cards
//! in MIG mode `-L` and `-q -x` (see [`super::mig`]); and each card's device minor number
//! from the driver's `/proc/driver/nvidia/gpus/<bus id>/information`, as the NVIDIA
//! container toolkit reads it (the index and the minor differ when the driver does not
//! number cards in PCI order).

use super::mig::{self, MigInstance};
use serde::{Deserialize, Serialize};
use std::{path::Path, time::Duration};

/// The fields asked for, in order.
const QUERY: &str = "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,pci.bus_id,mig.mode.current";

/// Longest `nvidia-smi` may take (a wedged driver makes it hang).
const TIMEOUT: Duration = Duration::from_secs(10);

/// One GPU as `nvidia-smi` reports it: a whole card, or a MIG device of a card in MIG mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuReading {
    /// Its card's index in `nvidia-smi`'s order.
    pub index: u32,
    /// Its UUID (`GPU-...`, or `MIG-...` for a MIG device): what `CUDA_VISIBLE_DEVICES`
    /// names it by.
    pub uuid: String,
    /// The product name.
    pub name: String,
    /// Memory in MiB.
    pub memory_total_mb: u64,
    /// Memory in use, in MiB.
    pub memory_used_mb: u64,
    /// Utilisation over the last sample period, 0 to 100 (absent when not supported).
    pub utilization_percent: Option<u32>,
    /// Its card's PCI bus id (`00000000:3B:00.0`).
    #[serde(default)]
    pub bus_id: String,
    /// Where it sits on its card, when it is a MIG device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig: Option<MigInstance>,
}

impl GpuReading {
    /// The length of its longest text field, in bytes (an agent's readings are bounded).
    pub fn longest_text(&self) -> usize {
        let mig = self.mig.as_ref();
        [
            self.uuid.len(),
            self.name.len(),
            self.bus_id.len(),
            mig.map_or(0, |m| m.parent_uuid.len()),
            mig.map_or(0, |m| m.profile.len()),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

/// One card as the CSV query reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    /// The card.
    pub reading: GpuReading,
    /// Whether it is in MIG mode (then only its MIG devices can run work).
    pub mig_enabled: bool,
}

/// Runs `nvidia-smi` and reads the host's GPUs (whole cards, and the MIG devices of cards
/// in MIG mode); `Err` says why there are none to read.
pub async fn read(nvidia_smi: &Path) -> Result<Vec<GpuReading>, String> {
    let cards = parse(&ask(nvidia_smi, &[QUERY, "--format=csv,noheader,nounits"]).await?)?;
    if !cards.iter().any(|c| c.mig_enabled) {
        return Ok(cards.into_iter().map(|c| c.reading).collect());
    }
    let listed = ask(nvidia_smi, &["-L"]).await?;
    let described = ask(nvidia_smi, &["-q", "-x"]).await?;
    mig::units(cards, &listed, &described)
}

/// `nvidia-smi`'s output to `args`.
async fn ask(nvidia_smi: &Path, args: &[&str]) -> Result<String, String> {
    let run = tokio::process::Command::new(nvidia_smi)
        .args(args)
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
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses the CSV lines of [`QUERY`].
pub fn parse(text: &str) -> Result<Vec<Card>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [
                index,
                uuid,
                name,
                total,
                used,
                utilization,
                bus_id,
                mig_mode,
            ] = fields[..]
            else {
                return Err(format!("unexpected nvidia-smi line `{line}`"));
            };
            let number = |v: &str, what: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("unexpected {what} `{v}` in nvidia-smi line `{line}`"))
            };
            if !uuid.starts_with("GPU-") {
                return Err(format!("unexpected GPU UUID `{uuid}` in `{line}`"));
            }
            let reading = GpuReading {
                index: u32::try_from(number(index, "index")?).map_err(|e| e.to_string())?,
                uuid: uuid.to_owned(),
                name: name.to_owned(),
                memory_total_mb: number(total, "memory")?,
                memory_used_mb: number(used, "memory")?,
                // `[N/A]` or `[Not Supported]` on some boards.
                utilization_percent: utilization.parse().ok(),
                bus_id: bus_id.to_owned(),
                mig: None,
            };
            Ok(Card {
                reading,
                // `[N/A]` on cards without MIG.
                mig_enabled: mig_mode == "Enabled",
            })
        })
        .collect()
}

/// The device minor number of the card at `bus_id` (the `N` of `/dev/nvidiaN`), from the
/// driver's `<proc_dir>/gpus/<bus id>/information`; `None` when the driver does not say.
pub fn device_minor(proc_dir: &Path, bus_id: &str) -> Option<u32> {
    let text = std::fs::read_to_string(
        proc_dir
            .join("gpus")
            .join(proc_bus_id(bus_id)?)
            .join("information"),
    )
    .ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("Device Minor:"))
        .and_then(|minor| minor.trim().parse().ok())
}

/// `nvidia-smi`'s bus id (`00000000:3B:00.0`, an 8-digit domain) as the driver's `/proc`
/// names it (`0000:3b:00.0`).
fn proc_bus_id(bus_id: &str) -> Option<String> {
    let (domain, rest) = bus_id.trim().split_once(':')?;
    let domain = u32::from_str_radix(domain, 16).ok()?;
    let rest = rest.to_ascii_lowercase();
    let plausible = rest.len() == 7
        && rest
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    plausible.then(|| format!("{domain:04x}:{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_query_is_read_with_unsupported_fields_left_out() {
        let read = parse(
            "0, GPU-11111111-2222-3333-4444-555555555555, NVIDIA A100-SXM4-40GB, 40960, 0, 0, 00000000:3B:00.0, Enabled\n\
             1, GPU-66666666-7777-8888-9999-000000000000, Tesla T4, 15360, 1024, [N/A], 00000000:5E:00.0, [N/A]\n",
        )
        .unwrap();
        assert_eq!(
            read.iter().map(|c| c.mig_enabled).collect::<Vec<_>>(),
            [true, false]
        );
        let read: Vec<GpuReading> = read.into_iter().map(|c| c.reading).collect();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].index, 1);
        assert_eq!(read[1].name, "Tesla T4");
        assert_eq!(
            (read[1].memory_total_mb, read[1].memory_used_mb),
            (15360, 1024)
        );
        assert_eq!(read[1].utilization_percent, None);
        assert_eq!(read[0].utilization_percent, Some(0));
        assert_eq!(read[1].bus_id, "00000000:5E:00.0");
    }

    #[test]
    fn the_minor_number_comes_from_the_drivers_information_file() {
        let proc_dir = tempfile::tempdir().unwrap();
        let card = proc_dir.path().join("gpus/0000:3b:00.0");
        std::fs::create_dir_all(&card).unwrap();
        std::fs::write(
            card.join("information"),
            "Model: \t\t NVIDIA A100\nIRQ:   \t\t 95\nDevice Minor: \t 3\nBus Location: \t 0000:3b:00.0\n",
        )
        .unwrap();
        assert_eq!(device_minor(proc_dir.path(), "00000000:3B:00.0"), Some(3));
        assert_eq!(device_minor(proc_dir.path(), "00000000:5E:00.0"), None);
        assert_eq!(device_minor(proc_dir.path(), "../../etc/passwd:00.0"), None);
        assert_eq!(
            proc_bus_id("00000000:3B:00.0").as_deref(),
            Some("0000:3b:00.0")
        );
    }

    #[test]
    fn anything_else_is_refused_rather_than_guessed() {
        assert!(parse("0, GPU-1, A100").is_err());
        assert!(parse("x, GPU-1, A100, 1, 1, 1, 0:0:0.0, [N/A]").is_err());
        assert!(parse("0, MIG-1, A100, 1, 1, 1, 0:0:0.0, [N/A]").is_err());
        assert!(parse("0, GPU-1, A100, 1, 1, 1, 0:0:0.0").is_err());
        assert_eq!(parse("\n").unwrap(), Vec::new());
    }
}
