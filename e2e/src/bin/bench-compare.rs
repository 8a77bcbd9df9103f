//! Benchmark: our router against the gateways users would pick instead, side by side in one
//! run on the same machine, the same Postgres/Redis and the same subgraphs: Apollo Gateway
//! (`@apollo/gateway` + `@apollo/server`) and Hive Gateway (`@graphql-hive/gateway`), from
//! `e2e/bench/peers` (npm). Each gateway gets the same supergraph; the peers forward a
//! bench-minted internal token the way our router forwards the one it mints. Every gateway
//! must return the same JSON before it is measured.
//!
//! Run with `e2e/bench/run.sh compare` (release build). For (a) a federated query joining
//! four subgraphs (jobs with their outputs' media, their model and their cost) and (b) a deep
//! nested query with a large response, it prints requests/s, p50/p99 and the gateway's CPU
//! time per request (from `/proc`), each gateway pinned to one core where `taskset` can, and
//! writes the table as JSON to `$CARGO_TARGET_DIR/bench-compare.json`. Targets: ours at
//! least 10x Apollo Gateway and 3x Hive Gateway in requests/s, at most 1/10 of Apollo
//! Gateway's CPU per request. Knobs: BENCH_SECONDS (10), BENCH_CONCURRENCY (32),
//! BENCH_JOBS (60).

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{script_model, upload, wait_for},
    load,
    media::mp3,
    spawn_stack_with,
};
use mediamagic_kit::auth::INTERNAL_TOKEN_HEADER;
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

const FEDERATED: &str = "query Federated { jobs(first: 50) { nodes { id status \
    cost { amount currency } outputs { id name size contentType } \
    deployment { name model { name machineType } } } } }";
const DEEP: &str = "query Deep { jobs(first: 100) { nodes { id status deployment { id name \
    model { id name description tags machineType versions(first: 5) { nodes { id version } } } \
    job { id outputs { id name size job { id status deployment { id name } } } } } } } }";

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of process `pid` so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // Linux reports CPU time in clock ticks of 1/100 s.
    Duration::from_millis(ticks * 10)
}

/// Pins `pid` (and its threads) to `core`; false when taskset is not there.
fn pin(pid: u32, core: usize) -> bool {
    std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", &core.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A peer gateway process (node), listening once it printed "ready".
struct Peer {
    name: &'static str,
    url: String,
    child: tokio::process::Child,
}

async fn start_peer(name: &'static str, script: &str, supergraph: &Path) -> anyhow::Result<Peer> {
    let port = mediamagic_kit::local_services::free_port()?;
    let dir = peers_dir();
    let log = std::fs::File::create(std::env::temp_dir().join(format!("bench-{name}.log")))?;
    let mut child = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .current_dir(&dir)
        .env("SUPERGRAPH", supergraph)
        .env("PORT", port.to_string())
        .env("NODE_ENV", "production")
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}/graphql");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(Some(status)) = child.try_wait() {
            anyhow::bail!("{name} exited with {status} (see its log in the temp dir)");
        }
        if client
            .post(&url)
            .json(&json!({"query": "{ __typename }"}))
            .send()
            .await
            .is_ok()
        {
            return Ok(Peer { name, url, child });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{name} did not start")
}

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/peers")
}

/// Runs `jobs` jobs that each store an output, so the queries have data to join.
async fn seed(stack: &TestStack, token: &str, jobs: u64) -> anyhow::Result<()> {
    let song = upload(stack, token, &mp3(), "song.mp3", "audio/mpeg").await;
    let model = script_model(stack, token, "cp \"$1\" out.mp3", "cpu", 60).await;
    let mut ids = Vec::new();
    for n in 0..jobs {
        let created = stack
            .gql(
                Cred::Bearer(token),
                "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { job { id } } }",
                json!({"i": {"model": model, "name": format!("bench {n}"), "args": {"input": song}}}),
            )
            .await;
        let id = created
            .data("/createDeployment/job/id")
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("deployment failed: {}", created.body))?
            .to_owned();
        ids.push(id);
    }
    for id in &ids {
        wait_for(stack, token, id, &["SUCCEEDED"], Duration::from_secs(300)).await;
    }
    Ok(())
}

/// Where two answers first differ (a JSON pointer and both values), if they do.
fn first_difference(ours: &Value, theirs: &Value, at: String) -> Option<String> {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{at}/{key}");
                match b.get(key) {
                    Some(other) => {
                        if let Some(found) = first_difference(value, other, here) {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{here}: missing")),
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map(|k| format!("{at}/{k}: extra"))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}/{i}"))),
        // `16527.0` and `16527` are the same Float.
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        _ if ours == theirs => None,
        _ => Some(format!("{at}: {ours} vs {theirs}")),
    }
}

/// A gateway under test: its name, GraphQL URL, process and the headers a client sends it.
struct Gateway {
    name: &'static str,
    url: String,
    pid: u32,
    headers: Vec<(String, String)>,
}

struct Row {
    query: &'static str,
    gateway: &'static str,
    report: load::LoadReport,
    cpu_per_request: Duration,
    pinned: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = knob("BENCH_SECONDS", 10);
    let concurrency = knob("BENCH_CONCURRENCY", 32) as usize;
    let jobs = knob("BENCH_JOBS", 60);
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        if let Some(cpu) = config.worker.machine_types.get_mut("cpu") {
            cpu.slots = 4;
        }
    })
    .await;
    let (token, user_id, _) = stack.sign_up("compare").await;
    eprintln!("seeding {jobs} jobs with outputs...");
    seed(&stack, &token, jobs).await?;

    // The same supergraph for every gateway, its subgraph URLs pointing at this stack.
    let mut supergraph = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/supergraph.graphql"),
    )?;
    for name in ["accounts", "models", "media", "jobs", "worker", "billing"] {
        let line_start = format!("@join__graph(name: \"{name}\", url: \"");
        if let Some(start) = supergraph.find(&line_start) {
            let from = start + line_start.len();
            let to = from + supergraph[from..].find('"').unwrap_or(0);
            supergraph.replace_range(from..to, stack.subgraph_url(name));
        }
    }
    let dir = tempfile::tempdir()?;
    let supergraph_path = dir.path().join("supergraph.graphql");
    std::fs::write(&supergraph_path, &supergraph)?;
    let internal = stack.internal_token_for(&user_id, Duration::from_secs(2 * 3600));
    let apollo = start_peer("apollo-gateway", "apollo-gateway.mjs", &supergraph_path).await?;
    let hive = start_peer("hive-gateway", "hive-gateway.mjs", &supergraph_path).await?;
    let ours_pid = stack
        .router_pid(0)
        .ok_or_else(|| anyhow::anyhow!("router pid"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Gateways on the last core; the load generator and subgraphs share the rest.
    let core = cores.saturating_sub(1);
    let gateways = [
        Gateway {
            name: "mediamagic-router",
            url: stack.router_url(0).to_owned(),
            pid: ours_pid,
            headers: vec![("authorization".into(), format!("Bearer {token}"))],
        },
        Gateway {
            name: apollo.name,
            url: apollo.url.clone(),
            pid: apollo.child.id().unwrap_or_default(),
            headers: vec![(INTERNAL_TOKEN_HEADER.into(), internal.clone())],
        },
        Gateway {
            name: hive.name,
            url: hive.url.clone(),
            pid: hive.child.id().unwrap_or_default(),
            headers: vec![(INTERNAL_TOKEN_HEADER.into(), internal.clone())],
        },
    ];

    let client = reqwest::Client::new();
    let mut rows = Vec::new();
    for (label, query) in [("federated", FEDERATED), ("deep", DEEP)] {
        let body = json!({"query": query});
        // The same JSON from every gateway, or nothing is measured.
        let mut answers = Vec::new();
        for Gateway {
            name, url, headers, ..
        } in &gateways
        {
            let mut request = client.post(url).json(&body);
            for (k, v) in headers {
                request = request.header(k, v);
            }
            let answer: Value = request.send().await?.json().await?;
            if answer.get("errors").is_some() {
                anyhow::bail!("{name} answered {label} with errors: {answer}");
            }
            answers.push((name, answer["data"].clone()));
        }
        for (name, data) in &answers[1..] {
            if let Some(at) = first_difference(&answers[0].1, data, String::new()) {
                anyhow::bail!("{name} answers {label} differently from our router at {at}");
            }
        }
        let size = answers[0].1.to_string().len();
        eprintln!("{label}: every gateway answers the same {size} bytes");
        for Gateway {
            name,
            url,
            pid,
            headers,
        } in &gateways
        {
            let pinned = pin(*pid, core);
            load::run(
                url,
                headers.clone(),
                body.clone(),
                concurrency,
                Duration::from_secs(2),
            )
            .await;
            let before = cpu_time(*pid);
            let report = load::run(
                url,
                headers.clone(),
                body.clone(),
                concurrency,
                Duration::from_secs(seconds),
            )
            .await;
            let cpu = cpu_time(*pid).saturating_sub(before);
            let cpu_per_request = cpu / (report.ok.max(1) as u32);
            rows.push(Row {
                query: label,
                gateway: name,
                report,
                cpu_per_request,
                pinned,
            });
        }
    }

    println!("gateways, {concurrency} concurrent clients, {seconds} s each, pinned to core {core}");
    println!(
        "{:<10} {:<18} {:>9} {:>8} {:>8} {:>12} {:>8} {:>7}",
        "query", "gateway", "req/s", "p50 ms", "p99 ms", "cpu µs/req", "x ours", "failed"
    );
    let mut json_rows = Vec::new();
    let mut missed = Vec::new();
    for label in ["federated", "deep"] {
        let of = |gateway: &str| {
            rows.iter()
                .find(|r| r.query == label && r.gateway == gateway)
                .ok_or_else(|| anyhow::anyhow!("no row"))
        };
        let ours = of("mediamagic-router")?;
        for row in rows.iter().filter(|r| r.query == label) {
            let ratio = ours.report.requests_per_second / row.report.requests_per_second.max(0.001);
            println!(
                "{:<10} {:<18} {:>9.0} {:>8.2} {:>8.2} {:>12.0} {:>8.2} {:>7}",
                label,
                row.gateway,
                row.report.requests_per_second,
                row.report.p50.as_secs_f64() * 1000.0,
                row.report.p99.as_secs_f64() * 1000.0,
                row.cpu_per_request.as_secs_f64() * 1e6,
                ratio,
                row.report.failed
            );
            json_rows.push(json!({
                "query": label, "gateway": row.gateway, "pinned": row.pinned,
                "requests_per_second": row.report.requests_per_second,
                "p50_ms": row.report.p50.as_secs_f64() * 1000.0,
                "p99_ms": row.report.p99.as_secs_f64() * 1000.0,
                "cpu_us_per_request": row.cpu_per_request.as_secs_f64() * 1e6,
                "ours_throughput_ratio": ratio,
                "failed": row.report.failed,
            }));
            if row.report.failed > 0 {
                missed.push(format!(
                    "{label}/{}: {} requests failed",
                    row.gateway, row.report.failed
                ));
            }
        }
        let apollo = of("apollo-gateway")?;
        let hive = of("hive-gateway")?;
        let vs_apollo =
            ours.report.requests_per_second / apollo.report.requests_per_second.max(0.001);
        let vs_hive = ours.report.requests_per_second / hive.report.requests_per_second.max(0.001);
        let cpu_share =
            ours.cpu_per_request.as_secs_f64() / apollo.cpu_per_request.as_secs_f64().max(1e-9);
        println!(
            "{label}: ours {vs_apollo:.1}x Apollo Gateway (target 10x), {vs_hive:.1}x Hive Gateway (target 3x), CPU per request {:.0}% of Apollo's (target at most 10%)",
            cpu_share * 100.0
        );
        if vs_apollo < 10.0 {
            missed.push(format!(
                "{label}: {vs_apollo:.1}x Apollo Gateway, target 10x"
            ));
        }
        if vs_hive < 3.0 {
            missed.push(format!("{label}: {vs_hive:.1}x Hive Gateway, target 3x"));
        }
        if cpu_share > 0.10 {
            missed.push(format!(
                "{label}: CPU per request {:.0}% of Apollo's, target 10%",
                cpu_share * 100.0
            ));
        }
    }
    let out = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench-compare.json");
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&json!({"gateways": json_rows, "missed": missed}))?,
    )?;
    println!("written: {}", out.display());
    drop((apollo, hive));
    if !missed.is_empty() {
        anyhow::bail!("targets missed:\n{}", missed.join("\n"));
    }
    Ok(())
}
