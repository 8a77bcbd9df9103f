//! Database rows (columns are described in the migration).
#![allow(missing_docs)]

use super::schema::{agents, runs, workers};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A row of `worker.workers`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = workers)]
pub struct WorkerRow {
    pub id: String,
    pub hostname: String,
    pub driver: String,
    pub sandbox: String,
    pub capacity: serde_json::Value,
    pub busy: i32,
    pub started_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Runtimes installed (`vision`).
    pub runtimes: Vec<String>,
    /// The agent it runs as (none: an in-cluster worker).
    pub agent_id: Option<Uuid>,
    /// Its GPUs as it last read them (`WorkerGpu`s).
    pub gpus: serde_json::Value,
}

/// A row of `worker.agents`.
#[derive(Clone, Debug, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = agents)]
pub struct AgentRow {
    pub id: Uuid,
    pub name: String,
    pub machine_types: Vec<String>,
    pub site: Option<String>,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub version: Option<String>,
}

/// A row of `worker.runs`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = runs)]
pub struct RunRow {
    pub job_id: Uuid,
    pub attempt: i32,
    pub worker_id: String,
    pub driver: String,
    pub node: Option<String>,
    pub machine_type: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}
