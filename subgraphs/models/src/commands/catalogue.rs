//! Synchronising the built-in catalogue into the registry at start-up.
//!
//! Each catalogue model keeps its fixed id; a changed definition adds a version (what runs)
//! and refreshes the metadata; a model dropped from the files is hidden for good. Several
//! instances may start at once: a transaction-scoped advisory lock makes them take turns.

use crate::{
    db::{
        self,
        rows::{ModelChanges, ModelRow, VersionRow},
    },
    domain::catalogue::CatalogueModel,
};
use chrono::Utc;
use diesel_async::{RunQueryDsl, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{
    ApiError, ApiResult,
    db::{DbPool, transaction},
};
use uuid::Uuid;

/// What a synchronisation changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Slugs added.
    pub added: Vec<String>,
    /// Slugs that got a new version or new metadata.
    pub updated: Vec<String>,
    /// Slugs hidden because their file is gone.
    pub retired: Vec<String>,
}

/// Brings the registry in line with `catalogue`.
pub async fn sync_catalogue(
    pool: &DbPool,
    catalogue: Vec<CatalogueModel>,
) -> ApiResult<SyncReport> {
    transaction(pool, move |conn| {
        async move {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('models.catalogue'))")
                .execute(conn)
                .await?;
            let existing = db::models::catalogue(conn).await?;
            let mut report = SyncReport::default();
            let now = Utc::now();
            for entry in &catalogue {
                let Some(id) = entry.spec.id else { continue };
                let spec = &entry.spec;
                let Some(model) = existing.iter().find(|m| m.external_id == id) else {
                    let mut row = ModelRow {
                        slug: Some(entry.slug.clone()),
                        public: true,
                        ..ModelRow::new(id, None, spec, now)
                    };
                    // An account may have chosen this id for a model of its own first.
                    while !db::models::insert_new(conn, &row).await? {
                        row.id = Uuid::now_v7();
                    }
                    db::versions::insert(conn, &VersionRow::new(row.id, 1, &spec.run, now)).await?;
                    report.added.push(entry.slug.clone());
                    continue;
                };
                let key = model.id;
                let latest = db::versions::by_numbers(conn, &[(key, model.latest_version)])
                    .await?
                    .into_iter()
                    .find(|v| v.version == model.latest_version)
                    .ok_or_else(|| {
                        ApiError::internal(anyhow::anyhow!("catalogue model {id} has no version"))
                    })?;
                let mut version = model.latest_version;
                if latest.run_spec().ok().as_ref() != Some(&spec.run) {
                    version += 1;
                    db::versions::insert(conn, &VersionRow::new(key, version, &spec.run, now))
                        .await?;
                }
                let unchanged = version == model.latest_version
                    && model.deleted_at.is_none()
                    && model.name == spec.name
                    && model.description == spec.description
                    && model.icon == spec.icon
                    && model.tags == spec.tags
                    && model.example_outputs == spec.example_outputs
                    && model.hidden == spec.hidden
                    && model.expected_runtime_seconds == spec.expected_runtime_seconds;
                if !unchanged {
                    db::models::update(conn, key, &ModelChanges::from_spec(spec, version, now))
                        .await?;
                    db::models::restore(conn, key).await?;
                    report.updated.push(entry.slug.clone());
                }
            }
            for model in &existing {
                let listed = catalogue
                    .iter()
                    .any(|c| c.spec.id == Some(model.external_id));
                if !listed && model.deleted_at.is_none() {
                    db::models::mark_deleted(conn, model.id, now).await?;
                    report.retired.push(model.slug.clone().unwrap_or_default());
                }
            }
            Ok(report)
        }
        .scope_boxed()
    })
    .await
}
