//! MIG instances as slots. A card in MIG mode cannot run CUDA work as a whole: its MIG
//! devices can, each with its own memory and compute. Such a card offers one slot per MIG
//! device instead of its own. What a run needs to use one is what the NVIDIA container
//! toolkit gives a container for it: the parent card's `/dev/nvidiaN` and the two
//! capability nodes of the device's GPU instance and compute instance
//! (`/dev/nvidia-caps/nvidia-cap<M>`, `M` read from the driver's
//! `capabilities/gpu<N>/mig/gi<G>/access` and `.../gi<G>/ci<C>/access`), never the MIG
//! `config` or `monitor` capabilities.
//!
//! `nvidia-smi -L` names each MIG device's UUID by its index on the card; `nvidia-smi -q -x`
//! gives the same index its GPU and compute instance ids and memory.

use super::nvidia_smi::{Card, GpuReading};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where a MIG device sits on its card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigInstance {
    /// The card's UUID (`GPU-...`).
    pub parent_uuid: String,
    /// The MIG profile (`1g.5gb`).
    pub profile: String,
    /// Its GPU instance id.
    pub gpu_instance: u32,
    /// Its compute instance id within the GPU instance.
    pub compute_instance: u32,
}

/// The cards not in MIG mode as they are, and each card in MIG mode as its MIG devices,
/// from `nvidia-smi -L` (`listed`) and `nvidia-smi -q -x` (`xml`).
pub fn units(cards: Vec<Card>, listed: &str, xml: &str) -> Result<Vec<GpuReading>, String> {
    let listed = parse_list(listed)?;
    let log: Log = quick_xml::de::from_str(xml)
        .map_err(|e| format!("unexpected `nvidia-smi -q -x` output: {e}"))?;
    let mut units = Vec::new();
    for card in cards {
        if !card.mig_enabled {
            units.push(card.reading);
            continue;
        }
        let parent = card.reading;
        let described = log.gpus.iter().find(|g| g.uuid.trim() == parent.uuid);
        let devices = described
            .and_then(|g| g.mig_devices.as_ref())
            .map(|d| d.devices.as_slice())
            .unwrap_or_default();
        let named = listed.iter().filter(|l| l.parent_uuid == parent.uuid);
        let before = units.len();
        for device in named {
            let Some(found) = devices.iter().find(|d| d.index == device.index) else {
                tracing::warn!(mig = %device.uuid, "nvidia-smi -q does not describe this MIG device; it is not offered");
                continue;
            };
            let memory = found.fb_memory_usage.as_ref();
            units.push(GpuReading {
                index: parent.index,
                uuid: device.uuid.clone(),
                name: format!("{} MIG {}", parent.name, device.profile),
                memory_total_mb: memory.and_then(|m| mib(&m.total)).unwrap_or(0),
                memory_used_mb: memory.and_then(|m| mib(&m.used)).unwrap_or(0),
                // nvidia-smi reports no utilisation per MIG device.
                utilization_percent: None,
                bus_id: parent.bus_id.clone(),
                mig: Some(MigInstance {
                    parent_uuid: parent.uuid.clone(),
                    profile: device.profile.clone(),
                    gpu_instance: found.gpu_instance_id,
                    compute_instance: found.compute_instance_id,
                }),
            });
        }
        if units.len() == before {
            tracing::warn!(gpu = parent.index, uuid = %parent.uuid, "this GPU is in MIG mode without MIG devices: it offers no slot");
        }
    }
    Ok(units)
}

/// The capability device minor number (the `M` of `/dev/nvidia-caps/nvidia-cap<M>`) in a
/// driver's `access` file; `None` when there is no such file or it does not say.
pub fn capability_minor(access: &Path) -> Option<u32> {
    std::fs::read_to_string(access)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("DeviceFileMinor:"))
        .and_then(|minor| minor.trim().parse().ok())
}

/// The device nodes (under the host's device directory) a run on `mig` needs besides the
/// control nodes: the card's, then its GPU instance's and compute instance's capabilities.
/// `None` when the driver does not describe them.
pub fn nodes(proc_dir: &Path, card_minor: u32, mig: &MigInstance) -> Option<Vec<String>> {
    let gi = proc_dir
        .join("capabilities")
        .join(format!("gpu{card_minor}"))
        .join("mig")
        .join(format!("gi{}", mig.gpu_instance));
    let ci = gi.join(format!("ci{}", mig.compute_instance));
    let gi = capability_minor(&gi.join("access"))?;
    let ci = capability_minor(&ci.join("access"))?;
    Some(vec![
        format!("nvidia{card_minor}"),
        format!("nvidia-caps/nvidia-cap{gi}"),
        format!("nvidia-caps/nvidia-cap{ci}"),
    ])
}

/// One MIG device line of `nvidia-smi -L`.
#[derive(Debug, PartialEq)]
struct Listed {
    parent_uuid: String,
    index: u32,
    profile: String,
    uuid: String,
}

/// Reads `nvidia-smi -L`: `GPU 0: <name> (UUID: GPU-...)` lines, each followed by its
/// `  MIG 1g.5gb Device 0: (UUID: MIG-...)` lines.
fn parse_list(text: &str) -> Result<Vec<Listed>, String> {
    let uuid_in = |line: &str| {
        line.rsplit_once("(UUID: ")
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .map(str::to_owned)
    };
    let mut parent: Option<String> = None;
    let mut listed = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("GPU ") {
            parent = uuid_in(line);
        } else if let Some(rest) = line.strip_prefix("MIG ") {
            let bad = || format!("unexpected `nvidia-smi -L` line `{line}`");
            let mut words = rest.split_whitespace();
            let profile = words.next().ok_or_else(bad)?.to_owned();
            let index = (words.next() == Some("Device"))
                .then(|| words.next())
                .flatten()
                .and_then(|n| n.trim_end_matches(':').parse().ok())
                .ok_or_else(bad)?;
            let uuid = uuid_in(line)
                .filter(|u| u.starts_with("MIG-"))
                .ok_or_else(bad)?;
            let parent_uuid = parent.clone().ok_or_else(bad)?;
            listed.push(Listed {
                parent_uuid,
                index,
                profile,
                uuid,
            });
        }
    }
    Ok(listed)
}

/// `4864 MiB` as a number of MiB.
fn mib(text: &str) -> Option<u64> {
    text.trim().strip_suffix("MiB")?.trim().parse().ok()
}

/// The parts of `nvidia-smi -q -x` read here.
#[derive(Deserialize)]
struct Log {
    #[serde(default, rename = "gpu")]
    gpus: Vec<LogGpu>,
}

#[derive(Deserialize)]
struct LogGpu {
    #[serde(default)]
    uuid: String,
    /// `None` as text when the card has no MIG devices.
    #[serde(default)]
    mig_devices: Option<LogMigDevices>,
}

#[derive(Deserialize)]
struct LogMigDevices {
    #[serde(default, rename = "mig_device")]
    devices: Vec<LogMigDevice>,
}

#[derive(Deserialize)]
struct LogMigDevice {
    index: u32,
    gpu_instance_id: u32,
    compute_instance_id: u32,
    #[serde(default)]
    fb_memory_usage: Option<LogMemory>,
}

#[derive(Deserialize)]
struct LogMemory {
    #[serde(default)]
    total: String,
    #[serde(default)]
    used: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-aaaaaaaa-0000-0000-0000-000000000000)\n\
        GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-bbbbbbbb-0000-0000-0000-000000000000)\n  \
        MIG 3g.20gb     Device  0: (UUID: MIG-11111111-0000-0000-0000-000000000000)\n  \
        MIG 1g.5gb      Device  1: (UUID: MIG-22222222-0000-0000-0000-000000000000)\n";

    const XML: &str = r#"<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
  <driver_version>535.129.03</driver_version>
  <gpu id="00000000:3B:00.0">
    <mig_mode><current_mig>Disabled</current_mig><pending_mig>Disabled</pending_mig></mig_mode>
    <mig_devices>
      None
    </mig_devices>
    <uuid>GPU-aaaaaaaa-0000-0000-0000-000000000000</uuid>
    <minor_number>0</minor_number>
  </gpu>
  <gpu id="00000000:5E:00.0">
    <mig_mode><current_mig>Enabled</current_mig><pending_mig>Enabled</pending_mig></mig_mode>
    <mig_devices>
      <mig_device>
        <index>1</index>
        <gpu_instance_id>13</gpu_instance_id>
        <compute_instance_id>0</compute_instance_id>
        <device_attributes><shared><multiprocessor_count>14</multiprocessor_count></shared></device_attributes>
        <fb_memory_usage><total>4864 MiB</total><reserved>0 MiB</reserved><used>3 MiB</used><free>4861 MiB</free></fb_memory_usage>
      </mig_device>
      <mig_device>
        <index>0</index>
        <gpu_instance_id>2</gpu_instance_id>
        <compute_instance_id>0</compute_instance_id>
        <fb_memory_usage><total>19968 MiB</total><reserved>0 MiB</reserved><used>12 MiB</used><free>19956 MiB</free></fb_memory_usage>
      </mig_device>
    </mig_devices>
    <uuid>GPU-bbbbbbbb-0000-0000-0000-000000000000</uuid>
    <processes></processes>
  </gpu>
</nvidia_smi_log>
"#;

    fn card(index: u32, uuid: &str, mig_enabled: bool) -> Card {
        Card {
            reading: GpuReading {
                index,
                uuid: uuid.into(),
                name: "NVIDIA A100-SXM4-40GB".into(),
                memory_total_mb: 40960,
                memory_used_mb: 0,
                utilization_percent: Some(0),
                bus_id: format!("00000000:{}:00.0", if index == 0 { "3B" } else { "5E" }),
                mig: None,
            },
            mig_enabled,
        }
    }

    #[test]
    fn a_card_in_mig_mode_is_offered_as_its_mig_devices_with_their_instance_ids() {
        let units = units(
            vec![
                card(0, "GPU-aaaaaaaa-0000-0000-0000-000000000000", false),
                card(1, "GPU-bbbbbbbb-0000-0000-0000-000000000000", true),
            ],
            LIST,
            XML,
        )
        .unwrap();
        assert_eq!(units.len(), 3);
        assert_eq!(units[0].mig, None);
        assert_eq!(units[1].uuid, "MIG-11111111-0000-0000-0000-000000000000");
        assert_eq!(units[1].name, "NVIDIA A100-SXM4-40GB MIG 3g.20gb");
        assert_eq!(
            (units[1].memory_total_mb, units[1].memory_used_mb),
            (19968, 12)
        );
        let mig = units[1].mig.as_ref().unwrap();
        assert_eq!((mig.gpu_instance, mig.compute_instance), (2, 0));
        assert_eq!(mig.parent_uuid, "GPU-bbbbbbbb-0000-0000-0000-000000000000");
        let second = units[2].mig.as_ref().unwrap();
        assert_eq!(
            (second.profile.as_str(), second.gpu_instance),
            ("1g.5gb", 13)
        );
        assert_eq!(units[2].index, 1);
        assert_eq!(units[2].utilization_percent, None);
    }

    #[test]
    fn a_mig_card_without_mig_devices_offers_nothing_and_odd_lines_are_refused() {
        let units = units(
            vec![card(0, "GPU-aaaaaaaa-0000-0000-0000-000000000000", true)],
            LIST,
            XML,
        )
        .unwrap();
        assert!(units.is_empty());
        assert!(parse_list("  MIG 1g.5gb Device 0: (UUID: MIG-1)").is_err());
        assert!(
            parse_list("GPU 0: A (UUID: GPU-1)\n  MIG 1g.5gb Device x: (UUID: MIG-1)").is_err()
        );
        assert!(
            parse_list("GPU 0: A (UUID: GPU-1)\n  MIG 1g.5gb Device 0: (UUID: GPU-2)").is_err()
        );
        assert!(super::units(Vec::new(), "", "<nvidia_smi_log><gpu>").is_err());
    }

    #[test]
    fn a_mig_device_needs_both_capabilities_the_driver_describes() {
        let proc_dir = tempfile::tempdir().unwrap();
        let gi = proc_dir.path().join("capabilities/gpu3/mig/gi13");
        std::fs::create_dir_all(gi.join("ci0")).unwrap();
        std::fs::write(
            gi.join("access"),
            "DeviceFileMinor: 120\nDeviceFileMode: 292\n",
        )
        .unwrap();
        let mig = MigInstance {
            parent_uuid: "GPU-1".into(),
            profile: "1g.5gb".into(),
            gpu_instance: 13,
            compute_instance: 0,
        };
        assert_eq!(nodes(proc_dir.path(), 3, &mig), None);
        std::fs::write(
            gi.join("ci0/access"),
            "DeviceFileMinor: 121\nDeviceFileMode: 292\n",
        )
        .unwrap();
        assert_eq!(
            nodes(proc_dir.path(), 3, &mig).unwrap(),
            [
                "nvidia3",
                "nvidia-caps/nvidia-cap120",
                "nvidia-caps/nvidia-cap121"
            ]
        );
    }
}
