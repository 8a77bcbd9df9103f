//! `jobs.job_logs`: log lines; `seq` is the resume cursor.

use super::{
    rows::{LogRow, NewLogRow},
    schema::job_logs,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Appends lines (a numbered line stored before is skipped); returns the last `seq` written.
pub async fn append(conn: &mut AsyncPgConnection, lines: &[NewLogRow]) -> QueryResult<Option<i64>> {
    let seqs: Vec<i64> = diesel::insert_into(job_logs::table)
        .values(lines)
        .on_conflict_do_nothing()
        .returning(job_logs::seq)
        .get_results(conn)
        .await?;
    Ok(seqs.into_iter().max())
}

/// Up to `limit` lines of a job after `after`, oldest first.
pub async fn after(
    conn: &mut AsyncPgConnection,
    job: Uuid,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<LogRow>> {
    job_logs::table
        .filter(job_logs::job_id.eq(job))
        .filter(job_logs::seq.gt(after))
        .order(job_logs::seq.asc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)
        .await
}
