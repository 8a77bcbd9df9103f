//! Benchmark: the `me` query through the router versus straight at the accounts subgraph.
//!
//! Run with `e2e/bench/run.sh me` (release build). Prints requests/s, p50 and p99 for both and
//! checks the target: the router keeps at least 70% of the direct throughput.

use mediamagic::router_process;
use mediamagic_e2e::{load, spawn_stack};
use mediamagic_kit::auth::INTERNAL_TOKEN_HEADER;
use serde_json::json;
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("bench").await;
    // Straight at the subgraph, the request carries what the router would have forwarded.
    let internal = stack.internal_token_for(&user_id, Duration::from_secs(seconds * 3 + 60));
    let body = json!({"query": "query Me { me { id name } }"});
    let duration = Duration::from_secs(seconds);

    // Warm both paths (connection pools, caches) before measuring.
    let warm = Duration::from_secs(2);
    load::run(
        stack.router_url(0),
        vec![("authorization".into(), format!("Bearer {token}"))],
        body.clone(),
        concurrency,
        warm,
    )
    .await;
    load::run(
        &stack.accounts_url(),
        vec![(INTERNAL_TOKEN_HEADER.into(), internal.clone())],
        body.clone(),
        concurrency,
        warm,
    )
    .await;

    let direct = load::run(
        &stack.accounts_url(),
        vec![(INTERNAL_TOKEN_HEADER.into(), internal)],
        body.clone(),
        concurrency,
        duration,
    )
    .await;
    let routed = load::run(
        stack.router_url(0),
        vec![("authorization".into(), format!("Bearer {token}"))],
        body,
        concurrency,
        duration,
    )
    .await;

    println!("me query, {concurrency} concurrent clients, {seconds} s each");
    // The router's worker threads change its cost on a shared machine: say which ran.
    let workers = std::env::var("ROUTER_HTTP_WORKERS").ok().or_else(|| {
        router_process::DEV_CONFIG
            .lines()
            .find_map(|line| line.trim().strip_prefix("workers:"))
            .map(|n| n.trim().to_owned())
    });
    println!(
        "router: router/config/dev.yaml, worker threads: {}",
        workers
            .as_deref()
            .unwrap_or("one per core (Hive's default)")
    );
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "path", "req/s", "p50 ms", "p99 ms", "ok", "failed"
    );
    for (name, report) in [("direct", &direct), ("router", &routed)] {
        println!(
            "{:<10} {:>10.0} {:>10.2} {:>10.2} {:>8} {:>8}",
            name,
            report.requests_per_second,
            report.p50.as_secs_f64() * 1000.0,
            report.p99.as_secs_f64() * 1000.0,
            report.ok,
            report.failed
        );
    }
    let ratio = routed.requests_per_second / direct.requests_per_second.max(1.0);
    println!(
        "router keeps {:.0}% of direct throughput (target: at least 70%)",
        ratio * 100.0
    );
    if direct.failed > 0 || routed.failed > 0 {
        anyhow::bail!("requests failed during the benchmark");
    }
    if ratio < 0.70 {
        anyhow::bail!("target missed: the router costs more than 30% of direct throughput");
    }
    Ok(())
}
