//! The `models.models` table: lookups scoped to what an account may see, filtered pages.

use super::{
    rows::{ModelChanges, ModelRow},
    schema::models,
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Which models a listing returns.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Models carrying every one of these tags.
    pub tags: Vec<String>,
    /// Models carrying none of these tags.
    pub exclude_tags: Vec<String>,
    /// Text in the name or description (case-insensitive).
    pub search: Option<String>,
    /// Only the acting account's own models.
    pub mine: bool,
    /// Include the acting account's own hidden models.
    pub include_hidden: bool,
}

/// Models `account` may read: its own and the public ones (deleted ones included, so job
/// history stays readable).
fn readable(account: Uuid) -> models::BoxedQuery<'static, Pg> {
    models::table
        .filter(models::owner_id.eq(account).or(models::public.eq(true)))
        .into_boxed()
}

/// Listed models: readable, not deleted, matching `filter`.
fn listed(account: Uuid, filter: &ListFilter) -> models::BoxedQuery<'static, Pg> {
    let mut query = readable(account).filter(models::deleted_at.is_null());
    query = if filter.mine {
        query.filter(models::owner_id.eq(account))
    } else {
        query
    };
    query = if filter.include_hidden {
        query.filter(models::hidden.eq(false).or(models::owner_id.eq(account)))
    } else {
        query.filter(models::hidden.eq(false))
    };
    if !filter.tags.is_empty() {
        query = query.filter(models::tags.contains(filter.tags.clone()));
    }
    if !filter.exclude_tags.is_empty() {
        query = query.filter(diesel::dsl::not(
            models::tags.overlaps_with(filter.exclude_tags.clone()),
        ));
    }
    if let Some(text) = &filter.search {
        let pattern = mediamagic_kit::db::contains_pattern(text);
        query = query.filter(
            models::name
                .ilike(pattern.clone())
                .or(models::description.ilike(pattern)),
        );
    }
    query
}

/// A page of listed models, newest first, strictly after the `(created_at, id)` cursor.
pub async fn page(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    filter: &ListFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ModelRow>> {
    let mut query = listed(account, filter)
        .select(ModelRow::as_select())
        .order((models::created_at.desc(), models::id.desc()))
        .limit(limit);
    if let Some((at, id)) = after {
        query = query.filter(
            models::created_at
                .lt(at)
                .or(models::created_at.eq(at).and(models::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// How many models a listing matches across all pages.
pub async fn count(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    filter: &ListFilter,
) -> QueryResult<i64> {
    listed(account, filter).count().get_result(conn).await
}

/// Readable models by id.
pub async fn readable_by_ids(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<ModelRow>> {
    readable(account)
        .filter(models::id.eq_any(ids.to_vec()))
        .select(ModelRow::as_select())
        .load(conn)
        .await
}

/// The catalogue model with this slug.
pub async fn by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<ModelRow>> {
    models::table
        .filter(models::slug.eq(slug))
        .select(ModelRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The model `id`, locked for an update (any owner; the caller checks permissions).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ModelRow>> {
    models::table
        .find(id)
        .select(ModelRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Every catalogue model (with a slug).
pub async fn catalogue(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ModelRow>> {
    models::table
        .filter(models::slug.is_not_null())
        .select(ModelRow::as_select())
        .load(conn)
        .await
}

/// Inserts a model.
pub async fn insert(conn: &mut AsyncPgConnection, row: &ModelRow) -> QueryResult<()> {
    diesel::insert_into(models::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Writes new metadata (and the latest version number).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ModelChanges,
) -> QueryResult<ModelRow> {
    diesel::update(models::table.find(id))
        .set(changes)
        .returning(ModelRow::as_returning())
        .get_result(conn)
        .await
}

/// Hides a model for good (it has jobs): out of listings, not changeable, still readable.
pub async fn mark_deleted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(models::table.find(id))
        .set((
            models::deleted_at.eq(at),
            models::hidden.eq(true),
            models::updated_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes a model and its versions.
pub async fn remove(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::delete(models::table.find(id))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Clears a deletion (a catalogue model that is back in the files).
pub async fn restore(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(
        models::table
            .find(id)
            .filter(models::deleted_at.is_not_null()),
    )
    .set(models::deleted_at.eq(None::<DateTime<Utc>>))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Models by id, whoever owns them (callers check visibility).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<ModelRow>> {
    models::table
        .filter(models::id.eq_any(ids.to_vec()))
        .select(ModelRow::as_select())
        .load(conn)
        .await
}
