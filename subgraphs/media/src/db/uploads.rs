//! Multipart uploads (`media.multipart_uploads`, `media.upload_parts`) and the removal of a
//! media row that never became live.

use super::{
    rows::MultipartRow,
    schema::{media, multipart_uploads, upload_parts},
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records a multipart upload.
pub async fn insert(conn: &mut AsyncPgConnection, row: &MultipartRow) -> QueryResult<()> {
    diesel::insert_into(multipart_uploads::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The multipart upload of media `id`, if it is one.
pub async fn of_media(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<MultipartRow>> {
    multipart_uploads::table
        .find(id)
        .select(MultipartRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Sets the checksum of parts (a part asked again with another checksum takes the new one).
pub async fn set_part_sums(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    parts: &[(i32, String)],
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let rows: Vec<_> = parts
        .iter()
        .map(|(number, checksum)| {
            (
                upload_parts::media_id.eq(id),
                upload_parts::number.eq(*number),
                upload_parts::checksum.eq(checksum.clone()),
            )
        })
        .collect();
    diesel::insert_into(upload_parts::table)
        .values(rows)
        .on_conflict((upload_parts::media_id, upload_parts::number))
        .do_update()
        .set(upload_parts::checksum.eq(excluded(upload_parts::checksum)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The declared checksum of each part, by number.
pub async fn part_sums(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<(i32, String)>> {
    upload_parts::table
        .filter(upload_parts::media_id.eq(id))
        .order(upload_parts::number)
        .select((upload_parts::number, upload_parts::checksum))
        .load(conn)
        .await
}

/// Marks the upload as being completed, unless another completion holds it (one that began
/// less than `stale_after` ago); whether this call got it.
pub async fn claim_completion(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> QueryResult<bool> {
    let claimed = diesel::update(multipart_uploads::table.find(id))
        .filter(
            multipart_uploads::completing_since
                .is_null()
                .or(multipart_uploads::completing_since.lt(now - stale_after)),
        )
        .set(multipart_uploads::completing_since.eq(now))
        .execute(conn)
        .await?;
    Ok(claimed == 1)
}

/// Lets another completion try (after one that stopped short: parts were missing).
pub async fn release_completion(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(multipart_uploads::table.find(id))
        .set(multipart_uploads::completing_since.eq(None::<DateTime<Utc>>))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes the multipart record once its media is live.
pub async fn finish(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::delete(multipart_uploads::table.find(id))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes a media row that never became live, with its multipart record: an upload that
/// failed or was aborted leaves no row behind.
pub async fn remove_unfinished(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    let removed = diesel::delete(
        media::table
            .find(id)
            .filter(media::status.eq_any(["pending", "failed"])),
    )
    .execute(conn)
    .await?;
    Ok(removed == 1)
}
