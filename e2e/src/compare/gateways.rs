//! The gateway pair: our router against Apollo Gateway (`@apollo/gateway` + `@apollo/server`)
//! and Hive Gateway (`@graphql-hive/gateway`), from `e2e/bench/peers` (npm), given the same
//! supergraph and the same subgraphs; the peers forward a bench-minted internal token the way
//! our router forwards the one it mints, and every gateway must return the same JSON before
//! it is measured. For (a) a federated query joining four subgraphs (jobs with their outputs'
//! media, their model and their cost) and (b) a deep nested query with a large response:
//! requests/s closed loop, p50/p95/p99 open loop at a fixed rate every gateway sustains, and
//! the gateway's CPU time per request (from `/proc`), each gateway pinned to one core where
//! `taskset` can. A fourth subject is our own router binary with the Media Magic plugins
//! off, called like the peers: what is left when our per-request work is gone. Targets: ours
//! at least 10x Apollo Gateway and 3x Hive Gateway in requests/s, at most 1/10 of Apollo
//! Gateway's CPU per request, and at most 1.25x the CPU per request of the bare router.

use super::{PairReport, cpu_time, ms};
use crate::{
    Cred, TestStack,
    jobs::{script_model, upload, wait_for},
    load,
    media::mp3,
};
use mediamagic::router_process;
use mediamagic_kit::auth::INTERNAL_TOKEN_HEADER;
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

const PAIR: &str = "gateways";

const FEDERATED: &str = "query Federated { jobs(first: 50) { nodes { id status \
    cost { amount currency } outputs { id name size contentType } \
    deployment { name model { name machineType } } } } }";
const DEEP: &str = "query Deep { jobs(first: 100) { nodes { id status deployment { id name \
    model { id name description tags machineType versions(first: 5) { nodes { id version } } } \
    job { id outputs { id name size job { id status deployment { id name } } } } } } } }";

/// Sizes of a run.
#[derive(Clone, Copy, Debug)]
pub struct GatewaySizes {
    /// Seconds of each closed-loop measurement.
    pub seconds: u64,
    /// Concurrent clients of the closed loop.
    pub concurrency: usize,
    /// Jobs (with outputs) the queries read.
    pub jobs: u64,
    /// Whether targets are checked.
    pub full: bool,
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
    super::graphile::peers_dir()
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

/// The subject that is our router without its plugins.
const BARE: &str = "mediamagic-router, no plugins";

/// `config` with the Media Magic plugins that run on every GraphQL request turned off
/// (credentials, rate limits, forwarded routes); the page-serving ones never see the bench's
/// requests.
fn without_our_plugins(config: &str) -> anyhow::Result<String> {
    let mut bare = config.to_owned();
    for plugin in [
        "mediamagic_auth",
        "mediamagic_rate_limit",
        "mediamagic_forward",
    ] {
        let on = format!("  {plugin}:\n    enabled: true");
        anyhow::ensure!(
            bare.contains(&on),
            "{plugin} is not on in the router's config"
        );
        bare = bare.replace(&on, &format!("  {plugin}:\n    enabled: false"));
    }
    Ok(bare)
}

/// A gateway under test: its name, GraphQL URL, process and the headers a client sends it.
struct Gateway {
    name: &'static str,
    url: String,
    pid: u32,
    headers: Vec<(String, String)>,
}

/// Runs the pair on `stack` (whose worker runs `cpu` jobs, to make the data).
pub async fn run(stack: &mut TestStack, sizes: GatewaySizes) -> anyhow::Result<PairReport> {
    let mut report = PairReport::default();
    let (token, user_id, _) = stack.sign_up("compare").await;
    eprintln!("gateways: seeding {} jobs with outputs...", sizes.jobs);
    seed(stack, &token, sizes.jobs).await?;

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
    // The limit our plugins can approach: this very router binary and config with the
    // Media Magic plugins off, called like the peers (a bench-minted internal token that its
    // header rules pass to the subgraphs).
    let bare = stack
        .add_router_with(&without_our_plugins(router_process::DEV_CONFIG)?)
        .await;
    let bare_url = stack.router_url(bare).to_owned();
    let bare_pid = stack
        .router_pid(bare)
        .ok_or_else(|| anyhow::anyhow!("bare router pid"))?;
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
        Gateway {
            name: BARE,
            url: bare_url,
            pid: bare_pid,
            headers: vec![(INTERNAL_TOKEN_HEADER.into(), internal.clone())],
        },
    ];
    report.note(format!(
        "gateways: {} concurrent clients closed loop, {} s each, every gateway pinned to core {core}",
        sizes.concurrency, sizes.seconds
    ));

    let client = reqwest::Client::new();
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
        let case = format!("{label} query ({size} bytes)");
        let mut throughput = Vec::new();
        let mut cpu = Vec::new();
        for Gateway {
            name,
            url,
            pid,
            headers,
        } in &gateways
        {
            pin(*pid, core);
            load::run(
                url,
                headers.clone(),
                body.clone(),
                sizes.concurrency,
                Duration::from_secs(2),
            )
            .await;
            let before = cpu_time(*pid);
            let closed = load::run(
                url,
                headers.clone(),
                body.clone(),
                sizes.concurrency,
                Duration::from_secs(sizes.seconds),
            )
            .await;
            let cpu_per_request = cpu_time(*pid).saturating_sub(before) / (closed.ok.max(1) as u32);
            report.figure(PAIR, &case, *name, "req/s", closed.requests_per_second);
            report.figure(
                PAIR,
                &case,
                *name,
                "CPU µs/req",
                cpu_per_request.as_secs_f64() * 1e6,
            );
            report.figure(PAIR, &case, *name, "failed", closed.failed as f64);
            throughput.push(closed.requests_per_second);
            cpu.push(cpu_per_request);
        }
        // Latency at a fixed arrival rate every gateway sustains: half the slowest's.
        let rate = (throughput.iter().copied().fold(f64::MAX, f64::min) / 2.0).max(1.0);
        for Gateway {
            name, url, headers, ..
        } in &gateways
        {
            let open = load::run_open_loop(
                url,
                headers.clone(),
                body.clone(),
                rate,
                Duration::from_secs(sizes.seconds),
            )
            .await;
            let at = format!("{case}, open loop at {rate:.0} req/s");
            report.figure(PAIR, &at, *name, "p50 ms", ms(open.p50));
            report.figure(PAIR, &at, *name, "p95 ms", ms(open.p95));
            report.figure(PAIR, &at, *name, "p99 ms", ms(open.p99));
        }
        let vs_apollo = throughput[0] / throughput[1].max(0.001);
        let vs_hive = throughput[0] / throughput[2].max(0.001);
        let cpu_share = cpu[0].as_secs_f64() / cpu[1].as_secs_f64().max(1e-9);
        let vs_bare = cpu[0].as_secs_f64() / cpu[3].as_secs_f64().max(1e-9);
        report.target(
            sizes.full,
            PAIR,
            format!("{label}: ours {vs_apollo:.1}x Apollo Gateway's req/s (target 10x)"),
            vs_apollo >= 10.0,
        );
        report.target(
            sizes.full,
            PAIR,
            format!("{label}: ours {vs_hive:.1}x Hive Gateway's req/s (target 3x)"),
            vs_hive >= 3.0,
        );
        report.target(
            sizes.full,
            PAIR,
            format!(
                "{label}: our CPU per request {:.0}% of Apollo Gateway's (target at most 10%)",
                cpu_share * 100.0
            ),
            cpu_share <= 0.10,
        );
        report.target(
            sizes.full,
            PAIR,
            format!(
                "{label}: our CPU per request {vs_bare:.2}x the same router's without our plugins (target at most 1.25x)"
            ),
            vs_bare <= 1.25,
        );
    }
    drop((apollo, hive));
    Ok(report)
}
