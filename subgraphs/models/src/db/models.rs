//! The `models.models` table: lookups scoped to what an account may see, filtered pages.
//!
//! Clients address a model by its `external_id` (shown as `Model.id`), which is unique per
//! owner and among public models; an account's own model shadows a public one with the same
//! id. `id` is the internal key that versions refer to.

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

/// A page of listed models, newest first, strictly after the `(created_at, external_id)`
/// cursor.
pub async fn page(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    filter: &ListFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ModelRow>> {
    let mut query = listed(account, filter)
        .select(ModelRow::as_select())
        .order((models::created_at.desc(), models::external_id.desc()))
        .limit(limit);
    if let Some((at, id)) = after {
        query = query.filter(
            models::created_at
                .lt(at)
                .or(models::created_at.eq(at).and(models::external_id.lt(id))),
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

/// Readable models by the ids clients address them by: for each id, the account's own
/// model, else the public one.
pub async fn readable_by_ids(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<ModelRow>> {
    // Through the published view: jobs pins versions with this too, as its own role.
    use super::schema::published_models as p;
    let rows = p::table
        .filter(p::owner_id.eq(account).or(p::public.eq(true)))
        .filter(p::external_id.eq_any(ids.to_vec()))
        .select(p::all_columns)
        .load::<ModelRow>(conn)
        .await?;
    Ok(own_first(account, rows))
}

/// Models with these client ids that any of `accounts` may read (callers pick per account
/// with [`own_first`]).
pub async fn readable_by_any(
    conn: &mut AsyncPgConnection,
    accounts: &[Uuid],
    ids: &[Uuid],
) -> QueryResult<Vec<ModelRow>> {
    models::table
        .filter(models::external_id.eq_any(ids.to_vec()))
        .filter(
            models::owner_id
                .eq_any(accounts.to_vec())
                .or(models::public.eq(true)),
        )
        .select(ModelRow::as_select())
        .load(conn)
        .await
}

/// What `account` addresses by each client id among `rows`: its own model when it has one,
/// else a public one; rows it may not read are dropped.
pub fn own_first(account: Uuid, rows: Vec<ModelRow>) -> Vec<ModelRow> {
    let mut chosen: Vec<ModelRow> = Vec::with_capacity(rows.len());
    for row in rows {
        let own = row.owner_id == Some(account);
        if !own && !row.public {
            continue;
        }
        match chosen.iter_mut().find(|c| c.external_id == row.external_id) {
            Some(held) if own => *held = row,
            Some(_) => {}
            None => chosen.push(row),
        }
    }
    chosen
}

/// The account's own model with client id `id`, locked for a change.
pub async fn lock_own(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    id: Uuid,
) -> QueryResult<Option<ModelRow>> {
    models::table
        .filter(models::owner_id.eq(account))
        .filter(models::external_id.eq(id))
        .select(ModelRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The catalogue model with this slug.
pub async fn by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<ModelRow>> {
    use super::schema::published_models as p;
    p::table
        .filter(p::slug.eq(slug))
        .select(p::all_columns)
        .first::<ModelRow>(conn)
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

/// Inserts a model; false (and nothing written) when another model already has its key.
pub async fn insert_new(conn: &mut AsyncPgConnection, row: &ModelRow) -> QueryResult<bool> {
    diesel::insert_into(models::table)
        .values(row)
        .on_conflict(models::id)
        .do_nothing()
        .execute(conn)
        .await
        .map(|inserted| inserted == 1)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(external_id: Uuid, owner: Option<Uuid>, public: bool) -> ModelRow {
        let now = Utc::now();
        ModelRow {
            id: Uuid::now_v7(),
            external_id,
            owner_id: owner,
            owner_kind: owner.map(|_| "user".to_owned()),
            slug: None,
            public,
            name: "m".into(),
            description: String::new(),
            icon: None,
            tags: vec![],
            example_outputs: vec![],
            hidden: false,
            expected_runtime_seconds: None,
            latest_version: 1,
            deleted_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn an_accounts_own_model_shadows_a_public_one_with_the_same_id_in_either_order() {
        let (me, other, id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mine = row(id, Some(me), false);
        let public = row(id, Some(other), true);

        let one = own_first(me, vec![public.clone(), mine.clone()]);
        let two = own_first(me, vec![mine.clone(), public.clone()]);

        assert_eq!(one.len(), 1);
        assert_eq!(one[0].id, mine.id);
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].id, mine.id);
    }

    #[test]
    fn another_accounts_private_model_is_never_chosen() {
        let (me, other, id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let theirs = row(id, Some(other), false);
        let public = row(Uuid::now_v7(), None, true);

        let chosen = own_first(me, vec![theirs, public.clone()]);

        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].id, public.id);
    }
}
