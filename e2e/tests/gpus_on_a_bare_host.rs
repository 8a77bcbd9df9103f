//! GPUs on a bare host, assigned per run (#37). No GPU is lent to this project, so the host's
//! GPUs are stand-ins: a stand-in `nvidia-smi` (a shell script answering the CSV query the
//! worker sends, for two cards), the driver's stand-in card descriptions (in the directory
//! given as `worker.gpus.proc_dir`, numbering the cards' device nodes against their order,
//! as a driver may) and stand-in device nodes (plain files in the directory given as
//! `worker.gpus.dev_dir`, each holding its card's number). Everything else is real:
//! the worker's detection, its slots, the assignment of one card per run, the bubblewrap
//! sandbox binding only the assigned card's node, the run's environment, and what `cluster`
//! and `/metrics` report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{deploy, script_model_with, upload, wait_for},
    media::mp3,
    spawn_stack_with,
};
use mediamagic_worker::drivers::gpus::config::GpuConfig;
use serde_json::{Value, json};
use std::{os::unix::fs::PermissionsExt, path::Path, time::Duration};

const UUIDS: [&str; 2] = [
    "GPU-00000000-0000-0000-0000-000000000000",
    "GPU-11111111-1111-1111-1111-111111111111",
];

/// The device minor number of each card (by index): not the index, so a run bound to the
/// node named after its index would see the other card.
const MINORS: [u32; 2] = [1, 0];
const BUS_IDS: [&str; 2] = ["00000000:3B:00.0", "00000000:5E:00.0"];

/// The stand-in host: `nvidia-smi`, the driver's `proc/gpus/<bus>/information`, and `dev/`
/// with two cards (each node named by its card's minor number) and the control nodes.
fn stand_in_host(dir: &Path) {
    let dev = dir.join("dev");
    std::fs::create_dir_all(&dev).unwrap();
    for (card, bus) in BUS_IDS.iter().enumerate() {
        let described = dir
            .join("proc/gpus")
            .join(format!("0000{}", &bus[8..]).to_ascii_lowercase());
        std::fs::create_dir_all(&described).unwrap();
        std::fs::write(
            described.join("information"),
            format!(
                "Model: \t\t Stand-in A100\nDevice Minor: \t {}\nBus Location: \t {bus}\n",
                MINORS[card]
            ),
        )
        .unwrap();
    }
    for (name, content) in [
        ("nvidia1", "card 0"),
        ("nvidia0", "card 1"),
        ("nvidiactl", "control"),
        ("nvidia-uvm", "uvm"),
    ] {
        let node = dev.join(name);
        std::fs::write(&node, content).unwrap();
        std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let smi = dir.join("nvidia-smi");
    std::fs::write(
        &smi,
        format!(
            "#!/bin/sh\n\
             case \"$1\" in --query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,pci.bus_id) ;; *) exit 2 ;; esac\n\
             echo '0, {}, Stand-in A100, 40960, 512, 7, {}'\n\
             echo '1, {}, Stand-in A100, 40960, 1024, [N/A], {}'\n",
            UUIDS[0], BUS_IDS[0], UUIDS[1], BUS_IDS[1]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&smi, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn gpu_stack(host: &Path) -> TestStack {
    let (smi, dev, proc_dir) = (host.join("nvidia-smi"), host.join("dev"), host.join("proc"));
    spawn_stack_with(move |config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        config.worker.gpus = GpuConfig {
            nvidia_smi: smi,
            dev_dir: dev,
            proc_dir,
            sample_seconds: 1,
            ..GpuConfig::default()
        };
    })
    .await
}

/// What a run saw: the nvidia nodes in its /dev, the cards' contents, and its environment.
const SEE: &str = "printf '{\"devices\": \"%s\", \"cards\": \"%s\", \"cuda\": \"%s\", \"nvidia\": \"%s\"}' \
    \"$(ls /dev | grep nvidia | tr '\\n' ' ')\" \"$(cat /dev/nvidia[0-9]* 2>/dev/null)\" \
    \"$CUDA_VISIBLE_DEVICES\" \"$NVIDIA_VISIBLE_DEVICES\" > result.json; sleep 2";

async fn model(stack: &TestStack, token: &str, machine_type: &str) -> String {
    script_model_with(
        stack,
        token,
        SEE,
        60,
        json!({"machineType": machine_type, "outputs": [], "result": {"schema": {"type": "object"}}}),
    )
    .await
}

#[tokio::test]
async fn each_gpu_run_sees_only_the_card_it_was_given_and_cpu_runs_see_none() {
    let host = tempfile::tempdir().unwrap();
    stand_in_host(host.path());
    let stack = gpu_stack(host.path()).await;
    let (token, _, email) = stack.sign_up("gpu-user").await;
    let input = upload(&stack, &token, &mp3(), "in.mp3", "audio/mpeg").await;
    let gpu_model = model(&stack, &token, "gpu").await;
    let cpu_model = model(&stack, &token, "cpu").await;
    let args = |model: &str| json!({"model": model, "args": {"input": input}});
    // Three GPU runs on two cards: two at once, the third when a card is free.
    let mut gpu_jobs = Vec::new();
    for _ in 0..3 {
        gpu_jobs.push(deploy(&stack, &token, args(&gpu_model)).await);
    }
    let cpu_job = deploy(&stack, &token, args(&cpu_model)).await;

    let mut seen = Vec::new();
    for job in &gpu_jobs {
        let done = wait_for(
            &stack,
            &token,
            job,
            &["SUCCEEDED", "FAILED"],
            Duration::from_secs(60),
        )
        .await;
        let result = stack
            .gql(
                Cred::Bearer(&token),
                "query($id: ID!) { job(id: $id) { status result error { code message } } }",
                json!({"id": job}),
            )
            .await;
        assert_eq!(done["status"], "SUCCEEDED", "{}", result.body);
        seen.push(result.data("/job/result").clone());
    }
    for saw in &seen {
        let cuda = saw["cuda"].as_str().unwrap();
        let card = UUIDS
            .iter()
            .position(|u| *u == cuda)
            .unwrap_or_else(|| panic!("{saw}"));
        assert_eq!(saw["nvidia"], cuda, "{saw}");
        let mut devices: Vec<&str> = saw["devices"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect();
        devices.sort();
        // The node of the card's minor number, holding that card.
        let own = format!("nvidia{}", MINORS[card]);
        assert_eq!(devices, ["nvidia-uvm", own.as_str(), "nvidiactl"], "{saw}");
        assert_eq!(saw["cards"], format!("card {card}"), "{saw}");
    }
    let first_two: Vec<&Value> = seen.iter().take(2).map(|s| &s["cuda"]).collect();
    assert_ne!(
        first_two[0], first_two[1],
        "the two runs at once had different cards"
    );

    wait_for(
        &stack,
        &token,
        &cpu_job,
        &["SUCCEEDED"],
        Duration::from_secs(30),
    )
    .await;
    let cpu = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { result } }",
            json!({"id": cpu_job}),
        )
        .await;
    let cpu = cpu.data("/job/result");
    assert_eq!(
        (cpu["devices"].as_str(), cpu["cuda"].as_str()),
        (Some(""), Some("")),
        "{cpu}"
    );

    // Operators see the cards, with memory and utilisation; the gpu type has their slots.
    let admin = stack.make_admin(&email).await;
    let query = "{ cluster { machineTypes { name capacity } workers { gpus { index uuid name memoryTotalMb memoryUsedMb utilizationPercent runs } } } }";
    let mut cluster = Value::Null;
    for _ in 0..50 {
        cluster = stack.gql(Cred::Bearer(&admin), query, json!({})).await.body;
        if cluster["data"]["cluster"]["workers"][0]["gpus"]
            .as_array()
            .is_some_and(|g| g.len() == 2)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let gpu_type = cluster["data"]["cluster"]["machineTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "gpu")
        .cloned()
        .unwrap_or_else(|| panic!("{cluster}"));
    assert_eq!(gpu_type["capacity"], 2, "{cluster}");
    let gpus = &cluster["data"]["cluster"]["workers"][0]["gpus"];
    assert_eq!(gpus[0]["uuid"], UUIDS[0], "{cluster}");
    assert_eq!(
        (
            gpus[0]["memoryTotalMb"].as_i64(),
            gpus[0]["memoryUsedMb"].as_i64()
        ),
        (Some(40960), Some(512))
    );
    assert_eq!(
        (
            gpus[0]["utilizationPercent"].as_i64(),
            gpus[1]["utilizationPercent"].as_i64()
        ),
        (Some(7), None)
    );

    let worker = stack
        .service_urls
        .iter()
        .find(|(n, _)| *n == "worker")
        .unwrap()
        .1
        .clone();
    let metrics = reqwest::get(format!("{worker}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("mediamagic_worker_gpu_memory_total_bytes") && l.contains(UUIDS[1]))
        .unwrap_or_else(|| panic!("no GPU memory metric:\n{metrics}"));
    assert!(
        line.ends_with(&(40960u64 * 1024 * 1024).to_string()),
        "{line}"
    );
    assert!(
        metrics.contains("mediamagic_worker_gpu_utilization_ratio{index=\"0\""),
        "{metrics}"
    );
}
