//! Benchmark: the worker on the local driver, through the whole platform (router, jobs,
//! worker, media, storage).
//!
//! 1. `audio-extract` on a `BENCH_VIDEO_SECONDS` (60) s test video: wall time from the
//!    job's creation to its end (`finished_at - created_at`, server side: claimed, input
//!    fetched, ffmpeg run, output stored, verified and registered), against plain `ffmpeg`
//!    with the same arguments on the same file. Median of `BENCH_RUNS` (3) each. Target:
//!    ratio at most 1.2. The client-observed time (deployment request to a poll seeing
//!    SUCCEEDED, polled every 50 ms) is printed too. Measuring starts once the input video's
//!    own processing (ffprobe, thumbnail) is done, after one unmeasured warm-up run, and
//!    each run starts once the previous output's processing is done: background work of
//!    earlier uploads is not the job's cost.
//! 2. Enqueue-to-running latency with an idle worker: `BENCH_LATENCY_JOBS` (50) deployments
//!    one after another, each finished before the next; latency = the job's
//!    `started_at - created_at` (both server side). Target: p50 under 50 ms.
//!
//! Run with `e2e/bench/run.sh worker` (release build). Exits non-zero when a target is missed.

use anyhow::Context;
use mediamagic_e2e::{
    jobs::{deploy, upload, wait_for},
    media::{ffmpeg_file, mp3},
    spawn_stack_with,
};
use mediamagic_jobs::commands::jobs::job_state;
use serde_json::json;
use std::time::{Duration, Instant};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Waits until the media service has processed `media` (ffprobe metadata stored).
async fn processed(
    stack: &mediamagic_e2e::TestStack,
    token: &str,
    media: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = stack
            .gql(
                mediamagic_e2e::Cred::Bearer(token),
                "query($id: ID!) { media(id: $id) { status metadata { format } } }",
                json!({"id": media}),
            )
            .await;
        let media_now = &answer.body["data"]["media"];
        if !media_now["metadata"].is_null() || media_now["status"] == "FAILED" {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "media {media} was never processed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Plain ffmpeg with `audio-extract`'s arguments, in a fresh directory.
fn plain_ffmpeg(video: &[u8]) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("input.mp4");
    std::fs::write(&input, video)?;
    let started = Instant::now();
    let status = std::process::Command::new("ffmpeg")
        .current_dir(dir.path())
        .args(["-hide_banner", "-nostdin", "-y", "-i"])
        .arg(&input)
        .args([
            "-vn",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "192k",
            "-progress",
            "pipe:1",
            "-nostats",
            "audio.mp3",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "ffmpeg failed");
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = knob("BENCH_VIDEO_SECONDS", 60);
    let runs = knob("BENCH_RUNS", 3) as usize;
    let latency_jobs = knob("BENCH_LATENCY_JOBS", 50) as usize;
    // BENCH_SANDBOX=none measures the same runs without the sandbox, for its cost.
    let sandbox = std::env::var("BENCH_SANDBOX").unwrap_or_else(|_| "bubblewrap".into());
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.log.filter = "warn".into();
        if sandbox == "none" {
            config.worker.sandbox = mediamagic_worker::config::SandboxMode::None;
        }
    })
    .await;
    println!("worker sandbox: {sandbox}");
    let (token, _, _) = stack.sign_up("bench").await;
    let duration = seconds.to_string();
    let video = ffmpeg_file(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x360:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            &duration,
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
        "long.mp4",
    );
    let video_id = upload(&stack, &token, &video, "long.mp4", "video/mp4").await;
    processed(&stack, &token, &video_id).await?;

    // 1. audio-extract against plain ffmpeg.
    let deps = mediamagic::stack::jobs_deps(&stack.config, &stack.infra).await?;
    let mut plain = Vec::new();
    let mut platform = Vec::new();
    let mut observed = Vec::new();
    for run in 0..=runs {
        let measured = run > 0;
        if measured {
            plain.push(plain_ffmpeg(&video)?);
        }
        let started = Instant::now();
        let id = deploy(
            &stack,
            &token,
            json!({"model": "audio-extract", "args": {"video": video_id, "bitrate": 192}}),
        )
        .await;
        let done = wait_for(
            &stack,
            &token,
            &id,
            &["SUCCEEDED", "FAILED"],
            Duration::from_secs(600),
        )
        .await;
        anyhow::ensure!(
            done["status"] == "SUCCEEDED",
            "audio-extract failed: {done}"
        );
        let elapsed = started.elapsed();
        if let Some(output) = done["outputs"][0]["id"].as_str() {
            processed(&stack, &token, output).await?;
        }
        if !measured {
            continue;
        }
        observed.push(elapsed);
        let (job, _) = job_state(&deps, id.parse()?)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .context("job gone")?;
        let finished = job.finished_at.context("not finished")?;
        platform.push((finished - job.created_at).to_std().unwrap_or_default());
    }
    let (plain, platform, observed) = (median(plain), median(platform), median(observed));
    let ratio = platform.as_secs_f64() / plain.as_secs_f64();

    // 2. Enqueue-to-running latency with an idle worker.
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let mut latencies = Vec::new();
    for _ in 0..latency_jobs {
        let id = deploy(
            &stack,
            &token,
            json!({"model": "audio-extract", "args": {"video": song, "bitrate": 64}}),
        )
        .await;
        wait_for(
            &stack,
            &token,
            &id,
            &["SUCCEEDED", "FAILED"],
            Duration::from_secs(60),
        )
        .await;
        let (job, _) = job_state(&deps, id.parse()?)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .context("job gone")?;
        let started = job.started_at.context("never started")?;
        latencies.push((started - job.created_at).to_std().unwrap_or_default());
    }
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[((latencies.len() as f64 - 1.0) * 0.99).round() as usize];

    println!("audio-extract on a {seconds} s video (median of {runs}):");
    println!("  plain ffmpeg      {:>8.3} s", plain.as_secs_f64());
    println!(
        "  through platform  {:>8.3} s   (job created to finished)",
        platform.as_secs_f64()
    );
    println!(
        "  client observed   {:>8.3} s   (request to a poll seeing SUCCEEDED)",
        observed.as_secs_f64()
    );
    println!("  ratio             {ratio:>8.2}   (target <= 1.2)");
    println!("enqueue-to-running with an idle worker ({latency_jobs} jobs):");
    println!(
        "  p50 {:>6.1} ms   (target < 50 ms)",
        p50.as_secs_f64() * 1e3
    );
    println!("  p99 {:>6.1} ms", p99.as_secs_f64() * 1e3);
    let mut missed = Vec::new();
    if ratio > 1.2 {
        missed.push(format!("wall-time ratio {ratio:.2} > 1.2"));
    }
    if p50 >= Duration::from_millis(50) {
        missed.push(format!("p50 {p50:?} >= 50 ms"));
    }
    anyhow::ensure!(missed.is_empty(), "targets missed: {}", missed.join("; "));
    Ok(())
}
