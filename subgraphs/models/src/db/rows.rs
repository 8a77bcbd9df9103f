//! Database rows and their conversion from and to the domain types.

use super::schema::{model_versions, models};
use crate::domain::{
    args::ArgSchema,
    model::{ModelSpec, OutputSpec, RunSpec},
    render::InvocationKind,
    sandbox::ModelLimits,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A row of `models.models`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = models)]
pub struct ModelRow {
    /// The internal key versions and billing refer to; never shown to clients.
    pub id: Uuid,
    /// The id clients address the model by: unique among its owner's models and among
    /// public ones; equal to `id` unless its account chose an id another account's model
    /// already held as its key.
    pub external_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub owner_kind: Option<String>,
    pub slug: Option<String>,
    pub public: bool,
    pub name: String,
    pub description: String,
    pub icon: Option<String>,
    pub tags: Vec<String>,
    pub example_outputs: Vec<String>,
    pub hidden: bool,
    pub expected_runtime_seconds: Option<i32>,
    pub latest_version: i32,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The metadata columns an update may change.
#[derive(Clone, Debug, AsChangeset)]
#[diesel(table_name = models)]
#[diesel(treat_none_as_null = true)]
pub struct ModelChanges {
    pub public: bool,
    pub name: String,
    pub description: String,
    pub icon: Option<String>,
    pub tags: Vec<String>,
    pub example_outputs: Vec<String>,
    pub hidden: bool,
    pub expected_runtime_seconds: Option<i32>,
    pub latest_version: i32,
    pub updated_at: DateTime<Utc>,
}

/// A row of `models.model_versions`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = model_versions)]
pub struct VersionRow {
    pub id: Uuid,
    pub model_id: Uuid,
    pub version: i32,
    pub container: String,
    pub command: String,
    pub invocation: String,
    pub args: serde_json::Value,
    pub machine_type: String,
    pub machine_count: i32,
    pub timeout_seconds: i32,
    pub outputs: serde_json::Value,
    pub network: bool,
    pub limits: serde_json::Value,
    pub runtime: Option<String>,
    pub result: Option<serde_json::Value>,
    pub observed_runtime_seconds: Option<i32>,
    pub jobs_count: i64,
    pub created_at: DateTime<Utc>,
}

/// The text stored for an invocation kind.
pub fn invocation_text(kind: InvocationKind) -> &'static str {
    match kind {
        InvocationKind::Exec => "exec",
        InvocationKind::Http => "http",
    }
}

impl VersionRow {
    /// A new version `version` of `model_id` running `run`.
    pub fn new(model_id: Uuid, version: i32, run: &RunSpec, at: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            model_id,
            version,
            container: run.container.clone(),
            command: run.command.clone(),
            invocation: invocation_text(run.invocation).to_owned(),
            args: serde_json::to_value(&run.args).unwrap_or_default(),
            machine_type: run.machine_type.clone(),
            machine_count: run.machine_count,
            timeout_seconds: run.timeout_seconds,
            outputs: serde_json::to_value(&run.outputs).unwrap_or_default(),
            network: run.network,
            limits: serde_json::to_value(run.limits).unwrap_or_default(),
            runtime: run.runtime.clone(),
            result: run
                .result
                .as_ref()
                .and_then(|r| serde_json::to_value(r).ok()),
            observed_runtime_seconds: None,
            jobs_count: 0,
            created_at: at,
        }
    }

    /// What this version runs (stored rows were valid when written).
    pub fn run_spec(&self) -> Result<RunSpec, serde_json::Error> {
        Ok(RunSpec {
            container: self.container.clone(),
            command: self.command.clone(),
            invocation: self.invocation_kind(),
            args: self.arg_schema()?,
            machine_type: self.machine_type.clone(),
            machine_count: self.machine_count,
            timeout_seconds: self.timeout_seconds,
            outputs: self.output_specs()?,
            network: self.network,
            limits: self.model_limits()?,
            runtime: self.runtime.clone(),
            result: self
                .result
                .clone()
                .map(serde_json::from_value)
                .transpose()?,
        })
    }

    /// The model's own resource limits.
    pub fn model_limits(&self) -> Result<ModelLimits, serde_json::Error> {
        serde_json::from_value(self.limits.clone())
    }

    /// The invocation kind.
    pub fn invocation_kind(&self) -> InvocationKind {
        if self.invocation == "http" {
            InvocationKind::Http
        } else {
            InvocationKind::Exec
        }
    }

    /// The argument schema.
    pub fn arg_schema(&self) -> Result<ArgSchema, serde_json::Error> {
        serde_json::from_value(self.args.clone())
    }

    /// The declared outputs.
    pub fn output_specs(&self) -> Result<Vec<OutputSpec>, serde_json::Error> {
        serde_json::from_value(self.outputs.clone())
    }
}

impl ModelRow {
    /// A new model at version 1 described by `spec`, with `id` as both its key and its client
    /// id, owned by `owner` (account and kind; `None` for the catalogue).
    pub fn new(id: Uuid, owner: Option<(Uuid, &str)>, spec: &ModelSpec, at: DateTime<Utc>) -> Self {
        Self {
            id,
            external_id: id,
            owner_id: owner.map(|(account, _)| account),
            owner_kind: owner.map(|(_, kind)| kind.to_owned()),
            slug: None,
            public: spec.public,
            name: spec.name.clone(),
            description: spec.description.clone(),
            icon: spec.icon.clone(),
            tags: spec.tags.clone(),
            example_outputs: spec.example_outputs.clone(),
            hidden: spec.hidden,
            expected_runtime_seconds: spec.expected_runtime_seconds,
            latest_version: 1,
            deleted_at: None,
            created_at: at,
            updated_at: at,
        }
    }
}

impl ModelChanges {
    /// The metadata of `spec`, at version `latest_version`.
    pub fn from_spec(spec: &ModelSpec, latest_version: i32, at: DateTime<Utc>) -> Self {
        Self {
            public: spec.public,
            name: spec.name.clone(),
            description: spec.description.clone(),
            icon: spec.icon.clone(),
            tags: spec.tags.clone(),
            example_outputs: spec.example_outputs.clone(),
            hidden: spec.hidden,
            expected_runtime_seconds: spec.expected_runtime_seconds,
            latest_version,
            updated_at: at,
        }
    }
}
