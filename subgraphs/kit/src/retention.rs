//! Retention: how long each kind of data is kept (`[retention]` of the platform config, and
//! per account in `accounts.retention_policies`), and the scheduled sweep each service runs
//! over the data it owns. A sweep deletes in batches (objects first, then rows), so a run cut
//! short by a crash or a deploy is finished by the next; it counts what it deleted in
//! `mediamagic_retention_deleted_total{kind}`.

use crate::ApiResult;
use futures::future::BoxFuture;
use serde::Deserialize;
use std::{future::Future, sync::Arc};
use tokio_cron_scheduler::{Job, JobScheduler};

/// Retention settings: the schedule and the defaults of every account's policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// When every service sweeps (cron with seconds; default hourly at minute 23).
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// Rows (or objects) deleted per statement.
    #[serde(default = "default_batch_size")]
    pub batch_size: i64,
    /// Batches per kind of data and run; the rest waits for the next run.
    #[serde(default = "default_max_batches")]
    pub max_batches: u32,
    /// What an account's policy says when it says nothing.
    #[serde(default)]
    pub defaults: RetentionDefaults,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            schedule: default_schedule(),
            batch_size: default_batch_size(),
            max_batches: default_max_batches(),
            defaults: RetentionDefaults::default(),
        }
    }
}

/// How long data is kept unless an account's policy says otherwise.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RetentionDefaults {
    /// Days a job's output media are kept (30).
    #[serde(default = "thirty")]
    pub job_outputs_days: i32,
    /// Days a job's log lines are kept (30).
    #[serde(default = "thirty")]
    pub job_logs_days: i32,
    /// Days uploaded (non-output) media are kept; absent: kept until deleted.
    #[serde(default)]
    pub source_media_days: Option<i32>,
    /// Days deleted and failed media rows are kept before they are removed for good (7).
    #[serde(default = "seven")]
    pub deleted_rows_days: i32,
    /// Days the callback attempts of a job are kept (14).
    #[serde(default = "fourteen")]
    pub callback_attempts_days: i32,
    /// Days expired sessions, refresh tokens, sign-ins and invites are kept (7).
    #[serde(default = "seven")]
    pub expired_sessions_days: i32,
    /// Hours an upload may stay unfinished before it is removed (24).
    #[serde(default = "twenty_four")]
    pub pending_uploads_hours: i32,
}

impl Default for RetentionDefaults {
    fn default() -> Self {
        Self {
            job_outputs_days: thirty(),
            job_logs_days: thirty(),
            source_media_days: None,
            deleted_rows_days: seven(),
            callback_attempts_days: fourteen(),
            expired_sessions_days: seven(),
            pending_uploads_hours: twenty_four(),
        }
    }
}

fn default_schedule() -> String {
    "0 23 * * * *".into()
}
fn default_batch_size() -> i64 {
    1000
}
fn default_max_batches() -> u32 {
    100
}
fn seven() -> i32 {
    7
}
fn fourteen() -> i32 {
    14
}
fn thirty() -> i32 {
    30
}
fn twenty_four() -> i32 {
    24
}

/// `mediamagic_retention_deleted_total{kind}` and `mediamagic_retention_sweeps_total{outcome}`.
#[derive(Clone)]
pub struct SweepMetrics {
    deleted: prometheus::IntCounterVec,
    sweeps: prometheus::IntCounterVec,
}

impl SweepMetrics {
    /// The counters, registered in `registry`.
    pub fn new(registry: &prometheus::Registry) -> Result<Self, prometheus::Error> {
        let deleted = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "retention_deleted_total",
                "Objects and rows removed by the retention sweep, by kind of data",
            ),
            &["kind"],
        )?;
        let sweeps = prometheus::IntCounterVec::new(
            prometheus::Opts::new("retention_sweeps_total", "Retention sweeps, by outcome"),
            &["outcome"],
        )?;
        registry.register(Box::new(deleted.clone()))?;
        registry.register(Box::new(sweeps.clone()))?;
        Ok(Self { deleted, sweeps })
    }
}

/// What one sweep removed: `(kind, how many)`.
pub type Swept = Vec<(&'static str, usize)>;

/// Runs `batch` until it removes fewer than `config.batch_size` (all done) or
/// `config.max_batches` ran; how many it removed in all.
pub async fn in_batches<F, Fut>(config: &RetentionConfig, mut batch: F) -> ApiResult<usize>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = ApiResult<usize>>,
{
    let mut total = 0;
    for _ in 0..config.max_batches.max(1) {
        let removed = batch(config.batch_size).await?;
        total += removed;
        if (removed as i64) < config.batch_size {
            break;
        }
    }
    Ok(total)
}

/// A service's sweep: removes what its policies say is due.
pub type Sweep = Arc<dyn Fn() -> BoxFuture<'static, ApiResult<Swept>> + Send + Sync>;

/// Adds `sweep` (named `service` in logs) to `scheduler` on `config.schedule`, or starts a
/// scheduler for it.
pub async fn schedule(
    scheduler: Option<JobScheduler>,
    config: &RetentionConfig,
    service: &'static str,
    metrics: SweepMetrics,
    sweep: Sweep,
) -> anyhow::Result<JobScheduler> {
    let scheduler = match scheduler {
        Some(scheduler) => scheduler,
        None => {
            let scheduler = JobScheduler::new().await?;
            scheduler.start().await?;
            scheduler
        }
    };
    scheduler
        .add(Job::new_async(config.schedule.as_str(), move |_, _| {
            let (sweep, metrics) = (sweep.clone(), metrics.clone());
            Box::pin(async move {
                match sweep().await {
                    Ok(swept) => {
                        metrics.sweeps.with_label_values(&["ok"]).inc();
                        for (kind, n) in swept.iter().filter(|(_, n)| *n > 0) {
                            metrics.deleted.with_label_values(&[kind]).inc_by(*n as u64);
                            tracing::info!(service, kind, removed = n, "retention sweep");
                        }
                    }
                    Err(err) => {
                        metrics.sweeps.with_label_values(&["failed"]).inc();
                        tracing::warn!(service, error = ?err, "retention sweep failed");
                    }
                }
            })
        })?)
        .await?;
    Ok(scheduler)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn batches_run_until_one_comes_back_short_or_the_cap() {
        let config = RetentionConfig {
            batch_size: 10,
            max_batches: 5,
            ..RetentionConfig::default()
        };
        let mut left = 25usize;
        let removed = in_batches(&config, |size| {
            let n = left.min(size as usize);
            left -= n;
            async move { Ok(n) }
        })
        .await
        .unwrap();
        assert_eq!((removed, left), (25, 0));

        let mut calls = 0;
        let capped = in_batches(&config, |size| {
            calls += 1;
            async move { Ok(size as usize) }
        })
        .await
        .unwrap();
        assert_eq!((capped, calls), (50, 5));
    }

    #[test]
    fn defaults_parse_from_an_empty_section() {
        let config: RetentionConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config.defaults, RetentionDefaults::default());
        assert_eq!(config.defaults.source_media_days, None);
    }
}
