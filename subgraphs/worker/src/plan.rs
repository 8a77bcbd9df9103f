//! A run's plan, made in two halves so that a worker anywhere can run it: the platform
//! prepares what needs its data ([`prepare`]: the pinned model version, the deployment's
//! arguments, presigned URLs of the file arguments), and the worker that runs it checks what
//! depends on the worker ([`PreparedRun::into_plan`]: the runtime installed, the arguments
//! against the version's schema). The in-cluster worker does both in one process; an agent
//! gets the first half in its claim (the agent protocol).

use crate::{
    WorkerDeps,
    config::WorkerConfig,
    domain::run::{InputFile, RunEnd, RunPlan},
    error::WorkerError,
    media_client::MediaSession,
};
use mediamagic_jobs::{JobRow, commands::queue};
use mediamagic_models::domain::{args::ArgValue, model::RunSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The platform's half of a run's plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PreparedRun {
    /// The model's id (a bounded label for metrics, unlike a deployment's name).
    pub model: String,
    /// What runs (the pinned version's).
    pub run: RunSpec,
    /// The deployment's arguments, as given.
    pub args: serde_json::Map<String, serde_json::Value>,
    /// The file arguments with presigned URLs.
    pub inputs: Vec<InputFile>,
    /// The deployment asked that the result's proposed tags be added to the input.
    pub apply_tags: bool,
}

/// Prepares the platform's half of the plan of `job`, reading its inputs as `media`'s
/// attempt.
pub async fn prepare(
    deps: &WorkerDeps,
    job: &JobRow,
    media: &MediaSession,
) -> Result<PreparedRun, RunEnd> {
    let infrastructure = |e: &dyn std::fmt::Debug| RunEnd::Infrastructure(format!("{e:?}"));
    let (version, deployment) = tokio::join!(
        mediamagic_models::commands::models::version_by_id(&deps.jobs.models, job.model_version_id),
        queue::deployment_of(&deps.jobs, job),
    );
    let version = version.map_err(|e| match e {
        mediamagic_kit::ApiError::NotFound(_) => RunEnd::Failed {
            code: "MODEL_UNAVAILABLE".into(),
            message: "the job's model version no longer exists".into(),
        },
        other => infrastructure(&other),
    })?;
    let deployment = deployment.map_err(|e| infrastructure(&e))?;
    let args = deployment.args.as_object().cloned().unwrap_or_default();
    let values = validated(&version.run, &args)?;
    let files: Vec<(String, Uuid)> = values
        .iter()
        .filter_map(|(name, value)| match value {
            ArgValue::File(id) => Some((name.clone(), id.parse().ok()?)),
            _ => None,
        })
        .collect();
    let inputs = media.inputs(&files).await.map_err(|e| match e {
        WorkerError::Rejected(message) => RunEnd::Failed {
            code: "INPUT_UNAVAILABLE".into(),
            message,
        },
        other => RunEnd::Infrastructure(other.to_string()),
    })?;
    Ok(PreparedRun {
        model: deployment.model_id.to_string(),
        run: version.run,
        args,
        inputs,
        apply_tags: deployment.apply_tags,
    })
}

impl PreparedRun {
    /// The whole plan of attempt `attempt` of `job` (owned by `owner`) on the worker with
    /// `config`.
    pub fn into_plan(
        self,
        job: Uuid,
        attempt: i32,
        owner: Uuid,
        config: &WorkerConfig,
    ) -> Result<RunPlan, RunEnd> {
        if let Some(runtime) = &self.run.runtime {
            let installed =
                crate::domain::runtimes::installed(&config.program_dirs, &config.runtimes);
            if !installed.contains(runtime) {
                return Err(RunEnd::Failed {
                    code: "RUNTIME_MISSING".into(),
                    message: format!(
                        "this worker does not have the `{runtime}` runtime ({})",
                        crate::domain::runtimes::install_hint(runtime)
                    ),
                });
            }
        }
        let values = validated(&self.run, &self.args)?;
        Ok(RunPlan {
            job_id: job,
            attempt,
            owner_id: owner,
            model: self.model,
            run: self.run,
            values,
            inputs: self.inputs,
            apply_tags: self.apply_tags,
        })
    }
}

fn validated(
    run: &RunSpec,
    args: &serde_json::Map<String, serde_json::Value>,
) -> Result<BTreeMap<String, ArgValue>, RunEnd> {
    run.args.validate(args).map_err(|errors| {
        let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        RunEnd::Failed {
            code: "BAD_ARGS".into(),
            message: errors.join("; "),
        }
    })
}
