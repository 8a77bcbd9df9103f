//! `accounts.login_failures`: failed log-ins per email within a window.

use diesel::{
    QueryableByName,
    sql_types::{BigInt, Integer, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    attempts: i32,
}

/// Counts one more attempt for `email` in one atomic step (a window older than
/// `window_seconds` starts over) and returns the attempts in the window, this one included.
pub async fn count_attempt(
    conn: &mut AsyncPgConnection,
    email: &str,
    window_seconds: i64,
) -> diesel::QueryResult<i32> {
    let counted: Count = diesel::sql_query(
        "INSERT INTO accounts.login_failures AS f (email, attempts) VALUES ($1, 1)
         ON CONFLICT (email) DO UPDATE SET
           attempts = CASE WHEN f.window_start < now() - make_interval(secs => $2)
                           THEN 1 ELSE f.attempts + 1 END,
           window_start = CASE WHEN f.window_start < now() - make_interval(secs => $2)
                               THEN now() ELSE f.window_start END
         RETURNING attempts",
    )
    .bind::<Text, _>(email)
    .bind::<BigInt, _>(window_seconds)
    .get_result(conn)
    .await?;
    Ok(counted.attempts)
}

/// Forgets the attempts of `email` (after a successful log-in).
pub async fn clear(conn: &mut AsyncPgConnection, email: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("DELETE FROM accounts.login_failures WHERE email = $1")
        .bind::<Text, _>(email)
        .execute(conn)
        .await
        .map(|_| ())
}
