//! The billing subgraph's event handlers.
//!
//! `job_usage` (jobs.jobs UPDATE of `status`): a job that finished records a usage line per
//! attempt that ran. Idempotent: lines are unique per job and attempt.
//! `budget_exceeded` (billing.budget_alerts INSERT): an account reached its budget; logged
//! here, and delivered to any Hasura or webhook subscriber configured for the trigger.

use crate::{BillingDeps, commands::usage::record_job};
use chrono::Utc;
use mediamagic_kit::events::{HandlerResult, HasuraEvent, Trigger, TriggerConfig};
use std::collections::HashMap;
use uuid::Uuid;

/// Finished jobs become usage (attached in the `billing` migration).
pub const JOB_USAGE: &str = "job_usage";
/// An account reached its monthly budget.
pub const BUDGET_EXCEEDED: &str = "budget_exceeded";
/// Every trigger this subgraph handles.
pub const TRIGGERS: &[&str] = &[JOB_USAGE, BUDGET_EXCEEDED];

/// Every trigger this subgraph owns, with settings from `configs` (by name) or defaults.
pub fn triggers(deps: &BillingDeps, configs: &HashMap<String, TriggerConfig>) -> Vec<Trigger> {
    let usage_deps = deps.clone();
    vec![
        Trigger::new(
            JOB_USAGE,
            configs.get(JOB_USAGE).cloned().unwrap_or_default(),
            move |event| {
                let deps = usage_deps.clone();
                async move { job_usage(&deps, event).await }
            },
        ),
        Trigger::new(
            BUDGET_EXCEEDED,
            configs.get(BUDGET_EXCEEDED).cloned().unwrap_or_default(),
            |event| async move { budget_exceeded(event) },
        ),
    ]
}

fn field<'a>(row: Option<&'a serde_json::Value>, name: &str) -> Option<&'a str> {
    row?.get(name)?.as_str()
}

async fn job_usage(deps: &BillingDeps, event: HasuraEvent) -> HandlerResult {
    let new = event.event.data.new.as_ref();
    let Some(id) = field(new, "id").and_then(|s| Uuid::parse_str(s).ok()) else {
        return Ok(());
    };
    if !matches!(
        field(new, "status"),
        Some("succeeded" | "failed" | "cancelled")
    ) {
        return Ok(());
    }
    record_job(deps, id, Utc::now())
        .await
        .map(|_| ())
        .map_err(|e| format!("recording the usage of job {id}: {e:?}"))
}

fn budget_exceeded(event: HasuraEvent) -> HandlerResult {
    let new = event.event.data.new.as_ref();
    tracing::warn!(
        account = field(new, "account_id").unwrap_or("?"),
        period = field(new, "period_start").unwrap_or("?"),
        spent = ?new.and_then(|n| n.get("spent")),
        limit = ?new.and_then(|n| n.get("monthly_limit")),
        "an account reached its monthly budget"
    );
    Ok(())
}
