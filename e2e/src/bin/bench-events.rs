//! Benchmark: event-trigger delivery throughput and latency with a no-op handler.
//!
//! Burst: inserts `BENCH_EVENTS` rows (default 20,000) into a triggered table in transactions
//! of 100 and reports events delivered per second. Paced: then commits one row every 5 ms for
//! 3 s and reports commit-to-handler latency p50/p99 (a burst measures queueing instead).
//! Targets: at least 1,000 events/s; p50 under 20 ms. Run with `e2e/bench/run.sh events`.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use mediamagic_kit::{
    db,
    events::{
        Trigger, TriggerConfig,
        dispatcher::{Dispatcher, EventMetrics},
    },
    metrics::Metrics,
    testing,
};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let url = testing::test_database().await;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    conn.batch_execute(
        "CREATE TABLE public.bench (id uuid PRIMARY KEY, n integer NOT NULL);
         SELECT events.attach('bench_inserted', 'public.bench', ARRAY['INSERT']);",
    )
    .await?;
    let pool = db::pool(&url, 16)?;
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let recorded = latencies.clone();
    let trigger = Trigger::new(
        "bench_inserted",
        TriggerConfig {
            concurrency: 64,
            ..TriggerConfig::default()
        },
        move |event| {
            let recorded = recorded.clone();
            async move {
                let created = chrono::DateTime::parse_from_rfc3339(&event.created_at)
                    .map_err(|e| e.to_string())?;
                let latency = (chrono::Utc::now() - created.with_timezone(&chrono::Utc))
                    .num_microseconds()
                    .unwrap_or(0) as f64
                    / 1e6;
                recorded.lock().map_err(|e| e.to_string())?.push(latency);
                Ok(())
            }
        },
    );
    let metrics = Metrics::new("bench")?;
    let shutdown = CancellationToken::new();
    tokio::spawn(
        Dispatcher::new(
            pool,
            &url,
            vec![trigger],
            EventMetrics::new(&metrics.registry)?,
        )
        .run(shutdown.clone()),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    for batch in 0..total.div_ceil(100) {
        let rows = (0..100.min(total - batch * 100))
            .map(|i| format!("(gen_random_uuid(), {})", batch * 100 + i))
            .collect::<Vec<_>>()
            .join(",");
        conn.batch_execute(&format!("INSERT INTO public.bench VALUES {rows}"))
            .await?;
    }
    let inserted = started.elapsed();
    wait_for(&latencies, total).await?;
    let elapsed = started.elapsed();
    let rate = total as f64 / elapsed.as_secs_f64();

    latencies
        .lock()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .clear();
    let paced_started = Instant::now();
    let mut paced = 0;
    while paced_started.elapsed() < Duration::from_secs(3) {
        conn.batch_execute(&format!(
            "INSERT INTO public.bench VALUES (gen_random_uuid(), {paced})"
        ))
        .await?;
        paced += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    wait_for(&latencies, paced).await?;
    shutdown.cancel();

    let mut latencies = latencies
        .lock()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .clone();
    latencies.sort_by(f64::total_cmp);
    let percentile =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize] * 1000.0;
    println!(
        "burst: {total} events inserted in {:.2} s, all delivered after {:.2} s",
        inserted.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!("throughput: {rate:.0} events/s (target: at least 1000)");
    println!(
        "paced ({paced} events, one commit every 5 ms): commit-to-handler p50 {:.1} ms, p99 {:.1} ms (target: p50 under 20 ms)",
        percentile(0.5),
        percentile(0.99)
    );
    if rate < 1_000.0 || percentile(0.5) >= 20.0 {
        anyhow::bail!("target missed");
    }
    Ok(())
}

async fn wait_for(latencies: &Arc<Mutex<Vec<f64>>>, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while latencies.lock().map(|l| l.len()).unwrap_or(0) < n {
        if Instant::now() > deadline {
            anyhow::bail!("not every event was delivered within 300 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
