//! The events pair: our event triggers (Hasura-format events written by a trigger, woken by
//! NOTIFY, claimed in batches) against graphile-worker fed by an `AFTER INSERT` trigger that
//! adds a job per row (the closest runnable stand-in for Hasura's event triggers, which poll
//! once a second in batches of 100). Both on the same Postgres, each with a no-op handler:
//! a burst of rows inserted in transactions of 100 (events/s until the last is handled),
//! then one commit every 5 ms for a few seconds (commit-to-handler p50/p99, from the time the
//! trigger fired).

use super::{PairReport, epoch_ms, graphile::GraphileWorker, ms};
use crate::{TestStack, load};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use mediamagic_kit::{
    db,
    events::{
        Trigger, TriggerConfig,
        dispatcher::{Dispatcher, EventMetrics},
    },
    metrics::Metrics,
};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio_util::sync::CancellationToken;

const PAIR: &str = "events";

/// Sizes of a run.
#[derive(Clone, Copy, Debug)]
pub struct EventSizes {
    /// Rows of the burst.
    pub burst: usize,
    /// Seconds of paced commits.
    pub paced_seconds: u64,
    /// Whether targets are checked.
    pub full: bool,
}

/// Inserts `count` rows into `table` in transactions of 100.
async fn burst(conn: &mut AsyncPgConnection, table: &str, count: usize) -> anyhow::Result<()> {
    for batch in 0..count.div_ceil(100) {
        let rows = (0..100.min(count - batch * 100))
            .map(|i| format!("({})", batch * 100 + i))
            .collect::<Vec<_>>()
            .join(",");
        conn.batch_execute(&format!("INSERT INTO {table} (n) VALUES {rows}"))
            .await?;
    }
    Ok(())
}

/// Commits one row every 5 ms for `seconds`; how many.
async fn paced(conn: &mut AsyncPgConnection, table: &str, seconds: u64) -> anyhow::Result<usize> {
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        let due = started + Duration::from_millis(5 * n as u64);
        tokio::time::sleep_until(due.into()).await;
        conn.batch_execute(&format!("INSERT INTO {table} (n) VALUES ({n})"))
            .await?;
        n += 1;
    }
    Ok(n)
}

fn percentiles(latencies: &[f64]) -> (f64, f64) {
    let mut histogram = load::histogram();
    for l in latencies {
        load::record(&mut histogram, Duration::from_secs_f64(l.max(0.0) / 1000.0));
    }
    (
        ms(load::percentile(&histogram, 50.0)),
        ms(load::percentile(&histogram, 99.0)),
    )
}

async fn wait_for(latencies: &Arc<Mutex<Vec<f64>>>, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while latencies.lock().map(|l| l.len()).unwrap_or(0) < n {
        anyhow::ensure!(
            Instant::now() < deadline,
            "not every event was handled within 300 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

/// Ours: (events/s of the burst, latencies of the paced run).
async fn ours(database_url: &str, sizes: EventSizes) -> anyhow::Result<(f64, Vec<f64>)> {
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    conn.batch_execute(
        "CREATE TABLE public.compare_events (id bigserial PRIMARY KEY, n integer NOT NULL);
         SELECT events.attach('compare_inserted', 'public.compare_events', ARRAY['INSERT']);",
    )
    .await?;
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let recorded = latencies.clone();
    let trigger = Trigger::new(
        "compare_inserted",
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
                    / 1000.0;
                recorded.lock().map_err(|e| e.to_string())?.push(latency);
                Ok(())
            }
        },
    );
    let metrics = Metrics::new("compare")?;
    let shutdown = CancellationToken::new();
    tokio::spawn(
        Dispatcher::new(
            db::pool(database_url, 16)?,
            database_url,
            vec![trigger],
            EventMetrics::new(&metrics.registry)?,
        )
        .run(shutdown.clone()),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    burst(&mut conn, "public.compare_events", sizes.burst).await?;
    wait_for(&latencies, sizes.burst).await?;
    let rate = sizes.burst as f64 / started.elapsed().as_secs_f64();
    latencies
        .lock()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .clear();
    let count = paced(&mut conn, "public.compare_events", sizes.paced_seconds).await?;
    wait_for(&latencies, count).await?;
    shutdown.cancel();
    let paced = latencies
        .lock()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .clone();
    Ok((rate, paced))
}

/// graphile-worker fed by a trigger: the same.
async fn theirs(database_url: &str, sizes: EventSizes) -> anyhow::Result<(f64, Vec<f64>)> {
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    conn.batch_execute(
        "CREATE TABLE public.compare_graphile (id bigserial PRIMARY KEY, n integer NOT NULL);
         CREATE FUNCTION public.compare_graphile_added() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           PERFORM graphile_worker.add_job('event', json_build_object(
             'n', NEW.n, 't', extract(epoch FROM clock_timestamp()) * 1000));
           RETURN NEW;
         END $$;
         CREATE TRIGGER compare_graphile_added AFTER INSERT ON public.compare_graphile
           FOR EACH ROW EXECUTE FUNCTION public.compare_graphile_added();",
    )
    .await?;
    let mut worker = GraphileWorker::start(database_url, 64, None, false).await?;
    let started = Instant::now();
    burst(&mut conn, "public.compare_graphile", sizes.burst).await?;
    let mut handled = 0;
    while handled < sizes.burst {
        if worker
            .next(Duration::from_secs(300))
            .await?
            .get("event")
            .is_some()
        {
            handled += 1;
        }
    }
    let rate = sizes.burst as f64 / started.elapsed().as_secs_f64();
    // The paced commits run while their events are read.
    let database_url = database_url.to_owned();
    let seconds = sizes.paced_seconds;
    let mut sender = Some(tokio::spawn(async move {
        let mut conn = AsyncPgConnection::establish(&database_url).await?;
        paced(&mut conn, "public.compare_graphile", seconds).await
    }));
    let mut latencies = Vec::new();
    let deadline = epoch_ms() + (seconds as f64 + 30.0) * 1000.0;
    let mut expected = None;
    loop {
        if let Some(task) = sender.take_if(|task| task.is_finished()) {
            expected = Some(task.await??);
            if expected == Some(latencies.len()) {
                break;
            }
            continue;
        }
        if let Ok(line) = worker.next(Duration::from_millis(200)).await
            && let Some(latency) = line["latency_ms"].as_f64()
        {
            latencies.push(latency);
            if expected == Some(latencies.len()) {
                break;
            }
        }
        anyhow::ensure!(
            epoch_ms() < deadline,
            "graphile-worker's paced events did not all arrive"
        );
    }
    Ok((rate, latencies))
}

/// Runs the pair.
pub async fn run(stack: &TestStack, sizes: EventSizes) -> anyhow::Result<PairReport> {
    let mut report = PairReport::default();
    let database_url = &stack.infra.database_url;
    super::graphile::migrate(database_url).await?;
    let (our_rate, our_paced) = ours(database_url, sizes).await?;
    let (their_rate, their_paced) = theirs(database_url, sizes).await?;
    let burst_case = format!("burst of {} rows (transactions of 100)", sizes.burst);
    let paced_case = format!("one commit every 5 ms for {} s", sizes.paced_seconds);
    for (subject, rate, paced) in [
        ("mediamagic event triggers", our_rate, &our_paced),
        (
            "graphile-worker (trigger + add_job)",
            their_rate,
            &their_paced,
        ),
    ] {
        let (p50, p99) = percentiles(paced);
        report.figure(PAIR, &burst_case, subject, "events/s", rate);
        report.figure(PAIR, &paced_case, subject, "commit-to-handler p50 ms", p50);
        report.figure(PAIR, &paced_case, subject, "commit-to-handler p99 ms", p99);
    }
    let (ours50, _) = percentiles(&our_paced);
    let (theirs50, _) = percentiles(&their_paced);
    report.target(
        sizes.full,
        PAIR,
        format!("burst {our_rate:.0} events/s >= graphile-worker's {their_rate:.0}"),
        our_rate >= their_rate,
    );
    report.target(
        sizes.full,
        PAIR,
        format!("commit-to-handler p50 {ours50:.1} ms <= graphile-worker's {theirs50:.1} ms"),
        ours50 <= theirs50,
    );
    Ok(report)
}
