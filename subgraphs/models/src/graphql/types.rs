//! GraphQL object and input types of the models subgraph.

use super::loaders::{ModelLoader, VersionByNumberLoader};
use crate::{
    ModelsDeps,
    db::rows::{ModelRow, VersionRow},
    domain::{
        model::{Classification, ModelDefinition, OutputSpec, classify},
        render::InvocationKind,
        sandbox::ModelLimits,
    },
};
use async_graphql::{
    Context, Enum, ID, InputObject, Json, Object, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use mediamagic_kit::{
    AccountKind, ActorExt, ApiError,
    pagination::{Page, page_of},
};
use serde_json::Value;
use std::str::FromStr;
use uuid::Uuid;

/// How a model is started.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// A command line run as a process (arguments as a vector, never through a shell).
    Exec,
    /// A multipart form POST to a model server (`127.0.0.1:8013/styleclip --form ...`).
    Http,
}

impl From<InvocationKind> for Invocation {
    fn from(kind: InvocationKind) -> Self {
        match kind {
            InvocationKind::Exec => Invocation::Exec,
            InvocationKind::Http => Invocation::Http,
        }
    }
}

impl Invocation {
    fn as_str(self) -> &'static str {
        match self {
            Invocation::Exec => "exec",
            Invocation::Http => "http",
        }
    }
}

/// How long a model takes to run.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelClassification {
    /// Finishes within the threshold (default 60 s) by its observed median runtime, else
    /// its expected runtime; also models with no known runtime.
    Fast,
    /// Takes longer than the threshold.
    Slow,
}

impl From<Classification> for ModelClassification {
    fn from(c: Classification) -> Self {
        match c {
            Classification::Fast => ModelClassification::Fast,
            Classification::Slow => ModelClassification::Slow,
        }
    }
}

/// A file a run produces.
#[derive(SimpleObject, Clone, Debug)]
pub struct ModelOutput {
    /// Glob relative to the run's working directory (`frame-*.jpg`).
    pub pattern: String,
    /// Content type of matching files.
    pub content_type: String,
}

/// A runnable model: metadata plus its latest version of what runs.
pub struct Model(pub ModelRow);

/// One immutable version of what a model runs; jobs pin the version they ran.
pub struct ModelVersion(pub VersionRow);

async fn latest_version(ctx: &Context<'_>, model: &ModelRow) -> async_graphql::Result<VersionRow> {
    let loader = ctx.data::<DataLoader<VersionByNumberLoader>>()?;
    loader
        .load_one((model.id, model.latest_version))
        .await
        .map_err(super::loaders::load_failed)?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("model {} has no latest version", model.id)).into()
        })
}

#[Object]
impl Model {
    /// The model's id (a UUID). Ids are per account: a public model and an account's own
    /// model may share one, and the account's own is what it addresses by it.
    async fn id(&self) -> ID {
        ID(self.0.external_id.to_string())
    }
    /// The catalogue name of a built-in model (`audio-extract`); `model(id:)` accepts it.
    async fn slug(&self) -> Option<&str> {
        self.0.slug.as_deref()
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it does.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Icon URL or file name.
    async fn icon(&self) -> Option<&str> {
        self.0.icon.as_deref()
    }
    /// Labels (lower-case) for filtering.
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    /// URLs of example results.
    async fn example_outputs(&self) -> &[String] {
        &self.0.example_outputs
    }
    /// Left out of listings (still readable by id).
    async fn hidden(&self) -> bool {
        self.0.hidden
    }
    /// Readable by every account.
    async fn public(&self) -> bool {
        self.0.public
    }
    /// Part of the built-in catalogue (public and read-only).
    async fn builtin(&self) -> bool {
        self.0.owner_id.is_none()
    }
    /// The owning account (absent for catalogue models).
    async fn owner_id(&self) -> Option<ID> {
        self.0.owner_id.map(|id| ID(id.to_string()))
    }
    /// Whether the owner is a user or a team.
    async fn owner_kind(&self) -> Option<AccountKind> {
        self.0
            .owner_kind
            .as_deref()
            .and_then(|k| AccountKind::from_str(k).ok())
    }
    /// Whether the acting account may change or delete it (it owns it and it is not deleted).
    async fn editable(&self, ctx: &Context<'_>) -> bool {
        let me = ctx.actor().ok().map(|a| a.account_id);
        self.0.deleted_at.is_none() && self.0.owner_id.is_some() && self.0.owner_id == me
    }
    /// `FAST` or `SLOW`: by the median runtime of its finished jobs, else its expected
    /// runtime, against the configured threshold.
    async fn classification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ModelClassification> {
        let deps = ctx.data::<ModelsDeps>()?;
        let latest = latest_version(ctx, &self.0).await?;
        Ok(classify(
            self.0.expected_runtime_seconds,
            latest.observed_runtime_seconds,
            deps.config.classification_threshold_seconds,
        )
        .into())
    }
    /// Declared typical runtime, in seconds.
    async fn expected_runtime_seconds(&self) -> Option<i32> {
        self.0.expected_runtime_seconds
    }
    /// Median runtime of the latest version's finished jobs, in seconds.
    async fn observed_runtime_seconds(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<i32>> {
        Ok(latest_version(ctx, &self.0).await?.observed_runtime_seconds)
    }
    /// When it was deleted; a deleted model that jobs ran stays readable for their history.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The version new deployments run.
    async fn latest_version(&self, ctx: &Context<'_>) -> async_graphql::Result<ModelVersion> {
        Ok(ModelVersion(latest_version(ctx, &self.0).await?))
    }
    /// Container image (of the latest version).
    async fn container(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(latest_version(ctx, &self.0).await?.container)
    }
    /// Command template (of the latest version).
    async fn command(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(latest_version(ctx, &self.0).await?.command)
    }
    /// Invocation kind (of the latest version).
    async fn invocation(&self, ctx: &Context<'_>) -> async_graphql::Result<Invocation> {
        Ok(latest_version(ctx, &self.0).await?.invocation_kind().into())
    }
    /// Argument schema (of the latest version), as seed 000 shows it: every argument with
    /// `optional` and `example` filled in.
    async fn args(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<Value>> {
        ModelVersion(latest_version(ctx, &self.0).await?).documented_args()
    }
    /// Machine type (of the latest version).
    async fn machine_type(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(latest_version(ctx, &self.0).await?.machine_type)
    }
    /// Machines per run (of the latest version).
    async fn machine_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(latest_version(ctx, &self.0).await?.machine_count)
    }
    /// Longest run in seconds (of the latest version).
    async fn timeout_seconds(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(latest_version(ctx, &self.0).await?.timeout_seconds)
    }
    /// Declared outputs (of the latest version).
    async fn outputs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ModelOutput>> {
        ModelVersion(latest_version(ctx, &self.0).await?).output_list()
    }
    /// Whether runs get network egress (of the latest version); never to loopback or
    /// private addresses.
    async fn network(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(latest_version(ctx, &self.0).await?.network)
    }
    /// The model's own resource limits (of the latest version); absent ones are the
    /// machine type's.
    async fn limits(&self, ctx: &Context<'_>) -> async_graphql::Result<ModelLimitsView> {
        ModelVersion(latest_version(ctx, &self.0).await?).limits_view()
    }
    /// The runtime workers must have installed to run it (of the latest version).
    async fn runtime(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(latest_version(ctx, &self.0).await?.runtime)
    }
    /// The declared structured result (of the latest version): `schema`, the JSON Schema
    /// of `Job.result`, and `tags`, where the result proposes tags for an input.
    async fn result(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Json<Value>>> {
        Ok(latest_version(ctx, &self.0).await?.result.map(Json))
    }
    /// Every version, newest first.
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<ModelVersion>> {
        let deps = ctx.data::<ModelsDeps>()?;
        let limit = mediamagic_kit::pagination::page_size(first)?;
        let before = after
            .as_deref()
            .map(|c| {
                c.parse::<i32>().map_err(|_| {
                    ApiError::bad_input(
                        "after",
                        "invalid cursor; use a cursor from a previous page",
                    )
                })
            })
            .transpose()?;
        let mut conn = deps.conn().await?;
        let rows = crate::db::versions::page(&mut conn, self.0.id, before, limit + 1)
            .await
            .map_err(ApiError::from)?;
        Ok(page_of(
            rows,
            limit,
            before.is_some(),
            i64::from(self.0.latest_version),
            |row| (row.version.to_string(), ModelVersion(row)),
        ))
    }
}

impl ModelVersion {
    fn documented_args(&self) -> async_graphql::Result<Json<Value>> {
        Ok(Json(
            self.0
                .arg_schema()
                .map_err(ApiError::internal)?
                .documented(),
        ))
    }

    fn output_list(&self) -> async_graphql::Result<Vec<ModelOutput>> {
        Ok(self
            .0
            .output_specs()
            .map_err(ApiError::internal)?
            .into_iter()
            .map(|o| ModelOutput {
                pattern: o.pattern,
                content_type: o.content_type,
            })
            .collect())
    }

    fn limits_view(&self) -> async_graphql::Result<ModelLimitsView> {
        Ok(self.0.model_limits().map_err(ApiError::internal)?.into())
    }
}

#[Object]
impl ModelVersion {
    /// The version's id (jobs pin it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 1 for the first version, then one more per change to what runs.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The model.
    async fn model(&self, ctx: &Context<'_>) -> async_graphql::Result<Model> {
        let loader = ctx.data::<DataLoader<ModelLoader>>()?;
        loader
            .load_one(self.0.model_id)
            .await
            .map_err(super::loaders::load_failed)?
            .map(Model)
            .ok_or_else(|| ApiError::not_found("model").into())
    }
    /// Container image.
    async fn container(&self) -> &str {
        &self.0.container
    }
    /// Command template.
    async fn command(&self) -> &str {
        &self.0.command
    }
    /// Invocation kind.
    async fn invocation(&self) -> Invocation {
        self.0.invocation_kind().into()
    }
    /// Argument schema, with `optional` and `example` filled in.
    async fn args(&self) -> async_graphql::Result<Json<Value>> {
        self.documented_args()
    }
    /// Machine type.
    async fn machine_type(&self) -> &str {
        &self.0.machine_type
    }
    /// Machines per run.
    async fn machine_count(&self) -> i32 {
        self.0.machine_count
    }
    /// Longest run, in seconds.
    async fn timeout_seconds(&self) -> i32 {
        self.0.timeout_seconds
    }
    /// Declared outputs.
    async fn outputs(&self) -> async_graphql::Result<Vec<ModelOutput>> {
        self.output_list()
    }
    /// Whether runs get network egress (never to loopback or private addresses).
    async fn network(&self) -> bool {
        self.0.network
    }
    /// The model's own resource limits; absent ones are the machine type's.
    async fn limits(&self) -> async_graphql::Result<ModelLimitsView> {
        self.limits_view()
    }
    /// The runtime workers must have installed to run it.
    async fn runtime(&self) -> Option<&str> {
        self.0.runtime.as_deref()
    }
    /// The declared structured result: `schema` (of `Job.result`) and `tags`.
    async fn result(&self) -> Option<Json<Value>> {
        self.0.result.clone().map(Json)
    }
    /// When this version was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Resource limits of a model's runs; each may only tighten the machine type's limit.
#[derive(InputObject, SimpleObject, Clone, Copy, Debug, Default)]
#[graphql(input_name = "ModelLimitsInput", name = "ModelLimits")]
pub struct ModelLimitsView {
    /// Memory of every process of a run together, in MiB (OUT_OF_MEMORY past it).
    pub memory_mb: Option<i64>,
    /// Processes and threads alive at once (TOO_MANY_PROCESSES past it).
    pub processes: Option<i64>,
    /// CPU seconds any one process may use (CPU_TIME_EXCEEDED past it).
    pub cpu_seconds: Option<i64>,
    /// Open files per process.
    pub open_files: Option<i64>,
    /// Largest file a process may write, in MiB (FILE_TOO_LARGE past it).
    pub file_size_mb: Option<i64>,
    /// Everything a run leaves in its working directory, in MiB (OUTPUT_TOO_LARGE past it).
    pub output_mb: Option<i64>,
}

impl From<ModelLimits> for ModelLimitsView {
    fn from(l: ModelLimits) -> Self {
        Self {
            memory_mb: l.memory_mb,
            processes: l.processes,
            cpu_seconds: l.cpu_seconds,
            open_files: l.open_files,
            file_size_mb: l.file_size_mb,
            output_mb: l.output_mb,
        }
    }
}

impl From<ModelLimitsView> for ModelLimits {
    fn from(l: ModelLimitsView) -> Self {
        Self {
            memory_mb: l.memory_mb,
            processes: l.processes,
            cpu_seconds: l.cpu_seconds,
            open_files: l.open_files,
            file_size_mb: l.file_size_mb,
            output_mb: l.output_mb,
        }
    }
}

/// A declared output.
#[derive(InputObject, Clone, Debug)]
pub struct ModelOutputInput {
    /// Glob relative to the run's working directory (`frame-*.jpg`); `*` and `?` match
    /// within one path segment.
    pub pattern: String,
    /// Content type of matching files (`image/jpeg`).
    pub content_type: String,
}

/// A new model (seed 000's `POST /api/v1/models` body).
#[derive(InputObject, Clone, Debug)]
pub struct CreateModelInput {
    /// A UUID of your choosing; generated when absent. Ids are per account: CONFLICT only when
    /// one of your models or a public model has it.
    pub id: Option<ID>,
    /// Display name (1 to 100 characters).
    pub name: String,
    /// What it does (at most 4000 characters).
    pub description: Option<String>,
    /// Icon URL or file name.
    pub icon: Option<String>,
    /// Labels (trimmed, lower-cased, at most 32).
    pub tags: Option<Vec<String>>,
    /// URLs of example results.
    pub example_outputs: Option<Vec<String>>,
    /// Leave out of listings (still readable by id). Default false.
    pub hidden: Option<bool>,
    /// Readable by every account. Default false.
    pub public: Option<bool>,
    /// Container image the cluster runs.
    pub container: String,
    /// Command template: `{args}` expands every argument's `format`, `{name}` one value.
    pub command: String,
    /// EXEC or HTTP; inferred from the command when absent (a URL or `host:port/...` first
    /// means HTTP).
    pub invocation: Option<Invocation>,
    /// Argument schema: name to `{type, optional, min, max, default, example, description,
    /// format, choices, kinds, tags}`.
    pub args: Option<Json<Value>>,
    /// Machine type (default from config, `cpu`).
    pub machine_type: Option<String>,
    /// Machines per run (1 to 64, default 1).
    pub machine_count: Option<i32>,
    /// Longest run in seconds (default 3600, at most 86400).
    pub timeout_seconds: Option<i32>,
    /// Files a run produces.
    pub outputs: Option<Vec<ModelOutputInput>>,
    /// Typical runtime in seconds (sets the classification until jobs have run).
    pub expected_runtime_seconds: Option<i32>,
    /// Runs need network egress (never to loopback or private addresses). Default false:
    /// a run has no network at all.
    pub network: Option<bool>,
    /// Resource limits tighter than the machine type's.
    pub limits: Option<ModelLimitsView>,
    /// A runtime workers must have installed (`vision`): deploying fails at once with
    /// RUNTIME_MISSING when no live worker has it.
    pub runtime: Option<String>,
    /// The structured result the program writes to `result.json`:
    /// `{"schema": <JSON Schema>, "tags": {"field": "tags", "arg": "image"}}` (`tags`
    /// optional: lets deployments add the result's tags to that input media).
    pub result: Option<Json<Value>>,
}

/// Changes to a model: only the fields given change. A change to container, command,
/// invocation, args, machine type or count, timeout or outputs adds a version.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateModelInput {
    /// Display name.
    pub name: Option<String>,
    /// What it does.
    pub description: Option<String>,
    /// Icon URL or file name.
    pub icon: Option<String>,
    /// Labels (replace the current ones).
    pub tags: Option<Vec<String>>,
    /// URLs of example results.
    pub example_outputs: Option<Vec<String>>,
    /// Leave out of listings.
    pub hidden: Option<bool>,
    /// Readable by every account.
    pub public: Option<bool>,
    /// Container image.
    pub container: Option<String>,
    /// Command template.
    pub command: Option<String>,
    /// EXEC or HTTP.
    pub invocation: Option<Invocation>,
    /// Argument schema (replaces the current one).
    pub args: Option<Json<Value>>,
    /// Machine type.
    pub machine_type: Option<String>,
    /// Machines per run.
    pub machine_count: Option<i32>,
    /// Longest run in seconds.
    pub timeout_seconds: Option<i32>,
    /// Files a run produces (replace the current ones).
    pub outputs: Option<Vec<ModelOutputInput>>,
    /// Typical runtime in seconds.
    pub expected_runtime_seconds: Option<i32>,
    /// Runs need network egress.
    pub network: Option<bool>,
    /// Resource limits (replace the current ones).
    pub limits: Option<ModelLimitsView>,
    /// A runtime workers must have installed (`vision`).
    pub runtime: Option<String>,
    /// The structured result the program writes to `result.json`:
    /// `{"schema": <JSON Schema>, "tags": {"field": "tags", "arg": "image"}}` (`tags`
    /// optional: lets deployments add the result's tags to that input media).
    pub result: Option<Json<Value>>,
}

/// Which models `models` returns.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ModelFilter {
    /// Only models carrying every one of these tags (seed 000's `?tags=head`).
    pub tags: Option<Vec<String>>,
    /// Only models carrying none of these tags.
    pub exclude_tags: Option<Vec<String>>,
    /// Text in the name or description (case-insensitive).
    pub search: Option<String>,
    /// Only the acting account's own models.
    pub mine: Option<bool>,
    /// Include the acting account's own hidden models.
    pub include_hidden: Option<bool>,
}

/// The result of `deleteModel`.
#[derive(SimpleObject, Clone, Debug)]
pub struct DeleteModelPayload {
    /// The model's id.
    pub id: ID,
    /// True when jobs ran the model: it is hidden for good and stays readable by id for
    /// their history; false when it was removed.
    pub hidden: bool,
}

fn outputs(list: Option<Vec<ModelOutputInput>>) -> Option<Vec<OutputSpec>> {
    list.map(|l| {
        l.into_iter()
            .map(|o| OutputSpec {
                pattern: o.pattern,
                content_type: o.content_type,
            })
            .collect()
    })
}

impl From<CreateModelInput> for ModelDefinition {
    fn from(i: CreateModelInput) -> Self {
        ModelDefinition {
            id: i.id.map(|id| id.0),
            name: Some(i.name),
            description: i.description,
            icon: i.icon,
            tags: i.tags,
            example_outputs: i.example_outputs,
            hidden: i.hidden,
            public: i.public,
            container: Some(i.container),
            command: Some(i.command),
            invocation: i.invocation.map(|k| k.as_str().to_owned()),
            args: i.args.map(|a| a.0),
            machine_type: i.machine_type,
            machine_count: i.machine_count,
            timeout_seconds: i.timeout_seconds,
            outputs: outputs(i.outputs),
            expected_runtime_seconds: i.expected_runtime_seconds,
            network: i.network,
            limits: i.limits.map(Into::into),
            runtime: i.runtime,
            result: i.result.map(|r| r.0),
        }
    }
}

impl From<UpdateModelInput> for ModelDefinition {
    fn from(i: UpdateModelInput) -> Self {
        ModelDefinition {
            id: None,
            name: i.name,
            description: i.description,
            icon: i.icon,
            tags: i.tags,
            example_outputs: i.example_outputs,
            hidden: i.hidden,
            public: i.public,
            container: i.container,
            command: i.command,
            invocation: i.invocation.map(|k| k.as_str().to_owned()),
            args: i.args.map(|a| a.0),
            machine_type: i.machine_type,
            machine_count: i.machine_count,
            timeout_seconds: i.timeout_seconds,
            outputs: outputs(i.outputs),
            expected_runtime_seconds: i.expected_runtime_seconds,
            network: i.network,
            limits: i.limits.map(Into::into),
            runtime: i.runtime,
            result: i.result.map(|r| r.0),
        }
    }
}

/// Parses a UUID argument, naming it on failure.
pub(crate) fn parse_id(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    ApiError::parse_uuid(field, id.as_str())
}
