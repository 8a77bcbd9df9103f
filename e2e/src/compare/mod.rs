//! Side-by-side benchmarks against the tools users would pick instead, in one run on one
//! machine (`e2e/bench/run.sh compare`): [`gateways`] (our router against Apollo Gateway and
//! Hive Gateway), [`queue`] (our job queue against graphile-worker and the pgbench ceiling of
//! our claim SQL), [`events`] (our event triggers against graphile-worker fed by a trigger)
//! and [`subscriptions`] (thousands of job subscriptions through the router). Each pair
//! returns its figures and the targets it checked; the binary prints one table and writes it
//! as JSON. `e2e/tests/bench_compare_smoke.rs` runs every pair at a tiny size (no targets).

pub mod events;
pub mod gateways;
pub mod graphile;
pub mod queue;
pub mod subscriptions;

use serde::Serialize;
use std::time::Duration;

/// A knob from the environment (`BENCH_*`), or its default.
pub fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One measured figure.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    /// The pair (`queue`, `events`, ...).
    pub pair: &'static str,
    /// What was measured (`drain of 20000`, ...).
    pub case: String,
    /// Who (`mediamagic`, `graphile-worker`, ...).
    pub subject: String,
    /// The figure's name (`jobs/s`, `p50 ms`, ...).
    pub metric: String,
    /// Its value.
    pub value: f64,
}

/// A target a pair checked.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// The pair.
    pub pair: &'static str,
    /// What the target says, with the measured value.
    pub description: String,
    /// Whether it was met.
    pub met: bool,
}

/// What one pair measured.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PairReport {
    /// The figures.
    pub figures: Vec<Figure>,
    /// The targets (empty in smoke runs).
    pub targets: Vec<Target>,
    /// Remarks: what limits a missed target, how it was measured.
    pub notes: Vec<String>,
}

impl PairReport {
    /// Adds a figure.
    pub fn figure(
        &mut self,
        pair: &'static str,
        case: impl Into<String>,
        subject: impl Into<String>,
        metric: impl Into<String>,
        value: f64,
    ) {
        self.figures.push(Figure {
            pair,
            case: case.into(),
            subject: subject.into(),
            metric: metric.into(),
            value,
        });
    }

    /// Adds a target (only in full runs).
    pub fn target(&mut self, full: bool, pair: &'static str, description: String, met: bool) {
        if full {
            self.targets.push(Target {
                pair,
                description,
                met,
            });
        }
    }

    /// Adds a note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Appends another report.
    pub fn extend(&mut self, other: PairReport) {
        self.figures.extend(other.figures);
        self.targets.extend(other.targets);
        self.notes.extend(other.notes);
    }
}

/// Milliseconds of a duration, as a figure.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Resident memory of process `pid` in bytes (VmRSS).
pub fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// CPU time (user + system) of process `pid` so far.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // Linux reports CPU time in clock ticks of 1/100 s.
    Duration::from_millis(ticks * 10)
}

/// Milliseconds since the Unix epoch, as the peers' clocks report them.
pub fn epoch_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A private model of `token`'s account that runs `true` on `machine_type`, without
/// arguments: a no-op job per deployment. Returns its id.
pub async fn noop_model(
    stack: &crate::TestStack,
    token: &str,
    machine_type: &str,
) -> anyhow::Result<String> {
    let model = stack
        .gql(
            crate::Cred::Bearer(token),
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            serde_json::json!({"i": {"name": "noop", "container": "debian", "command": "true",
                         "invocation": "EXEC", "machineType": machine_type}}),
        )
        .await;
    model
        .data("/createModel/id")
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no model: {}", model.body))
}
