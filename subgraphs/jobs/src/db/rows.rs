//! Database rows (columns are described in the migration).
#![allow(missing_docs)]

use super::schema::{callback_attempts, deployments, job_control, job_logs, jobs};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A row of `jobs.deployments`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployments)]
pub struct DeploymentRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_kind: String,
    pub name: String,
    pub model_id: Uuid,
    pub model_version_id: Uuid,
    pub model_version: i32,
    pub args: serde_json::Value,
    pub callback_url: Option<String>,
    pub callback_on_start: bool,
    pub idempotency_key: Option<String>,
    pub request_hash: String,
    pub created_at: DateTime<Utc>,
    /// Add the result's proposed tags to the input media (models that declare them only).
    pub apply_tags: bool,
}

/// A row of `jobs.jobs`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: Uuid,
    pub deployment_id: Uuid,
    pub owner_id: Uuid,
    pub owner_kind: String,
    pub model_version_id: Uuid,
    pub machine_type: String,
    pub status: String,
    pub progress: f64,
    pub message: Option<String>,
    pub attempts: i32,
    pub error: Option<serde_json::Value>,
    pub outputs: Vec<Uuid>,
    pub cancel_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The structured result of a succeeded run (checked against its model's schema).
    pub result: Option<serde_json::Value>,
    /// The callbacks its deployment asked for (`domain::Callbacks`).
    pub callbacks: String,
}

/// A row of `jobs.job_control`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = job_control)]
pub struct ControlRow {
    pub job_id: Uuid,
    pub queued_at: DateTime<Utc>,
    pub timeout_seconds: i32,
    pub max_attempts: i32,
    pub worker_id: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The queueing request's trace context (`{"trace_id", "span_id"}`), when traced.
    pub trace_context: Option<serde_json::Value>,
}

/// A row of `jobs.job_logs`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = job_logs)]
pub struct LogRow {
    pub seq: i64,
    pub job_id: Uuid,
    pub attempt: i32,
    pub stream: String,
    pub line: String,
    pub created_at: DateTime<Utc>,
}

/// A new log line.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = job_logs)]
pub struct NewLogRow {
    pub job_id: Uuid,
    pub attempt: i32,
    pub stream: String,
    pub line: String,
    /// The agent's number for the line (per attempt), when an agent sent it.
    pub sent_seq: Option<i64>,
}

/// A row of `jobs.callback_attempts`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = callback_attempts)]
pub struct CallbackAttemptRow {
    pub id: i64,
    pub job_id: Uuid,
    pub webhook_id: String,
    pub event: String,
    pub url: String,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    pub created_at: DateTime<Utc>,
}

/// A new callback attempt.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = callback_attempts)]
pub struct NewCallbackAttempt {
    pub job_id: Uuid,
    pub webhook_id: String,
    pub event: String,
    pub url: String,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}
