//! The `media.tags` vocabulary: each account's tags with usage counts.

use super::schema::{tag_lineage, tags};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A tag with how many (non-deleted) media carry it.
#[derive(Clone, Debug, QueryableByName)]
pub struct TagUsage {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub media_count: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// Adds tags to `owner`'s vocabulary (created on first use).
pub async fn ensure(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    names: &[String],
) -> QueryResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = names
        .iter()
        .map(|n| (tags::owner_id.eq(owner), tags::name.eq(n)))
        .collect();
    diesel::insert_into(tags::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// `owner`'s tags with usage counts, by name.
pub async fn with_usage(conn: &mut AsyncPgConnection, owner: Uuid) -> QueryResult<Vec<TagUsage>> {
    diesel::sql_query(
        "SELECT t.name, t.created_at,
                (SELECT count(*) FROM media.media m
                  WHERE m.owner_id = t.owner_id AND t.name = ANY(m.tags) AND m.status <> 'deleted') AS media_count
           FROM media.tags t WHERE t.owner_id = $1 ORDER BY t.name",
    )
    .bind::<diesel::sql_types::Uuid, _>(owner)
    .load(conn)
    .await
}

/// How many tags `owner` has.
pub async fn count(conn: &mut AsyncPgConnection, owner: Uuid) -> QueryResult<i64> {
    tags::table
        .filter(tags::owner_id.eq(owner))
        .count()
        .get_result(conn)
        .await
}

/// Whether `owner` has tag `name`.
pub async fn exists(conn: &mut AsyncPgConnection, owner: Uuid, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        tags::table.filter(tags::owner_id.eq(owner).and(tags::name.eq(name))),
    ))
    .get_result(conn)
    .await
}

/// Removes tag `name` from the vocabulary.
pub async fn remove(conn: &mut AsyncPgConnection, owner: Uuid, name: &str) -> QueryResult<usize> {
    diesel::delete(tags::table.filter(tags::owner_id.eq(owner).and(tags::name.eq(name))))
        .execute(conn)
        .await
}

/// Which job added a tag to a media.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tag_lineage)]
pub struct LineageRow {
    pub media_id: Uuid,
    pub tag: String,
    pub job_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Records `job` as the source of `names` on `media` (a tag that already has a source
/// keeps it).
pub async fn record_lineage(
    conn: &mut AsyncPgConnection,
    media: Uuid,
    names: &[String],
    job: Uuid,
) -> QueryResult<()> {
    let rows: Vec<_> = names
        .iter()
        .map(|n| {
            (
                tag_lineage::media_id.eq(media),
                tag_lineage::tag.eq(n),
                tag_lineage::job_id.eq(job),
            )
        })
        .collect();
    diesel::insert_into(tag_lineage::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The tag sources of `media`, by media and tag.
pub async fn lineage_of(
    conn: &mut AsyncPgConnection,
    media: &[Uuid],
) -> QueryResult<Vec<LineageRow>> {
    tag_lineage::table
        .filter(tag_lineage::media_id.eq_any(media))
        .order((tag_lineage::media_id, tag_lineage::tag))
        .select(LineageRow::as_select())
        .load(conn)
        .await
}
