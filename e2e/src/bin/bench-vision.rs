//! Benchmark: the catalogue's neural networks (`face-detect`, `background-remove`) through
//! the whole platform against the same Python programs run directly.
//!
//! For each model, a batch of `BENCH_IMAGES` (100) images (ten crops and scales of
//! scikit-image's astronaut photograph, each used in turn) is run:
//! - through the platform: every deployment created at once, `BENCH_SLOTS` (2) cpu slots,
//!   the sandbox on; images per second = the batch over the span from the first job's
//!   creation to the last one's end (server side);
//! - directly: the installed runtime's program (`/opt/mediamagic/runtimes/vision`) on the
//!   same files, `BENCH_SLOTS` at a time, each in a fresh directory, unsandboxed.
//!
//! Both start a Python interpreter per image. Target: the platform reaches at least 90% of
//! the direct rate (adds at most 10%). Run with `e2e/bench/run.sh vision` (release build,
//! after `scripts/install-runtime.sh vision`). Exits non-zero when a target is missed.

use anyhow::Context;
use mediamagic_e2e::{
    jobs::{deploy, upload, wait_for},
    media::ffmpeg_file,
    spawn_stack_with,
};
use mediamagic_jobs::commands::jobs::job_state;
use serde_json::json;
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

const RUNTIME: &str = "/opt/mediamagic/runtimes/vision";
const ASTRONAUT: &[u8] = include_bytes!("../../tests/fixtures/astronaut.jpg");

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Ten variants of the photograph (crops and scales), as JPEG files.
fn variants(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let source = dir.join("astronaut.jpg");
    std::fs::write(&source, ASTRONAUT)?;
    let mut files = Vec::new();
    for n in 0..10u32 {
        let size = 320 + 32 * n;
        let crop = 512 - 8 * n;
        let bytes = ffmpeg_file(
            &[
                "-i",
                &source.display().to_string(),
                "-vf",
                &format!("crop={crop}:{crop}:0:0,scale={size}:{size}"),
                "-frames:v",
                "1",
            ],
            "variant.jpg",
        );
        let path = dir.join(format!("variant-{n}.jpg"));
        std::fs::write(&path, bytes)?;
        files.push(path);
    }
    Ok(files)
}

/// Runs `program` on each of `images` (in turn, `count` runs), `slots` at a time; the wall
/// time of the batch.
fn direct(
    program: &str,
    args: &str,
    images: &[PathBuf],
    count: usize,
    slots: usize,
) -> anyhow::Result<Duration> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..slots)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if n >= count {
                            return Ok(());
                        }
                        let dir = tempfile::tempdir()?;
                        let status = std::process::Command::new(Path::new(RUNTIME).join(program))
                            .current_dir(dir.path())
                            .arg(&images[n % images.len()])
                            .arg(args)
                            .env_clear()
                            .env("PATH", "/usr/bin:/bin")
                            .stdout(std::process::Stdio::null())
                            .stderr(std::process::Stdio::null())
                            .status()?;
                        anyhow::ensure!(status.success(), "{program} failed");
                        anyhow::ensure!(dir.path().join("result.json").is_file(), "no result");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a direct run panicked"))??;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    anyhow::ensure!(
        Path::new(RUNTIME).join("runtime.json").is_file(),
        "the vision runtime is missing: run scripts/install-runtime.sh vision"
    );
    let count = knob("BENCH_IMAGES", 100) as usize;
    let slots = knob("BENCH_SLOTS", 2) as usize;
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.log.filter = "warn".into();
        if let Some(cpu) = config.worker.machine_types.get_mut("cpu") {
            cpu.slots = slots;
        }
    })
    .await;
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra).await?;
    let (token, _, _) = stack.sign_up("bench").await;
    let dir = tempfile::tempdir()?;
    let images = variants(dir.path())?;
    let mut ids = Vec::new();
    for (n, path) in images.iter().enumerate() {
        let bytes = std::fs::read(path)?;
        ids.push(
            upload(
                &stack,
                &token,
                &bytes,
                &format!("variant-{n}.jpg"),
                "image/jpeg",
            )
            .await,
        );
    }
    println!("{count} images per model, {slots} slots, one interpreter per image");
    println!("| model | platform (images/s) | direct (images/s) | platform / direct |");
    println!("|---|---|---|---|");
    let mut missed = Vec::new();
    for (model, program, argument) in [
        ("face-detect", "mm-face-detect", "min_score"),
        ("background-remove", "mm-background-remove", "threshold"),
    ] {
        // One unmeasured run each way: page cache and the first interpreter start.
        direct(program, "0.5", &images, slots, slots)?;
        let warm = deploy(
            &stack,
            &token,
            json!({"model": model, "args": {"image": ids[0], argument: 0.5}}),
        )
        .await;
        wait_for(
            &stack,
            &token,
            &warm,
            &["SUCCEEDED"],
            Duration::from_secs(120),
        )
        .await;

        let plain = direct(program, "0.5", &images, count, slots)?;
        let mut jobs = Vec::new();
        for n in 0..count {
            jobs.push(
                deploy(
                    &stack,
                    &token,
                    json!({"model": model, "args": {"image": ids[n % ids.len()], argument: 0.5}}),
                )
                .await,
            );
        }
        let (mut first, mut last) = (None, None);
        for id in &jobs {
            let done = wait_for(
                &stack,
                &token,
                id,
                &["SUCCEEDED", "FAILED"],
                Duration::from_secs(900),
            )
            .await;
            anyhow::ensure!(done["status"] == "SUCCEEDED", "{model} failed: {done}");
            let (job, _) = job_state(&deps, id.parse()?)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .context("job gone")?;
            let finished = job.finished_at.context("not finished")?;
            first = Some(
                first.map_or(job.created_at, |f: chrono::DateTime<chrono::Utc>| {
                    f.min(job.created_at)
                }),
            );
            last = Some(last.map_or(finished, |l: chrono::DateTime<chrono::Utc>| l.max(finished)));
        }
        let span = (last.context("no jobs")? - first.context("no jobs")?)
            .to_std()
            .unwrap_or_default();
        let platform_rate = count as f64 / span.as_secs_f64();
        let direct_rate = count as f64 / plain.as_secs_f64();
        let ratio = platform_rate / direct_rate;
        println!("| {model} | {platform_rate:.2} | {direct_rate:.2} | {ratio:.2} |");
        if ratio < 0.9 {
            missed.push(format!(
                "{model}: the platform reached {ratio:.2} of the direct rate"
            ));
        }
    }
    if missed.is_empty() {
        println!("targets met");
        Ok(())
    } else {
        anyhow::bail!("missed: {}", missed.join("; "))
    }
}
