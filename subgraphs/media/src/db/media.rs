//! The `media.media` table, always scoped to an owner.

use super::{rows::MediaRow, schema::media};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Which media a listing returns (all given filters apply).
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Carrying every one of these tags.
    pub tags: Vec<String>,
    /// Carrying none of these tags.
    pub exclude_tags: Vec<String>,
    /// Of this kind.
    pub kind: Option<String>,
    /// In this status; without it, everything but deleted media.
    pub status: Option<String>,
    /// Text in the name (case-insensitive).
    pub search: Option<String>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
}

fn listed(owner: Uuid, filter: &ListFilter) -> media::BoxedQuery<'static, Pg> {
    let mut query = media::table.filter(media::owner_id.eq(owner)).into_boxed();
    query = match &filter.status {
        Some(status) => query.filter(media::status.eq(status.clone())),
        None => query.filter(media::status.ne("deleted")),
    };
    if !filter.tags.is_empty() {
        query = query.filter(media::tags.contains(filter.tags.clone()));
    }
    if !filter.exclude_tags.is_empty() {
        query = query.filter(diesel::dsl::not(
            media::tags.overlaps_with(filter.exclude_tags.clone()),
        ));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(media::kind.eq(kind.clone()));
    }
    if let Some(text) = &filter.search {
        query = query.filter(media::name.ilike(mediamagic_kit::db::contains_pattern(text)));
    }
    if let Some(after) = filter.created_after {
        query = query.filter(media::created_at.ge(after));
    }
    if let Some(before) = filter.created_before {
        query = query.filter(media::created_at.lt(before));
    }
    query
}

/// A page of `owner`'s media, newest first, strictly after the `(created_at, id)` cursor.
pub async fn page(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    filter: &ListFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<MediaRow>> {
    let mut query = listed(owner, filter)
        .select(MediaRow::as_select())
        .order((media::created_at.desc(), media::id.desc()))
        .limit(limit);
    if let Some((at, id)) = after {
        query = query.filter(
            media::created_at
                .lt(at)
                .or(media::created_at.eq(at).and(media::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// How many media a listing matches.
pub async fn count(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    filter: &ListFilter,
) -> QueryResult<i64> {
    listed(owner, filter).count().get_result(conn).await
}

/// Makes a media live with the size and sha256 found in storage.
pub async fn set_content(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    size: i64,
    sha256: &str,
) -> QueryResult<MediaRow> {
    diesel::update(media::table.find(id))
        .set((
            media::status.eq("live"),
            media::size_bytes.eq(size),
            media::sha256.eq(sha256),
            media::updated_at.eq(Utc::now()),
        ))
        .returning(MediaRow::as_returning())
        .get_result(conn)
        .await
}

/// Marks the owner's outputs of a job deleted, except `keep`; returns how many.
pub async fn delete_job_outputs(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    job_id: Uuid,
    keep: &[Uuid],
) -> QueryResult<usize> {
    diesel::update(
        media::table
            .filter(media::owner_id.eq(owner))
            .filter(media::job_id.eq(job_id))
            .filter(media::status.ne("deleted"))
            .filter(diesel::dsl::not(media::id.eq_any(keep.to_vec()))),
    )
    .set((
        media::status.eq("deleted"),
        media::updated_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await
}

/// Inserts a media row.
pub async fn insert(conn: &mut AsyncPgConnection, row: &MediaRow) -> QueryResult<()> {
    diesel::insert_into(media::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// `owner`'s media by ids (deleted ones included).
pub async fn owned_by_ids(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<MediaRow>> {
    media::table
        .filter(media::owner_id.eq(owner))
        .filter(media::id.eq_any(ids.to_vec()))
        .select(MediaRow::as_select())
        .load(conn)
        .await
}

/// Media by ids, any owner (for event handlers and loaders that check ownership).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<MediaRow>> {
    media::table
        .filter(media::id.eq_any(ids.to_vec()))
        .select(MediaRow::as_select())
        .load(conn)
        .await
}

/// `owner`'s media `id`, locked for a change.
pub async fn lock_owned(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    id: Uuid,
) -> QueryResult<Option<MediaRow>> {
    media::table
        .filter(media::owner_id.eq(owner))
        .filter(media::id.eq(id))
        .select(MediaRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Sets the status and failure of a media (and its sha256 when given).
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    failure: Option<&str>,
    sha256: Option<&str>,
) -> QueryResult<MediaRow> {
    let target = diesel::update(media::table.find(id));
    let common = (
        media::status.eq(status),
        media::failure.eq(failure),
        media::updated_at.eq(Utc::now()),
    );
    match sha256 {
        Some(sha) => {
            target
                .set((common, media::sha256.eq(sha)))
                .returning(MediaRow::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            target
                .set(common)
                .returning(MediaRow::as_returning())
                .get_result(conn)
                .await
        }
    }
}

/// Renames and retags a media.
pub async fn update_details(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: &str,
    tags: &[String],
) -> QueryResult<MediaRow> {
    diesel::update(media::table.find(id))
        .set((
            media::name.eq(name),
            media::tags.eq(tags.to_vec()),
            media::updated_at.eq(Utc::now()),
        ))
        .returning(MediaRow::as_returning())
        .get_result(conn)
        .await
}

/// Stores processing results (only while still live: a deletion wins).
pub async fn set_metadata(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    metadata: &serde_json::Value,
) -> QueryResult<usize> {
    diesel::update(media::table.find(id).filter(media::status.eq("live")))
        .set((
            media::metadata.eq(metadata),
            media::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
}

/// Replaces tag `from` by `to` (or removes it, when `to` is `None`) on `owner`'s media.
pub async fn replace_tag(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    from: &str,
    to: Option<&str>,
) -> QueryResult<usize> {
    use diesel::sql_types::{Text, Uuid as SqlUuid};
    // array_remove then append keeps one copy when the media already had `to`.
    let sql = match to {
        Some(_) => {
            "UPDATE media.media SET tags = CASE WHEN $3 = ANY(array_remove(tags, $2)) \
                    THEN array_remove(tags, $2) ELSE array_replace(tags, $2, $3) END, \
                    updated_at = now() WHERE owner_id = $1 AND $2 = ANY(tags)"
        }
        None => {
            "UPDATE media.media SET tags = array_remove(tags, $2), updated_at = now() \
                 WHERE owner_id = $1 AND $2 = ANY(tags) AND $3 = $3"
        }
    };
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(owner)
        .bind::<Text, _>(from)
        .bind::<Text, _>(to.unwrap_or(""))
        .execute(conn)
        .await
}
