//! The subscriptions pair: thousands of concurrent `jobUpdated` and `myJobs` subscriptions
//! through the router, half over WebSocket (graphql-transport-ws, credentials in
//! `connection_init`) and half over SSE, against a jobs service of its own (a `mediamagic
//! serve jobs` process, so its memory and CPU are its own). Every job is then updated once
//! (its progress, with the update's number in the message) at a fixed rate; each delivery's
//! latency runs from the start of the update's transaction to the client, in an HDR
//! histogram. Also: resident memory per subscription of the router and the jobs service, and
//! their CPU time per update. Target: p95 under 100 ms at 10,000 subscriptions.

use super::{PairReport, cpu_time, ms, rss_bytes};
use crate::{
    TestStack, load,
    subscriptions::{SseSubscription, WsConnection, WsInit},
};
use mediamagic_jobs::commands::queue;
use mediamagic_kit::local_services::free_port;
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    process::Stdio,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

const PAIR: &str = "subscriptions";
/// Subscriptions per WebSocket connection (under the router's per-connection cap).
const PER_CONNECTION: usize = 40;
/// Connections being established at once: opening every one of 10,000 at the same instant
/// is a thundering herd no client makes, and on a fresh machine it broke connections (a
/// full accept backlog answers with resets); the ramp is paced by this and its time reported.
const STARTING_AT_ONCE: usize = 256;

/// Sizes of a run.
#[derive(Clone, Copy, Debug)]
pub struct SubscriptionSizes {
    /// Accounts.
    pub accounts: usize,
    /// Jobs per account.
    pub jobs_per_account: usize,
    /// `jobUpdated` subscriptions per job.
    pub per_job: usize,
    /// `myJobs` subscriptions per account.
    pub per_account: usize,
    /// Updates per second.
    pub rate: f64,
    /// Whether targets are checked.
    pub full: bool,
}

impl SubscriptionSizes {
    /// Subscriptions in all.
    pub fn total(&self) -> usize {
        self.accounts * (self.jobs_per_account * self.per_job + self.per_account)
    }
}

/// Deliveries: per update number, when it was committed; latencies by transport.
#[derive(Default)]
struct Deliveries {
    committed: HashMap<u64, Instant>,
    ws: Vec<Duration>,
    sse: Vec<Duration>,
}

/// A `mediamagic serve jobs` process on the stack's database and Redis.
struct JobsProcess {
    child: tokio::process::Child,
    url: String,
}

async fn start_jobs(stack: &TestStack) -> anyhow::Result<JobsProcess> {
    let port = free_port()?;
    let media = stack
        .subgraph_urls
        .iter()
        .find(|(name, _)| *name == "media")
        .map(|(_, url)| url.clone())
        .unwrap_or_default();
    let keys = &stack.infra.keys;
    let child = tokio::process::Command::new(crate::workspace_binary("mediamagic"))
        .args(["serve", "jobs"])
        .env("DATABASE_URL", &stack.infra.database_url)
        .env("REDIS_URL", &stack.infra.redis_url)
        .env("MEDIAMAGIC__LISTEN__JOBS_PORT", port.to_string())
        .env(
            "MEDIAMAGIC__AUTH__INTERNAL_PUBLIC_KEY",
            &keys.internal_public_key,
        )
        .env(
            "MEDIAMAGIC__AUTH__WEBHOOK_SECRETS_KEY",
            &keys.webhook_secrets_key,
        )
        .env("MEDIAMAGIC__AUTH__EVENTS_SECRET", &keys.events_secret)
        .env("MEDIAMAGIC__JOBS__MEDIA_URL", media)
        .env("MEDIAMAGIC__JOBS__MAX_SUBSCRIPTIONS_PER_ACCOUNT", "1000000")
        .env("MEDIAMAGIC__LOG__FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(answer) = client.get(format!("{base}/readyz")).send().await
            && answer.status().is_success()
        {
            return Ok(JobsProcess {
                child,
                url: format!("{base}/graphql"),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the jobs service did not become ready")
}

/// The update number in a job update's message (`u<n>`).
fn update_number(job: &Value) -> Option<u64> {
    job["message"].as_str()?.strip_prefix('u')?.parse().ok()
}

fn deliver(deliveries: &Mutex<Deliveries>, job: &Value, websocket: bool, received: &AtomicUsize) {
    let Some(n) = update_number(job) else { return };
    let mut deliveries = deliveries.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(committed) = deliveries.committed.get(&n).copied() {
        let latency = committed.elapsed();
        if websocket {
            deliveries.ws.push(latency);
        } else {
            deliveries.sse.push(latency);
        }
        received.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs the pair.
pub async fn run(stack: &mut TestStack, sizes: SubscriptionSizes) -> anyhow::Result<PairReport> {
    let mut report = PairReport::default();
    let jobs_service = start_jobs(stack).await?;
    let jobs_pid = jobs_service.child.id().unwrap_or_default();
    let router = stack
        .add_router_with_subgraph("jobs", jobs_service.url.clone())
        .await;
    let router_pid = stack.router_pid(router).unwrap_or_default();
    let graphql = stack.router_url(router).to_owned();
    let ws_url = graphql.replace("http://", "ws://");
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra).await?;

    // Accounts and their running jobs (the bench plays the worker).
    let mut accounts = Vec::new();
    for a in 0..sizes.accounts {
        let (token, _, _) = stack.sign_up(&format!("subs{a}")).await;
        let model = super::noop_model(stack, &token, super::queue::MACHINE_TYPE).await?;
        let mut jobs = Vec::new();
        for _ in 0..sizes.jobs_per_account {
            jobs.push(crate::jobs::deploy(stack, &token, json!({"model": model})).await);
        }
        accounts.push((token, jobs));
    }
    let mut leases = HashMap::new();
    let total_jobs = sizes.accounts * sizes.jobs_per_account;
    while leases.len() < total_jobs {
        let Some(claimed) = queue::claim(&deps, super::queue::MACHINE_TYPE, "subs-bench")
            .await
            .map_err(|e| anyhow::anyhow!("claim: {e:?}"))?
        else {
            anyhow::bail!(
                "only {} of {total_jobs} jobs could be claimed",
                leases.len()
            );
        };
        queue::start(&deps, &claimed.lease())
            .await
            .map_err(|e| anyhow::anyhow!("start: {e:?}"))?;
        leases.insert(claimed.job.id.to_string(), claimed.lease());
    }

    let rss_before = (rss_bytes(router_pid), rss_bytes(jobs_pid));
    let deliveries: Arc<Mutex<Deliveries>> = Arc::default();
    let received = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    let mut expected_per_job: HashMap<String, usize> = HashMap::new();
    let mut websocket_turn = true;
    let starting = Arc::new(tokio::sync::Semaphore::new(STARTING_AT_ONCE));
    let establishing = Instant::now();
    for (token, jobs) in &accounts {
        // Every subscription of this account: (job id or None for myJobs).
        let mut wanted: Vec<Option<String>> = Vec::new();
        for job in jobs {
            for _ in 0..sizes.per_job {
                wanted.push(Some(job.clone()));
            }
            *expected_per_job.entry(job.clone()).or_default() += sizes.per_job + sizes.per_account;
        }
        wanted.extend((0..sizes.per_account).map(|_| None));
        // Alternately a WebSocket connection's worth, or as many SSE streams.
        for chunk in wanted.chunks(PER_CONNECTION) {
            let chunk: Vec<Option<String>> = chunk.to_vec();
            let (deliveries, received, ready) =
                (deliveries.clone(), received.clone(), ready.clone());
            if websocket_turn {
                let (url, token) = (ws_url.clone(), token.clone());
                let starting = starting.clone();
                tasks.push(tokio::spawn(async move {
                    let permit = starting.acquire_owned().await;
                    let WsInit::Acknowledged(mut connection) = WsConnection::open(
                        &url,
                        json!({"Authorization": format!("Bearer {token}")}),
                    )
                    .await
                    else {
                        eprintln!("a WebSocket connection was refused");
                        return;
                    };
                    for (n, job) in chunk.iter().enumerate() {
                        let id = n.to_string();
                        match job {
                            Some(job) => connection.subscribe(&id, "subscription($id: ID!) { jobUpdated(id: $id) { id status progress message } }", json!({"id": job})).await,
                            None => connection.subscribe(&id, "subscription { myJobs { id status progress message } }", json!({})).await,
                        }
                    }
                    drop(permit);
                    let mut initial = chunk.iter().filter(|j| j.is_some()).count();
                    ready.fetch_add(chunk.len() - initial, Ordering::Relaxed);
                    while let Some(message) = connection.message().await {
                        if message["type"] != "next" {
                            continue;
                        }
                        let data = &message["payload"]["data"];
                        let job = if data["jobUpdated"].is_null() { &data["myJobs"] } else { &data["jobUpdated"] };
                        if initial > 0 && update_number(job).is_none() {
                            initial -= 1;
                            ready.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        deliver(&deliveries, job, true, &received);
                    }
                }));
            } else {
                for job in chunk {
                    let (graphql, token) = (graphql.clone(), token.clone());
                    let (deliveries, received, ready) =
                        (deliveries.clone(), received.clone(), ready.clone());
                    let starting = starting.clone();
                    tasks.push(tokio::spawn(async move {
                        let permit = starting.acquire_owned().await;
                        let (query, variables, field) = match &job {
                            Some(job) => ("subscription($id: ID!) { jobUpdated(id: $id) { id status progress message } }", json!({"id": job}), "jobUpdated"),
                            None => ("subscription { myJobs { id status progress message } }", json!({}), "myJobs"),
                        };
                        let mut sse = SseSubscription::start(&graphql, &token, query, variables).await;
                        if job.is_some() {
                            // The job's current state comes first.
                            if sse.next().await.is_none() {
                                return;
                            }
                        }
                        drop(permit);
                        ready.fetch_add(1, Ordering::Relaxed);
                        while let Some(payload) = sse.next().await {
                            deliver(&deliveries, &payload["data"][field], false, &received);
                        }
                    }));
                }
            }
            websocket_turn = !websocket_turn;
        }
    }
    let total = sizes.total();
    let deadline = Instant::now() + Duration::from_secs(300);
    while ready.load(Ordering::Relaxed) < total {
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {total} subscriptions started",
            ready.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let established = establishing.elapsed();
    // myJobs streams may need a moment to be listening on the jobs service.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = (rss_bytes(router_pid), rss_bytes(jobs_pid));
    let cpu_before = (cpu_time(router_pid), cpu_time(jobs_pid));

    // One update per job at a fixed rate.
    let expected: usize = expected_per_job.values().sum();
    let interval = Duration::from_secs_f64(1.0 / sizes.rate);
    let started = Instant::now();
    for (n, (job, lease)) in leases.iter().enumerate() {
        tokio::time::sleep_until((started + interval.mul_f64(n as f64)).into()).await;
        deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .committed
            .insert(n as u64, Instant::now());
        let _ = job;
        queue::progress(&deps, lease, 0.5, Some(format!("u{n}")))
            .await
            .map_err(|e| anyhow::anyhow!("progress: {e:?}"))?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu_after = (cpu_time(router_pid), cpu_time(jobs_pid));
    for task in tasks {
        task.abort();
    }

    let deliveries = deliveries.lock().unwrap_or_else(|e| e.into_inner());
    let case = format!(
        "{total} subscriptions ({} jobs, {} accounts), {} updates at {}/s",
        total_jobs,
        sizes.accounts,
        leases.len(),
        sizes.rate
    );
    let got = received.load(Ordering::Relaxed);
    report.figure(
        PAIR,
        &case,
        format!("establishing ({STARTING_AT_ONCE} at a time)"),
        "seconds for all",
        established.as_secs_f64(),
    );
    report.figure(
        PAIR,
        &case,
        "deliveries",
        "received of expected %",
        100.0 * got as f64 / expected.max(1) as f64,
    );
    let mut all = load::histogram();
    for (transport, latencies) in [("WebSocket", &deliveries.ws), ("SSE", &deliveries.sse)] {
        let mut histogram = load::histogram();
        for latency in latencies.iter() {
            load::record(&mut histogram, *latency);
            load::record(&mut all, *latency);
        }
        for q in [50.0, 95.0, 99.0] {
            report.figure(
                PAIR,
                &case,
                format!("through the router, {transport}"),
                format!("p{q:.0} ms"),
                ms(load::percentile(&histogram, q)),
            );
        }
    }
    let p95 = ms(load::percentile(&all, 95.0));
    for q in [50.0, 95.0, 99.0] {
        report.figure(
            PAIR,
            &case,
            "all",
            format!("p{q:.0} ms"),
            ms(load::percentile(&all, q)),
        );
    }
    let per = |before: u64, after: u64| {
        after.saturating_sub(before) as f64 / total.max(1) as f64 / 1024.0
    };
    report.figure(
        PAIR,
        &case,
        "router",
        "KiB per subscription",
        per(rss_before.0, rss_after.0),
    );
    report.figure(
        PAIR,
        &case,
        "jobs service",
        "KiB per subscription",
        per(rss_before.1, rss_after.1),
    );
    let updates = leases.len().max(1) as f64;
    report.figure(
        PAIR,
        &case,
        "router",
        "CPU ms per update",
        ms(cpu_after.0.saturating_sub(cpu_before.0)) / updates,
    );
    report.figure(
        PAIR,
        &case,
        "jobs service",
        "CPU ms per update",
        ms(cpu_after.1.saturating_sub(cpu_before.1)) / updates,
    );
    report.target(
        sizes.full,
        PAIR,
        format!(
            "p95 {p95:.1} ms < 100 ms at {total} subscriptions ({got} of {expected} delivered)"
        ),
        p95 < 100.0 && got == expected,
    );
    drop(jobs_service);
    Ok(report)
}
