//! Benchmark: backup and restore of the embedded cluster with pgBackRest, for a database of
//! a stated size.
//!
//! Starts `mediamagic dev` with backups on (a directory repository, encrypted, zstd), runs
//! one real job, then copies its row into `BENCH_JOBS` finished jobs (default 1,000,000;
//! triggers off while copying, so the event log does not grow with them). Then: a full
//! backup (`mediamagic backup --type full`), 1% more jobs and an incremental backup, the WAL
//! pushed (`backup check`), the stack stopped, the data directory removed, and `mediamagic
//! restore` to the last change, timed, with the repository's size. Run with
//! `e2e/bench/run.sh backup`; the figures go in docs/benchmarks.md.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use mediamagic_e2e::{
    dev::DevProcess,
    public_api::{resize, sign_up, upload},
    workspace_binary,
};
use serde_json::json;
use std::{
    path::Path,
    time::{Duration, Instant},
};

const ENV: &[(&str, &str)] = &[
    ("MEDIAMAGIC__BACKUP__ENABLED", "true"),
    ("MEDIAMAGIC__BACKUP__CIPHER_PASS", "bench passphrase"),
];

fn cli(data: &Path, args: &[&str]) -> anyhow::Result<(String, Duration)> {
    let started = Instant::now();
    let output = std::process::Command::new(workspace_binary("mediamagic"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("MEDIAMAGIC__DEV__DATA_DIR", data)
        .envs(ENV.iter().copied())
        .output()?;
    let took = started.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    anyhow::ensure!(output.status.success(), "mediamagic {args:?}: {text}");
    Ok((text, took))
}

fn dir_bytes(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_bytes(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}

/// One real finished job, whose row the copies repeat.
async fn template_job(base: &str) -> String {
    let (token, _) = sign_up(base, "bench").await;
    let media = upload(base, &token, "a.png").await;
    resize(base, &token, &media).await.0
}

async fn copy_jobs(url: &str, template: &str, count: usize) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    let mut done = 0;
    while done < count {
        let batch = (count - done).min(100_000);
        conn.batch_execute(&format!(
            "SET session_replication_role = replica;
             INSERT INTO jobs.jobs (id, deployment_id, owner_id, owner_kind, model_version_id,
                 machine_type, status, progress, attempts, outputs, created_at, started_at, finished_at)
             SELECT gen_random_uuid(), deployment_id, owner_id, owner_kind, model_version_id,
                 machine_type, 'succeeded', 1, 1, outputs, now() - g * interval '1 second',
                 now() - g * interval '1 second', now() - g * interval '1 second' + interval '2 seconds'
             FROM jobs.jobs, generate_series(1, {batch}) AS g WHERE id = '{template}';
             SET session_replication_role = origin;"
        ))
        .await?;
        done += batch;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jobs: usize = std::env::var("BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let data = dir.path();
    let dev = DevProcess::start_with(data, ENV).await;
    let base = dev.base();
    let template = template_job(&base).await;
    let port = mediamagic_kit::local_services::running_postgres_port(&data.join("postgres"))
        .ok_or_else(|| anyhow::anyhow!("dev's cluster is not running"))?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/mediamagic");

    let filled = Instant::now();
    copy_jobs(&url, &template, jobs).await?;
    let fill_seconds = filled.elapsed().as_secs_f64();
    let mut conn = AsyncPgConnection::establish(&url).await?;
    conn.batch_execute("CHECKPOINT").await?;
    drop(conn);
    let database_bytes = dir_bytes(&data.join("postgres"));

    let (_, full) = cli(data, &["backup", "--type", "full"])?;
    let after_full = dir_bytes(&data.join("backups"));
    copy_jobs(&url, &template, jobs / 100).await?;
    let (_, incr) = cli(data, &["backup", "--type", "incr"])?;
    let after_incr = dir_bytes(&data.join("backups"));
    cli(data, &["backup", "check"])?;
    dev.stop().await;

    std::fs::remove_dir_all(data.join("postgres"))?;
    let (_, restore) = cli(data, &["restore"])?;

    let report = json!({
        "jobs": jobs,
        "database_bytes": database_bytes,
        "fill_seconds": fill_seconds,
        "full_backup_seconds": full.as_secs_f64(),
        "repository_bytes_after_full": after_full,
        "incremental_backup_seconds": incr.as_secs_f64(),
        "repository_bytes_after_incremental": after_incr,
        "restore_seconds": restore.as_secs_f64(),
    });
    println!("| figure | value |\n|---|---|");
    println!("| jobs | {jobs} (+{} before the incremental) |", jobs / 100);
    println!(
        "| database on disk | {:.1} MB |",
        database_bytes as f64 / 1e6
    );
    println!("| full backup | {:.1} s |", full.as_secs_f64());
    println!(
        "| repository after it | {:.1} MB |",
        after_full as f64 / 1e6
    );
    println!("| incremental backup | {:.1} s |", incr.as_secs_f64());
    println!(
        "| repository after it (with the WAL) | {:.1} MB |",
        after_incr as f64 / 1e6
    );
    println!(
        "| restore (to the last change, replay included) | {:.1} s |",
        restore.as_secs_f64()
    );
    println!("{report}");
    Ok(())
}
