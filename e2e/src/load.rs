//! An HTTP load generator for the benchmarks, with latencies in an HDR histogram.
//!
//! - Closed loop ([`run`]): `concurrency` workers send the same POST back to back for a fixed
//!   duration: the throughput a server sustains.
//! - Open loop ([`run_open_loop`]): requests start at a fixed arrival rate whatever the
//!   answers do, and each latency counts from when the request was due, not when it went
//!   out, so a stall shows in the high percentiles instead of slowing the sender (no
//!   coordinated omission).

use hdrhistogram::Histogram;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Latencies recorded in microseconds, 1 µs to 10 min, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// Adds one latency.
pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = (latency.as_micros() as u64).clamp(1, histogram.high());
    let _ = histogram.record(micros);
}

/// Percentile `q` (0..100) of `histogram`.
pub fn percentile(histogram: &Histogram<u64>, q: f64) -> Duration {
    Duration::from_micros(histogram.value_at_quantile(q / 100.0))
}

/// What one run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Completed successful requests per second.
    pub requests_per_second: f64,
    /// Median latency.
    pub p50: Duration,
    /// 95th percentile latency.
    pub p95: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Successful requests.
    pub ok: usize,
    /// Failed requests (non-2xx, GraphQL errors or transport errors).
    pub failed: usize,
}

fn report(histogram: &Histogram<u64>, failed: usize, elapsed: Duration) -> LoadReport {
    let ok = histogram.len() as usize;
    LoadReport {
        requests_per_second: ok as f64 / elapsed.as_secs_f64().max(1e-9),
        p50: percentile(histogram, 50.0),
        p95: percentile(histogram, 95.0),
        p99: percentile(histogram, 99.0),
        ok,
        failed,
    }
}

/// One request; whether it succeeded (2xx and no GraphQL errors).
async fn send(
    client: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: &serde_json::Value,
) -> bool {
    let mut request = client.post(url).json(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => {
            match response.json::<serde_json::Value>().await {
                Ok(v) if v.get("errors").is_none() => true,
                Ok(v) => {
                    eprintln!("GraphQL error: {v}");
                    false
                }
                Err(e) => {
                    eprintln!("unreadable answer: {e}");
                    false
                }
            }
        }
        Ok(response) => {
            eprintln!("HTTP {}", response.status());
            false
        }
        Err(e) => {
            eprintln!("transport error: {e}");
            false
        }
    }
}

/// Sends `body` to `url` with `headers` from `concurrency` workers for `duration`.
pub async fn run(
    url: &str,
    headers: Vec<(String, String)>,
    body: serde_json::Value,
    concurrency: usize,
    duration: Duration,
) -> LoadReport {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap_or_default();
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_owned();
        let headers = headers.clone();
        let body = body.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = histogram();
            let mut failed = 0usize;
            while Instant::now() < deadline {
                let sent = Instant::now();
                if send(&client, &url, &headers, &body).await {
                    record(&mut latencies, sent.elapsed());
                } else {
                    failed += 1;
                }
            }
            (latencies, failed)
        }));
    }
    let mut latencies = histogram();
    let mut failed = 0;
    for worker in workers {
        if let Ok((l, f)) = worker.await {
            let _ = latencies.add(&l);
            failed += f;
        }
    }
    report(&latencies, failed, started.elapsed())
}

/// Starts a request every `1 / rate` seconds for `duration`, each on its own task; a
/// latency runs from when its request was due.
pub async fn run_open_loop(
    url: &str,
    headers: Vec<(String, String)>,
    body: serde_json::Value,
    rate: f64,
    duration: Duration,
) -> LoadReport {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap_or_default();
    let latencies = Arc::new(Mutex::new(histogram()));
    let failed = Arc::new(Mutex::new(0usize));
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let started = Instant::now();
    let total = (duration.as_secs_f64() * rate) as u64;
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, url, headers, body) = (
            client.clone(),
            url.to_owned(),
            headers.clone(),
            body.clone(),
        );
        let (latencies, failed) = (latencies.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            if send(&client, &url, &headers, &body).await {
                let mut latencies = latencies.lock().unwrap_or_else(|e| e.into_inner());
                record(&mut latencies, due.elapsed());
            } else {
                *failed.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let latencies = latencies.lock().unwrap_or_else(|e| e.into_inner());
    let failed = *failed.lock().unwrap_or_else(|e| e.into_inner());
    report(&latencies, failed, elapsed)
}
