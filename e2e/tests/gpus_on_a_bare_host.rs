//! GPUs on a bare host, assigned per run (#37). No GPU is lent to this project, so the host's
//! GPUs are stand-ins (`mediamagic_e2e::gpus`): a stand-in `nvidia-smi` (a shell script
//! answering the CSV query, `-L` and `-q -x` as the worker sends them), the driver's
//! stand-in card descriptions and MIG capabilities (in the directory given as
//! `worker.gpus.proc_dir`, numbering the cards' device nodes against their order, as a
//! driver may) and stand-in device nodes (plain files in the directory given as
//! `worker.gpus.dev_dir`, each holding its name). Everything else is real: the worker's
//! detection, its slots, the assignment of one card or MIG device per run, the bubblewrap
//! sandbox binding only the assigned nodes, the run's environment, and what `cluster` and
//! `/metrics` report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    gpus::{Card, Mig, gpu_config, stand_in_host},
    jobs::{deploy, script_model_with, upload, wait_for},
    media::mp3,
    spawn_stack_with,
};
use serde_json::{Value, json};
use std::{path::Path, time::Duration};

const UUIDS: [&str; 2] = [
    "GPU-00000000-0000-0000-0000-000000000000",
    "GPU-11111111-1111-1111-1111-111111111111",
];

/// The device minor number of each card (by index): not the index, so a run bound to the
/// node named after its index would see the other card.
const MINORS: [u32; 2] = [1, 0];
const BUS_IDS: [&str; 2] = ["00000000:3B:00.0", "00000000:5E:00.0"];

/// Two whole cards, or (with `mig`) the second in MIG mode with two MIG devices.
fn cards(mig: bool) -> Vec<Card> {
    (0..2)
        .map(|i| Card {
            uuid: UUIDS[i],
            bus_id: BUS_IDS[i],
            minor: MINORS[i],
            mig: if mig && i == 1 {
                mig_devices()
            } else {
                Vec::new()
            },
        })
        .collect()
}

fn mig_devices() -> Vec<Mig> {
    vec![
        Mig {
            uuid: "MIG-aaaaaaaa-0000-0000-0000-000000000000",
            profile: "3g.20gb",
            gi: 2,
            ci: 0,
            gi_cap: 21,
            ci_cap: 22,
        },
        Mig {
            uuid: "MIG-bbbbbbbb-0000-0000-0000-000000000000",
            profile: "1g.5gb",
            gi: 13,
            ci: 0,
            gi_cap: 120,
            ci_cap: 121,
        },
    ]
}

async fn gpu_stack(host: &Path) -> TestStack {
    let gpus = gpu_config(host);
    spawn_stack_with(move |config| {
        config.worker.enabled = true;
        config.worker.heartbeat_ms = 200;
        config.worker.gpus = gpus;
    })
    .await
}

/// What a run saw: the nvidia nodes in its /dev, the cards' contents, its MIG
/// capabilities' contents, and its environment.
const SEE: &str = "printf '{\"devices\": \"%s\", \"cards\": \"%s\", \"caps\": \"%s\", \"cuda\": \"%s\", \"nvidia\": \"%s\"}' \
    \"$(ls /dev | grep nvidia | tr '\\n' ' ')\" \"$(cat /dev/nvidia[0-9]* 2>/dev/null)\" \
    \"$(cat /dev/nvidia-caps/* 2>/dev/null | tr '\\n' ' ')\" \
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

/// What each of `jobs` saw, once all have succeeded.
async fn seen(stack: &TestStack, token: &str, jobs: &[String]) -> Vec<Value> {
    let mut seen = Vec::new();
    for job in jobs {
        let done = wait_for(
            stack,
            token,
            job,
            &["SUCCEEDED", "FAILED"],
            Duration::from_secs(60),
        )
        .await;
        let result = stack
            .gql(
                Cred::Bearer(token),
                "query($id: ID!) { job(id: $id) { status result error { code message } } }",
                json!({"id": job}),
            )
            .await;
        assert_eq!(done["status"], "SUCCEEDED", "{}", result.body);
        seen.push(result.data("/job/result").clone());
    }
    seen
}

/// `cluster` as `query` asks it, once the first worker's GPUs satisfy `ready` (or after 10 s).
async fn cluster_when(
    stack: &TestStack,
    admin: &str,
    query: &str,
    ready: impl Fn(&Vec<Value>) -> bool,
) -> Value {
    let mut cluster = Value::Null;
    for _ in 0..50 {
        cluster = stack.gql(Cred::Bearer(admin), query, json!({})).await.body;
        if cluster["data"]["cluster"]["workers"][0]["gpus"]
            .as_array()
            .is_some_and(&ready)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster
}

/// The words of a string, sorted.
fn words(text: &Value) -> Vec<&str> {
    let mut words: Vec<&str> = text.as_str().unwrap().split_whitespace().collect();
    words.sort();
    words
}

#[tokio::test]
async fn each_gpu_run_sees_only_the_card_it_was_given_and_cpu_runs_see_none() {
    let host = tempfile::tempdir().unwrap();
    stand_in_host(host.path(), &cards(false));
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

    let seen = seen(&stack, &token, &gpu_jobs).await;
    for saw in &seen {
        let cuda = saw["cuda"].as_str().unwrap();
        let card = UUIDS
            .iter()
            .position(|u| *u == cuda)
            .unwrap_or_else(|| panic!("{saw}"));
        assert_eq!(saw["nvidia"], cuda, "{saw}");
        let devices = words(&saw["devices"]);
        // The node of the card's minor number, holding that card.
        let own = format!("nvidia{}", MINORS[card]);
        assert_eq!(devices, ["nvidia-uvm", own.as_str(), "nvidiactl"], "{saw}");
        assert_eq!(saw["cards"], own, "{saw}");
        assert_eq!(saw["caps"], "", "{saw}");
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
    let cluster = cluster_when(&stack, &admin, query, |g| g.len() == 2).await;
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

#[tokio::test]
async fn a_card_in_mig_mode_gives_each_run_one_mig_device_and_only_its_capabilities() {
    let host = tempfile::tempdir().unwrap();
    stand_in_host(host.path(), &cards(true));
    let stack = gpu_stack(host.path()).await;
    let (token, _, email) = stack.sign_up("mig-user").await;
    let input = upload(&stack, &token, &mp3(), "in.mp3", "audio/mpeg").await;
    let gpu_model = model(&stack, &token, "gpu").await;
    // Three slots (the whole card and the second card's two MIG devices), three runs at
    // once: each gets a device of its own (on one slot they would all have had the first).
    let mut jobs = Vec::new();
    for _ in 0..3 {
        jobs.push(
            deploy(
                &stack,
                &token,
                json!({"model": gpu_model, "args": {"input": input}}),
            )
            .await,
        );
    }
    let seen = seen(&stack, &token, &jobs).await;
    let migs = mig_devices();
    let mut given: Vec<&str> = seen.iter().map(|s| s["cuda"].as_str().unwrap()).collect();
    given.sort();
    assert_eq!(given, [UUIDS[0], migs[0].uuid, migs[1].uuid], "{seen:?}");
    for saw in &seen {
        let cuda = saw["cuda"].as_str().unwrap();
        assert_eq!(saw["nvidia"], cuda, "{saw}");
        let Some(mig) = migs.iter().find(|m| m.uuid == cuda) else {
            assert_eq!(
                words(&saw["devices"]),
                ["nvidia-uvm", "nvidia1", "nvidiactl"],
                "{saw}"
            );
            assert_eq!(saw["caps"], "", "{saw}");
            continue;
        };
        // The parent card's node (its minor, 0) and the two capabilities of its GPU and
        // compute instance: not the other device's, not MIG config or monitor.
        assert_eq!(
            words(&saw["devices"]),
            ["nvidia-caps", "nvidia-uvm", "nvidia0", "nvidiactl"],
            "{saw}"
        );
        assert_eq!(saw["cards"], "nvidia0", "{saw}");
        let own = [
            format!("nvidia-caps/nvidia-cap{}", mig.gi_cap),
            format!("nvidia-caps/nvidia-cap{}", mig.ci_cap),
        ];
        // The host also has the MIG config and monitor capabilities (`ADMIN_CAPS`).
        assert_eq!(words(&saw["caps"]), own, "{saw}");
    }

    // Operators see the whole card and each MIG device with its place on its card (once a
    // sample after the runs ended has come in).
    let admin = stack.make_admin(&email).await;
    let query = "{ cluster { machineTypes { name capacity } workers { gpus { index uuid name memoryTotalMb memoryUsedMb runs mig { parentUuid profile gpuInstance computeInstance } } } } }";
    let cluster = cluster_when(&stack, &admin, query, |g| {
        g.len() == 3 && g.iter().all(|g| g["runs"] == 0)
    })
    .await;
    let capacity = cluster["data"]["cluster"]["machineTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "gpu")
        .map(|t| t["capacity"].clone());
    assert_eq!(capacity, Some(json!(3)), "{cluster}");
    let gpus = &cluster["data"]["cluster"]["workers"][0]["gpus"];
    assert_eq!(gpus[0]["uuid"], UUIDS[0], "{cluster}");
    assert_eq!(gpus[0]["mig"], Value::Null, "{cluster}");
    assert_eq!(
        gpus[2],
        json!({
            "index": 1,
            "uuid": migs[1].uuid,
            "name": "Stand-in A100 MIG 1g.5gb",
            "memoryTotalMb": 4864,
            "memoryUsedMb": 11,
            "runs": 0,
            "mig": {"parentUuid": UUIDS[1], "profile": "1g.5gb", "gpuInstance": 13, "computeInstance": 0}
        }),
        "{cluster}"
    );
}
