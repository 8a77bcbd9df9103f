//! Creating, reading, listing, updating and deleting models.
//!
//! Rules: any account with `write` creates models it owns (a team credential creates team
//! models). Public models are readable by everyone; only the owner changes or deletes a
//! model, and catalogue models (no owner) are read-only. Another account's private model is
//! NOT_FOUND. A change to what runs adds an immutable version. Deleting a model that jobs
//! have run hides it for good instead of removing it, so job history stays readable.

use crate::{
    ModelsDeps,
    db::{
        self,
        models::ListFilter,
        rows::{ModelChanges, ModelRow, VersionRow},
    },
    domain::model::{ModelDefinition, RunSpec, parse_tags},
};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncPgConnection, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{
    Actor, ApiError, ApiResult, Scope,
    db::transaction,
    idempotency::{self, Claim, IdempotencyKey, Table, request_hash},
};
use uuid::Uuid;

/// What a delete did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// The model and its versions are gone.
    Removed,
    /// Jobs ran it: hidden for good, still readable by id.
    Hidden,
}

/// Where models keep their creates' idempotency keys.
pub const KEYS: Table = Table("models.idempotency_keys");

/// Creates a model owned by the acting account (version 1). With an idempotency `key`
/// used before for the same definition, returns that model instead.
///
/// A client-chosen id is CONFLICT only when the account can already see a model with it
/// (its own or a public one); another account's private model with that id is neither
/// touched nor revealed: the new model gets an internal key of its own.
pub async fn create_model(
    deps: &ModelsDeps,
    actor: &Actor,
    definition: ModelDefinition,
    key: Option<IdempotencyKey>,
) -> ApiResult<ModelRow> {
    actor.require_scope(Scope::Write)?;
    let hash = request_hash(&serde_json::to_value(&definition).unwrap_or_default());
    let spec = definition.parse(&deps.config.default_machine_type)?;
    deps.config.check_machine_type(&spec.run.machine_type)?;
    let now = Utc::now();
    let chosen = spec.id.is_some();
    let id = spec.id.unwrap_or_else(Uuid::now_v7);
    let kind = actor.account_kind.as_str();
    let mut row = ModelRow::new(id, Some((actor.account_id, kind)), &spec, now);
    let run = spec.run;
    let limit = deps.config.max_models_per_account;
    let owner = actor.account_id;
    transaction(&deps.pool, move |conn| {
        async move {
            if let Some(key) = &key
                && let Claim::Done(earlier) =
                    idempotency::claim(conn, KEYS, owner, "createModel", key, &hash).await?
            {
                return db::models::readable_by_ids(conn, owner, &[earlier])
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| ApiError::not_found("model"));
            }
            if chosen
                && !db::models::readable_by_ids(conn, owner, &[id])
                    .await?
                    .is_empty()
            {
                return Err(taken(id));
            }
            let mine = ListFilter {
                mine: true,
                include_hidden: true,
                ..ListFilter::default()
            };
            if db::models::count(conn, owner, &mine).await? >= limit {
                return Err(ApiError::Conflict(format!(
                    "an account may hold at most {limit} models; delete some first"
                )));
            }
            // Another account's model may hold the chosen id as its key: this one then gets
            // a fresh key, and the answer is the same as for a free id.
            while !db::models::insert_new(conn, &row)
                .await
                .map_err(|e| conflict_on_duplicate(e, id))?
            {
                row.id = Uuid::now_v7();
            }
            db::versions::insert(conn, &VersionRow::new(row.id, 1, &run, now)).await?;
            if let Some(key) = &key {
                idempotency::record(conn, KEYS, owner, "createModel", key, id).await?;
            }
            Ok(row)
        }
        .scope_boxed()
    })
    .await
}

fn taken(id: Uuid) -> ApiError {
    ApiError::Conflict(format!("a model with id {id} already exists"))
}

/// A unique violation left after the key is settled is the account's own id (a parallel
/// create) or a public model's (a create or a publish): both are models the caller can see.
fn conflict_on_duplicate(err: diesel::result::Error, id: Uuid) -> ApiError {
    if db::is_unique_violation(&err) {
        taken(id)
    } else {
        err.into()
    }
}

/// A model the acting account may read, by UUID or catalogue slug (`audio-extract`).
/// Deleted models stay readable here, for job history.
pub async fn get_model(deps: &ModelsDeps, actor: &Actor, id_or_slug: &str) -> ApiResult<ModelRow> {
    let mut conn = deps.conn().await?;
    let found = match Uuid::parse_str(id_or_slug.trim()) {
        Ok(id) => db::models::readable_by_ids(&mut conn, actor.account_id, &[id])
            .await?
            .into_iter()
            .next(),
        Err(_) => db::models::by_slug(&mut conn, id_or_slug.trim())
            .await?
            .filter(|m| m.public || m.owner_id == Some(actor.account_id)),
    };
    found.ok_or_else(|| ApiError::not_found("model"))
}

/// Parses list filter input: tags are normalised like the models' own.
pub fn list_filter(
    tags: Vec<String>,
    exclude_tags: Vec<String>,
    search: Option<String>,
    mine: bool,
    include_hidden: bool,
) -> ApiResult<ListFilter> {
    let search = search
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::bad_input(
            "search",
            "search text must be at most 200 characters",
        ));
    }
    Ok(ListFilter {
        tags: parse_tags("tags", tags)?,
        exclude_tags: parse_tags("excludeTags", exclude_tags)?,
        search,
        mine,
        include_hidden,
    })
}

/// One page of the models the acting account may use, newest first, and the total.
pub async fn list_models(
    deps: &ModelsDeps,
    actor: &Actor,
    filter: &ListFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<(Vec<ModelRow>, i64)> {
    let mut conn = deps.conn().await?;
    let rows = db::models::page(&mut conn, actor.account_id, filter, after, limit).await?;
    let total = db::models::count(&mut conn, actor.account_id, filter).await?;
    Ok((rows, total))
}

/// Locks model `id` for a change by the acting account: NOT_FOUND unless it can read it,
/// FORBIDDEN when it can read but does not own it (public and catalogue models).
async fn lock_owned(conn: &mut AsyncPgConnection, actor: &Actor, id: Uuid) -> ApiResult<ModelRow> {
    let not_found = || ApiError::not_found("model");
    let row = db::models::readable_by_ids(conn, actor.account_id, &[id])
        .await?
        .into_iter()
        .next()
        .filter(|m| m.deleted_at.is_none())
        .ok_or_else(not_found)?;
    match row.owner_id {
        Some(owner) if owner == actor.account_id => db::models::lock_own(conn, owner, id)
            .await?
            .filter(|m| m.deleted_at.is_none())
            .ok_or_else(not_found),
        None => Err(ApiError::Forbidden(
            "built-in catalogue models are read-only".into(),
        )),
        Some(_) => Err(ApiError::Forbidden(
            "only the model's owner can change it".into(),
        )),
    }
}

/// The definition a model has now: its metadata and its latest version.
fn current_definition(model: &ModelRow, latest: &VersionRow) -> ModelDefinition {
    ModelDefinition {
        id: Some(model.external_id.to_string()),
        name: Some(model.name.clone()),
        description: Some(model.description.clone()),
        icon: model.icon.clone(),
        tags: Some(model.tags.clone()),
        example_outputs: Some(model.example_outputs.clone()),
        hidden: Some(model.hidden),
        public: Some(model.public),
        container: Some(latest.container.clone()),
        command: Some(latest.command.clone()),
        invocation: Some(latest.invocation.clone()),
        args: Some(latest.args.clone()),
        machine_type: Some(latest.machine_type.clone()),
        machine_count: Some(latest.machine_count),
        timeout_seconds: Some(latest.timeout_seconds),
        outputs: latest.output_specs().ok(),
        expected_runtime_seconds: model.expected_runtime_seconds,
        network: Some(latest.network),
        limits: latest.model_limits().ok(),
        runtime: latest.runtime.clone(),
        result: latest.result.clone(),
    }
}

/// Overlays the fields `patch` gives on `current`.
fn merge(current: ModelDefinition, patch: ModelDefinition) -> ModelDefinition {
    // A new command alone re-infers the invocation kind, as on create.
    let invocation = match (&patch.invocation, &patch.command) {
        (Some(_), _) => patch.invocation,
        (None, Some(_)) => None,
        (None, None) => current.invocation,
    };
    ModelDefinition {
        id: current.id,
        name: patch.name.or(current.name),
        description: patch.description.or(current.description),
        icon: patch.icon.or(current.icon),
        tags: patch.tags.or(current.tags),
        example_outputs: patch.example_outputs.or(current.example_outputs),
        hidden: patch.hidden.or(current.hidden),
        public: patch.public.or(current.public),
        container: patch.container.or(current.container),
        command: patch.command.or(current.command),
        invocation,
        args: patch.args.or(current.args),
        machine_type: patch.machine_type.or(current.machine_type),
        machine_count: patch.machine_count.or(current.machine_count),
        timeout_seconds: patch.timeout_seconds.or(current.timeout_seconds),
        outputs: patch.outputs.or(current.outputs),
        expected_runtime_seconds: patch
            .expected_runtime_seconds
            .or(current.expected_runtime_seconds),
        network: patch.network.or(current.network),
        limits: patch.limits.or(current.limits),
        runtime: patch.runtime.or(current.runtime),
        result: patch.result.or(current.result),
    }
}

/// Changes a model the acting account owns: the fields `patch` gives replace the current
/// ones; a change to what runs adds the next version.
pub async fn update_model(
    deps: &ModelsDeps,
    actor: &Actor,
    id: Uuid,
    patch: ModelDefinition,
) -> ApiResult<ModelRow> {
    actor.require_scope(Scope::Write)?;
    if let Some(given) = &patch.id
        && Uuid::parse_str(given.trim()).ok() != Some(id)
    {
        return Err(ApiError::bad_input("id", "a model's id cannot change"));
    }
    let default_machine_type = deps.config.default_machine_type.clone();
    let config = deps.config.clone();
    let actor = actor.clone();
    transaction(&deps.pool, move |conn| {
        async move {
            let model = lock_owned(conn, &actor, id).await?;
            let key = model.id;
            let latest = db::versions::by_numbers(conn, &[(key, model.latest_version)])
                .await?
                .into_iter()
                .find(|v| v.version == model.latest_version)
                .ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("model {id} has no latest version"))
                })?;
            let spec =
                merge(current_definition(&model, &latest), patch).parse(&default_machine_type)?;
            // A model already on a machine type keeps it; a change must name a served one.
            if spec.run.machine_type != latest.machine_type {
                config.check_machine_type(&spec.run.machine_type)?;
            }
            let now = Utc::now();
            let current_run = latest.run_spec().map_err(ApiError::internal)?;
            let mut version = model.latest_version;
            if spec.run != current_run {
                version += 1;
                db::versions::insert(conn, &VersionRow::new(key, version, &spec.run, now)).await?;
            }
            let changes = ModelChanges::from_spec(&spec, version, now);
            // Published under an id another public model has: that model is public too.
            db::models::update(conn, key, &changes)
                .await
                .map_err(|e| conflict_on_duplicate(e, id))
        }
        .scope_boxed()
    })
    .await
}

/// Deletes a model the acting account owns: removed when no job ever ran it, otherwise
/// hidden for good (NOT_FOUND afterwards for changes, still readable by id).
pub async fn delete_model(deps: &ModelsDeps, actor: &Actor, id: Uuid) -> ApiResult<Deleted> {
    actor.require_scope(Scope::Write)?;
    let actor = actor.clone();
    transaction(&deps.pool, move |conn| {
        async move {
            let key = lock_owned(conn, &actor, id).await?.id;
            if db::versions::has_jobs(conn, key).await? {
                db::models::mark_deleted(conn, key, Utc::now()).await?;
                Ok(Deleted::Hidden)
            } else {
                db::models::remove(conn, key).await?;
                Ok(Deleted::Removed)
            }
        }
        .scope_boxed()
    })
    .await
}

/// Records that a job pinned `version_id` (called by the jobs subgraph's event handler);
/// from then on deleting the model hides it instead of removing it.
pub async fn record_job(deps: &ModelsDeps, version_id: Uuid) -> ApiResult<()> {
    let mut conn = deps.conn().await?;
    if db::versions::record_job(&mut conn, version_id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("model version"))
    }
}

/// A model version pinned for a run: what the jobs subgraph and the worker need.
#[derive(Clone, Debug)]
pub struct PinnedVersion {
    /// The version's id.
    pub version_id: Uuid,
    /// The version number.
    pub version: i32,
    /// What runs.
    pub run: RunSpec,
    /// How long a run is expected to take: the version's observed median, else the
    /// model's declared runtime (when pinned for a deployment), in seconds.
    pub expected_seconds: Option<i32>,
}

impl PinnedVersion {
    fn from_row(row: &VersionRow) -> ApiResult<Self> {
        Ok(Self {
            version_id: row.id,
            version: row.version,
            run: row.run_spec().map_err(ApiError::internal)?,
            expected_seconds: row.observed_runtime_seconds,
        })
    }
}

/// The version a new deployment pins: `version` of the model (its latest when `None`), when
/// the acting account may read the model and it is not deleted; NOT_FOUND otherwise.
/// Returns the model's id as the account addresses it, and the version.
pub async fn pin_version(
    deps: &ModelsDeps,
    actor: &Actor,
    id_or_slug: &str,
    version: Option<i32>,
) -> ApiResult<(Uuid, PinnedVersion)> {
    let model = get_model(deps, actor, id_or_slug).await?;
    if model.deleted_at.is_some() {
        return Err(ApiError::not_found("model"));
    }
    let number = version.unwrap_or(model.latest_version);
    let mut conn = deps.conn().await?;
    let row = db::versions::by_numbers(&mut conn, &[(model.id, number)])
        .await?
        .into_iter()
        .find(|v| v.model_id == model.id && v.version == number)
        .ok_or_else(|| ApiError::not_found("model version"))?;
    let mut pinned = PinnedVersion::from_row(&row)?;
    pinned.expected_seconds = pinned.expected_seconds.or(model.expected_runtime_seconds);
    Ok((model.external_id, pinned))
}

/// A version by id, whoever owns it (for the worker, which runs what a job pinned).
pub async fn version_by_id(deps: &ModelsDeps, version_id: Uuid) -> ApiResult<PinnedVersion> {
    let mut conn = deps.conn().await?;
    let row = db::versions::by_ids(&mut conn, &[version_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("model version"))?;
    PinnedVersion::from_row(&row)
}

/// Records how long a successful run of `version_id` took; classification uses it.
pub async fn record_runtime(deps: &ModelsDeps, version_id: Uuid, seconds: i32) -> ApiResult<()> {
    let mut conn = deps.conn().await?;
    db::versions::record_runtime(&mut conn, version_id, seconds.max(0)).await?;
    Ok(())
}
