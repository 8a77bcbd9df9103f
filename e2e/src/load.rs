//! A small closed-loop HTTP load generator for the benchmarks: `concurrency` workers send
//! the same POST for a fixed duration; latencies give requests/s, p50 and p99.

use std::time::{Duration, Instant};

/// What one run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Completed successful requests per second.
    pub requests_per_second: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Successful requests.
    pub ok: usize,
    /// Failed requests (non-2xx, GraphQL errors or transport errors).
    pub failed: usize,
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
            let mut latencies = Vec::new();
            let mut failed = 0usize;
            while Instant::now() < deadline {
                let mut request = client.post(&url).json(&body);
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                let sent = Instant::now();
                let ok = match request.send().await {
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
                };
                if ok {
                    latencies.push(sent.elapsed());
                } else {
                    failed += 1;
                }
            }
            (latencies, failed)
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for worker in workers {
        if let Ok((mut l, f)) = worker.await {
            latencies.append(&mut l);
            failed += f;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| -> Duration {
        if latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index]
    };
    LoadReport {
        requests_per_second: latencies.len() as f64 / elapsed,
        p50: percentile(0.50),
        p99: percentile(0.99),
        ok: latencies.len(),
        failed,
    }
}
