//! The jobs subgraph's event handler.
//!
//! `job_status` (jobs.jobs INSERT, or UPDATE of `status`): a new job records its pinned
//! version in the models registry (so deleting the model hides it instead); a job that
//! starts (when asked) or finishes sends its callback. Status changes are captured only when
//! the job's `callbacks` say one is due (the trigger's WHEN condition). Idempotent: a delivery that succeeded
//! is not sent again, and recording a job only marks the version as used.

use crate::{
    JobsDeps,
    commands::callbacks::{CallbackEvent, deliver},
    domain::{Callbacks, JobStatus},
};
use mediamagic_kit::events::{HandlerResult, HasuraEvent, Trigger, TriggerConfig};
use std::collections::HashMap;
use uuid::Uuid;

/// Name of the trigger (attached in the `jobs` migration).
pub const JOB_STATUS: &str = "job_status";
/// Every trigger this subgraph handles.
pub const TRIGGERS: &[&str] = &[JOB_STATUS];

/// Every trigger this subgraph owns, with settings from `configs` (by name) or defaults.
pub fn triggers(deps: &JobsDeps, configs: &HashMap<String, TriggerConfig>) -> Vec<Trigger> {
    let config = configs.get(JOB_STATUS).cloned().unwrap_or_default();
    let deps = deps.clone();
    vec![Trigger::new(JOB_STATUS, config, move |event| {
        let deps = deps.clone();
        async move { job_status(&deps, event).await }
    })]
}

fn field<'a>(row: Option<&'a serde_json::Value>, name: &str) -> Option<&'a str> {
    row?.get(name)?.as_str()
}

async fn job_status(deps: &JobsDeps, event: HasuraEvent) -> HandlerResult {
    let new = event.event.data.new.as_ref();
    let old = event.event.data.old.as_ref();
    let Some(id) = field(new, "id").and_then(|s| Uuid::parse_str(s).ok()) else {
        return Ok(());
    };
    if event.event.op == "INSERT" {
        if let Some(version) = field(new, "model_version_id").and_then(|s| Uuid::parse_str(s).ok())
        {
            mediamagic_models::commands::models::record_job(&deps.models, version)
                .await
                .map_err(|e| format!("recording the job on its model version: {e:?}"))?;
        }
        return Ok(());
    }
    let status = field(new, "status").and_then(JobStatus::parse);
    if status.is_none() || field(old, "status") == field(new, "status") {
        return Ok(());
    }
    match status {
        Some(s) if s.is_terminal() => deliver(deps, id, CallbackEvent::Finished).await,
        Some(JobStatus::Running) => {
            // Events captured before jobs carried their callbacks ask the deployment.
            let wanted = match field(new, "callbacks") {
                Some(callbacks) => callbacks == Callbacks::StartAndEnd.as_str(),
                None => wants_start_callback(deps, id).await?,
            };
            if wanted {
                deliver(deps, id, CallbackEvent::Started).await
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

async fn wants_start_callback(deps: &JobsDeps, job: Uuid) -> Result<bool, String> {
    let mut conn = deps.pool.get().await.map_err(|e| e.to_string())?;
    let jobs = crate::db::jobs::by_ids(&mut conn, &[job])
        .await
        .map_err(|e| e.to_string())?;
    let Some(job) = jobs.first() else {
        return Ok(false);
    };
    let deployments = crate::db::deployments::by_ids(&mut conn, &[job.deployment_id])
        .await
        .map_err(|e| e.to_string())?;
    Ok(deployments
        .first()
        .is_some_and(|d| d.callback_on_start && d.callback_url.is_some()))
}
