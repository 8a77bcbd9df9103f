//! A stand-in GPU host: no GPU is lent to this project, so tests describe the cards they
//! want and get what a worker reads on a real host, made of plain files. A stand-in
//! `nvidia-smi` (a shell script answering the CSV query the worker sends, `-L` and
//! `-q -x`), the driver's `/proc/driver/nvidia` (each card's device minor number, each MIG
//! device's capability minors) and `/dev` (each node a plain file holding its name, so a
//! run can show which one it was given).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mediamagic_worker::drivers::gpus::config::GpuConfig;
use std::{fmt::Write as _, os::unix::fs::PermissionsExt, path::Path};

/// A stand-in card.
pub struct Card {
    /// `GPU-...`.
    pub uuid: &'static str,
    /// As `nvidia-smi` writes it (`00000000:3B:00.0`).
    pub bus_id: &'static str,
    /// Its device minor number (`/dev/nvidiaN`).
    pub minor: u32,
    /// Its MIG devices; empty: the card is not in MIG mode.
    pub mig: Vec<Mig>,
}

/// A stand-in MIG device.
pub struct Mig {
    /// `MIG-...`.
    pub uuid: &'static str,
    /// `1g.5gb`.
    pub profile: &'static str,
    /// GPU instance id.
    pub gi: u32,
    /// Compute instance id.
    pub ci: u32,
    /// The GPU instance's capability minor (`/dev/nvidia-caps/nvidia-cap<N>`).
    pub gi_cap: u32,
    /// The compute instance's capability minor.
    pub ci_cap: u32,
}

/// Capability minors of the MIG `config` and `monitor` capabilities, which no run may see.
pub const ADMIN_CAPS: [u32; 2] = [1, 2];

/// Writes the host of `cards` under `dir`: `nvidia-smi`, `proc/`, `dev/`.
pub fn stand_in_host(dir: &Path, cards: &[Card]) {
    let dev = dir.join("dev");
    std::fs::create_dir_all(dev.join("nvidia-caps")).unwrap();
    let node = |name: String| {
        let node = dev.join(&name);
        std::fs::write(&node, format!("{name}\n")).unwrap();
        std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o666)).unwrap();
    };
    for name in ["nvidiactl", "nvidia-uvm"] {
        node(name.into());
    }
    for cap in ADMIN_CAPS {
        node(format!("nvidia-caps/nvidia-cap{cap}"));
    }
    let (mut csv, mut list) = (String::new(), String::new());
    let mut xml = String::from(
        "<?xml version=\"1.0\" ?>\n<!DOCTYPE nvidia_smi_log SYSTEM \"nvsmi_device_v12.dtd\">\n<nvidia_smi_log>\n",
    );
    for (index, card) in cards.iter().enumerate() {
        let proc_bus = format!("0000{}", &card.bus_id[8..]).to_ascii_lowercase();
        let described = dir.join("proc/gpus").join(proc_bus);
        std::fs::create_dir_all(&described).unwrap();
        std::fs::write(
            described.join("information"),
            format!(
                "Model: \t\t Stand-in A100\nDevice Minor: \t {}\nBus Location: \t {}\n",
                card.minor, card.bus_id
            ),
        )
        .unwrap();
        node(format!("nvidia{}", card.minor));
        let mode = if card.mig.is_empty() {
            "Disabled"
        } else {
            "Enabled"
        };
        // The used memory tells the cards apart in `cluster`: 512 MiB times index + 1.
        let used = 512 * (index + 1);
        let utilization = if index == 0 { "7" } else { "[N/A]" };
        writeln!(
            csv,
            "{index}, {}, Stand-in A100, 40960, {used}, {utilization}, {}, {mode}",
            card.uuid, card.bus_id
        )
        .unwrap();
        writeln!(list, "GPU {index}: Stand-in A100 (UUID: {})", card.uuid).unwrap();
        write!(
            xml,
            "<gpu id=\"{}\"><mig_mode><current_mig>{mode}</current_mig></mig_mode><mig_devices>",
            card.bus_id
        )
        .unwrap();
        if card.mig.is_empty() {
            xml.push_str("None");
        }
        for (device, mig) in card.mig.iter().enumerate() {
            writeln!(
                list,
                "  MIG {:<10} Device {device:>2}: (UUID: {})",
                mig.profile, mig.uuid
            )
            .unwrap();
            write!(
                xml,
                "<mig_device><index>{device}</index><gpu_instance_id>{}</gpu_instance_id>\
                 <compute_instance_id>{}</compute_instance_id><fb_memory_usage><total>4864 MiB</total>\
                 <reserved>0 MiB</reserved><used>{} MiB</used><free>4000 MiB</free></fb_memory_usage></mig_device>",
                mig.gi,
                mig.ci,
                10 + device
            )
            .unwrap();
            let gi = dir
                .join("proc/capabilities")
                .join(format!("gpu{}", card.minor))
                .join(format!("mig/gi{}", mig.gi));
            std::fs::create_dir_all(gi.join(format!("ci{}", mig.ci))).unwrap();
            let access = |minor: u32| {
                format!("DeviceFileMinor: {minor}\nDeviceFileMode: 292\nDeviceFileModify: 1\n")
            };
            std::fs::write(gi.join("access"), access(mig.gi_cap)).unwrap();
            std::fs::write(gi.join(format!("ci{}/access", mig.ci)), access(mig.ci_cap)).unwrap();
            node(format!("nvidia-caps/nvidia-cap{}", mig.gi_cap));
            node(format!("nvidia-caps/nvidia-cap{}", mig.ci_cap));
        }
        writeln!(xml, "</mig_devices><uuid>{}</uuid></gpu>", card.uuid).unwrap();
    }
    xml.push_str("</nvidia_smi_log>\n");
    for (name, text) in [("smi.csv", csv), ("smi.list", list), ("smi.xml", xml)] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let smi = dir.join("nvidia-smi");
    let at = dir.display();
    std::fs::write(
        &smi,
        format!(
            "#!/bin/sh\n\
             case \"$*\" in\n\
             '--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,pci.bus_id,mig.mode.current --format=csv,noheader,nounits') cat '{at}/smi.csv' ;;\n\
             -L) cat '{at}/smi.list' ;;\n\
             '-q -x') cat '{at}/smi.xml' ;;\n\
             *) echo \"stand-in nvidia-smi: unexpected arguments $*\" >&2; exit 2 ;;\n\
             esac\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&smi, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `worker.gpus` reading the stand-in host under `dir`.
pub fn gpu_config(dir: &Path) -> GpuConfig {
    GpuConfig {
        nvidia_smi: dir.join("nvidia-smi"),
        dev_dir: dir.join("dev"),
        proc_dir: dir.join("proc"),
        sample_seconds: 1,
        ..GpuConfig::default()
    }
}
