//! What a run tells the platform while it runs: its lease renewed (and cancel requests
//! heard), its logs in batches and its progress.

use super::RunEnv;
use crate::{domain::run::RunEvent, platform::Platform};
use mediamagic_jobs::{commands::queue::Heartbeat, domain::Lease};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Why a run's lease ended while it ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LeaseLoss {
    /// The platform said the lease is gone (swept, revoked, or another worker holds it).
    Refused,
    /// This worker could not renew it for as long as a lease lasts (the database or the
    /// network away): the platform may not know yet.
    Unrenewed,
}

/// Renews the lease every `worker.heartbeat_ms`; fires `cancel` on a cancel request and
/// `lost` (with `cancel`) when the lease is gone: refused, or not renewed for as long as a
/// lease lasts (the database or the network away), since by then the sweeper may have
/// handed the job to another worker. Returns why the lease ended (it runs until aborted
/// otherwise).
pub(super) async fn keep_alive(
    env: RunEnv,
    lease: Lease,
    cancel: CancellationToken,
    lost: CancellationToken,
) -> LeaseLoss {
    let job = lease.job;
    let mut tick = tokio::time::interval(Duration::from_millis(env.config.heartbeat_ms.max(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let lease_lasts = env.platform.lease_lasts();
    let mut renewed = Instant::now();
    loop {
        tick.tick().await;
        let answer = tokio::time::timeout(lease_lasts, env.platform.heartbeat(&lease)).await;
        match answer {
            Ok(Ok(Heartbeat::Continue)) => renewed = Instant::now(),
            Ok(Ok(Heartbeat::Cancel(reason))) => {
                renewed = Instant::now();
                tracing::info!(job = %job, reason, "stopping a run on request");
                cancel.cancel();
            }
            Ok(Err(mediamagic_kit::ApiError::Conflict(_))) => {
                tracing::warn!(job = %job, "lost the lease of a running job; stopping it");
                lost.cancel();
                cancel.cancel();
                return LeaseLoss::Refused;
            }
            Ok(Err(e)) => tracing::warn!(job = %job, error = ?e, "a heartbeat failed"),
            Err(_) => tracing::warn!(job = %job, "a heartbeat timed out"),
        }
        if renewed.elapsed() >= lease_lasts {
            tracing::warn!(job = %job, "the lease could not be renewed in time; stopping the run");
            lost.cancel();
            cancel.cancel();
            return LeaseLoss::Unrenewed;
        }
    }
}

/// Sends log lines in batches (every 200 ms or 100 lines) and progress at most every
/// 250 ms (the last report always), until the run's event channel closes.
pub(super) async fn forward_events(
    platform: Platform,
    lease: Lease,
    mut events: mpsc::Receiver<RunEvent>,
) {
    let job = lease.job;
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut progress: Option<(f64, Option<String>)> = None;
    let batch_every = Duration::from_millis(200);
    let mut last_progress = Instant::now() - Duration::from_secs(1);
    let mut last_flush = Instant::now();
    let mut flush = tokio::time::interval(batch_every);
    loop {
        let open = tokio::select! {
            event = events.recv() => match event {
                Some(RunEvent::Log { stream, line }) => {
                    lines.push((stream.to_owned(), line));
                    true
                }
                Some(RunEvent::Progress { fraction, message }) => {
                    progress = Some((fraction, message));
                    true
                }
                Some(RunEvent::Node(node)) => {
                    platform.set_node(&lease, &node).await;
                    true
                }
                None => false,
            },
            _ = flush.tick() => true,
        };
        let due = !open || lines.len() >= 100 || last_flush.elapsed() >= batch_every;
        if due && !lines.is_empty() {
            last_flush = Instant::now();
            let batch = std::mem::take(&mut lines);
            if let Err(e) = platform.logs(&lease, batch).await {
                tracing::warn!(job = %job, error = ?e, "could not store log lines");
            }
        }
        if (!open || last_progress.elapsed() >= Duration::from_millis(250))
            && let Some((fraction, message)) = progress.take()
        {
            last_progress = Instant::now();
            if let Err(e) = platform.progress(&lease, fraction, message).await {
                tracing::debug!(job = %job, error = ?e, "could not report progress");
            }
        }
        if !open {
            return;
        }
    }
}
