//! Media rows and stored objects checked against each other (`mediamagic storage check`),
//! for instance after restoring the database to an earlier time: live media whose object is
//! missing, and objects no media row names (orphans). Repairing marks the former `failed`
//! with a reason and removes the orphans older than a minimum age, so that an upload in
//! flight is never taken for one.

use crate::storage::{Storage, media_key};
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Text, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use mediamagic_kit::{ApiError, ApiResult, db::DbPool};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The key prefixes the media service writes: `<prefix><owner>/<media id>...`.
const PREFIXES: &[&str] = &["media/", "thumbnails/", "staging/", "parts/"];
/// Rows read per query.
const PAGE: i64 = 1_000;
/// Why a repaired media failed.
pub const MISSING_REASON: &str =
    "its stored object is missing (found by `mediamagic storage check`, e.g. after a restore)";

/// A live media whose object is not in the store.
#[derive(Clone, Debug, Serialize)]
pub struct MissingObject {
    /// The media.
    pub media_id: Uuid,
    /// Its owner.
    pub owner_id: Uuid,
    /// The key its object should have.
    pub key: String,
}

/// An object no media row names.
#[derive(Clone, Debug, Serialize)]
pub struct Orphan {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written.
    pub modified: DateTime<Utc>,
}

/// What a check found (and, when repairing, did).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StorageReport {
    /// Media rows read.
    pub rows: u64,
    /// Objects listed.
    pub objects: u64,
    /// Live media without their object.
    pub missing: Vec<MissingObject>,
    /// Objects without a row.
    pub orphans: Vec<Orphan>,
    /// Missing media marked `failed` (repair).
    pub marked_failed: usize,
    /// Orphans removed (repair).
    pub removed_orphans: usize,
}

impl StorageReport {
    /// Whether anything found is still there.
    pub fn clean(&self) -> bool {
        self.missing.len() == self.marked_failed && self.orphans.len() == self.removed_orphans
    }
}

/// What `--repair` may do.
#[derive(Clone, Copy, Debug)]
pub struct Repair {
    /// Orphans last written more recently than this are reported, not removed.
    pub orphans_older_than: std::time::Duration,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    owner_id: Uuid,
    #[diesel(sql_type = Text)]
    status: String,
}

/// Checks every media row against the store; with `repair`, fixes what it found.
///
/// Objects are listed before rows are read: a media row exists before any of its bytes, so
/// an object listed has its row among those read after. A live media whose object was not
/// listed is looked up once more before it counts as missing (it may have been finalised
/// meanwhile).
pub async fn check(
    pool: &DbPool,
    storage: &Storage,
    repair: Option<Repair>,
) -> ApiResult<StorageReport> {
    let mut objects = HashMap::new();
    for prefix in PREFIXES {
        for object in storage.list(prefix).await.map_err(ApiError::internal)? {
            objects.insert(object.key.clone(), object);
        }
    }
    let mut report = StorageReport {
        objects: objects.len() as u64,
        ..StorageReport::default()
    };
    let mut known = HashSet::new();
    let mut after = Uuid::nil();
    loop {
        let mut conn = pool.get().await?;
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT id, owner_id, status FROM media.media WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind::<SqlUuid, _>(after)
        .bind::<BigInt, _>(PAGE)
        .load(&mut conn)
        .await?;
        drop(conn);
        for row in &rows {
            known.insert(row.id);
            let key = media_key(row.owner_id, row.id);
            if row.status == "live"
                && !objects.contains_key(&key)
                && storage
                    .size(&key)
                    .await
                    .map_err(ApiError::internal)?
                    .is_none()
            {
                report.missing.push(MissingObject {
                    media_id: row.id,
                    owner_id: row.owner_id,
                    key,
                });
            }
        }
        report.rows += rows.len() as u64;
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => after = last.id,
            _ => break,
        }
    }
    let mut orphans: Vec<Orphan> = objects
        .into_values()
        .filter(|object| media_id_of(&object.key).is_none_or(|id| !known.contains(&id)))
        .map(|object| Orphan {
            key: object.key,
            size: object.size,
            modified: object.modified,
        })
        .collect();
    orphans.sort_by(|a, b| a.key.cmp(&b.key));
    report.orphans = orphans;
    if let Some(repair) = repair {
        fix(pool, storage, repair, &mut report).await?;
    }
    Ok(report)
}

async fn fix(
    pool: &DbPool,
    storage: &Storage,
    repair: Repair,
    report: &mut StorageReport,
) -> ApiResult<()> {
    let ids: Vec<Uuid> = report.missing.iter().map(|m| m.media_id).collect();
    if !ids.is_empty() {
        let mut conn = pool.get().await?;
        report.marked_failed = diesel::sql_query(
            "UPDATE media.media SET status = 'failed', failure = $2, updated_at = now()
             WHERE id = ANY($1) AND status = 'live'",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Text, _>(MISSING_REASON)
        .execute(&mut conn)
        .await?;
    }
    let age = chrono::Duration::from_std(repair.orphans_older_than)
        .unwrap_or_else(|_| chrono::Duration::days(36_500));
    let cutoff = Utc::now() - age;
    for orphan in report.orphans.iter().filter(|o| o.modified < cutoff) {
        storage
            .delete(&orphan.key)
            .await
            .map_err(ApiError::internal)?;
        report.removed_orphans += 1;
    }
    Ok(())
}

/// The media id an object key of ours names (`<prefix><owner>/<id>[.jpg][/<part>]`).
fn media_id_of(key: &str) -> Option<Uuid> {
    let rest = PREFIXES.iter().find_map(|p| key.strip_prefix(p))?;
    let mut segments = rest.split('/');
    let _owner: Uuid = segments.next()?.parse().ok()?;
    let id = segments.next()?;
    id.strip_suffix(".jpg").unwrap_or(id).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_key_names_its_media() {
        let (owner, id) = (Uuid::now_v7(), Uuid::now_v7());
        for key in [
            format!("media/{owner}/{id}"),
            format!("thumbnails/{owner}/{id}.jpg"),
            format!("staging/{owner}/{id}"),
            format!("parts/{owner}/{id}/00003"),
        ] {
            assert_eq!(media_id_of(&key), Some(id), "{key}");
        }
        assert_eq!(media_id_of("media/not-a-uuid/x"), None);
        assert_eq!(media_id_of("backups/x"), None);
    }
}
