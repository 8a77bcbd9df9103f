//! Postgres through diesel-async: a connection pool, and the migrations in the repository's
//! `migrations/` folder, embedded in every binary and applied by `mediamagic migrate` / `dev`.

use diesel::migration::MigrationSource;
use diesel_async::{
    AsyncPgConnection,
    async_connection_wrapper::AsyncConnectionWrapper,
    pooled_connection::{
        AsyncDieselConnectionManager,
        deadpool::{Object, Pool},
    },
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// Every migration of the platform, one Postgres schema per subgraph plus `events`.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// A pool of async Postgres connections.
pub type DbPool = Pool<AsyncPgConnection>;
/// A connection borrowed from a [`DbPool`].
pub type DbConn = Object<AsyncPgConnection>;

/// Database failures outside a request (start-up, migrations).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The pool could not be built.
    #[error("could not build the connection pool: {0}")]
    Pool(String),
    /// Connecting or running a migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Builds a pool of at most `max_size` connections to `url`.
///
/// Every wait is bounded, so a hung or restarting Postgres fails requests fast instead of
/// holding them: a free connection is waited for at most [`POOL_WAIT`], a new one takes at
/// most [`CONNECT_TIMEOUT`], a reused one is checked within [`RECYCLE_TIMEOUT`] (broken
/// connections are replaced, so the pool recovers by itself after a restart), and each
/// statement runs at most [`STATEMENT_TIMEOUT`] (Postgres cancels it).
pub fn pool(url: &str, max_size: usize) -> Result<DbPool, DbError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(bounded_url(url));
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(RECYCLE_TIMEOUT))
        .build()
        .map_err(|err| DbError::Pool(err.to_string()))
}

/// Longest a request waits for a free pooled connection.
pub const POOL_WAIT: Duration = Duration::from_secs(5);
/// Longest opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest checking a reused connection may take.
pub const RECYCLE_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest one statement may run.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// `url` with the session limits every pooled connection gets (statement timeout, idle
/// transactions, connect timeout), unless the URL sets `options` itself.
fn bounded_url(url: &str) -> String {
    if url.contains("options=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    let statement_ms = STATEMENT_TIMEOUT.as_millis();
    format!(
        "{url}{separator}connect_timeout={}&options=-c%20statement_timeout%3D{statement_ms}\
         %20-c%20idle_in_transaction_session_timeout%3D{}",
        CONNECT_TIMEOUT.as_secs(),
        statement_ms * 2
    )
}

/// Applies pending migrations; returns the versions it applied.
pub async fn run_migrations(url: &str) -> Result<Vec<String>, DbError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|err| DbError::Migration(err.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|err| DbError::Migration(err.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
    .map_err(|err| DbError::Migration(err.to_string()))?
}

/// Whether every embedded migration has been applied to the database behind `conn`.
pub async fn migrations_applied(conn: &mut AsyncPgConnection) -> Result<bool, DbError> {
    use diesel::{QueryableByName, sql_types::Text};
    use diesel_async::RunQueryDsl;

    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }

    let applied: Vec<Version> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load(conn)
        .await
        .map_err(|err| DbError::Migration(err.to_string()))?;
    let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|err| DbError::Migration(err.to_string()))?;
    Ok(embedded.iter().all(|m| {
        let name = m.name().version().to_string();
        applied.iter().any(|a| a.version == name)
    }))
}

/// Runs `f` in a transaction on a pooled connection: committed when it returns `Ok`, rolled
/// back on any error (client errors included). With tracing on, the events its changes raise
/// record the current trace context, so their handlers continue the trace.
pub async fn transaction<'a, T, F>(pool: &DbPool, f: F) -> crate::ApiResult<T>
where
    T: Send + 'a,
    F: for<'c> FnOnce(
            &'c mut AsyncPgConnection,
        )
            -> diesel_async::scoped_futures::ScopedBoxFuture<'a, 'c, crate::ApiResult<T>>
        + Send
        + 'a,
{
    use diesel_async::{AsyncConnection, RunQueryDsl, scoped_futures::ScopedFutureExt};
    let mut pooled = pool.get().await?;
    let conn: &mut AsyncPgConnection = &mut pooled;
    let trace = crate::otel::enabled()
        .then(crate::telemetry::current_trace)
        .flatten()
        .map(|(trace_id, span_id)| {
            serde_json::json!({"trace_id": trace_id, "span_id": span_id}).to_string()
        });
    conn.transaction::<T, crate::ApiError, _>(move |conn| {
        async move {
            if let Some(trace) = trace {
                diesel::sql_query("SELECT set_config('mediamagic.trace_context', $1, true)")
                    .bind::<diesel::sql_types::Text, _>(trace)
                    .execute(conn)
                    .await?;
            }
            f(conn).await
        }
        .scope_boxed()
    })
    .await
}

/// Hasura-style session variables of `actor`, recorded on events its changes trigger.
pub fn session_variables(actor: &crate::Actor) -> serde_json::Value {
    serde_json::json!({
        "x-hasura-role": actor.account_kind.as_str(),
        "x-hasura-user-id": actor.user_id.map(|u| u.to_string()),
        "x-mediamagic-account-id": actor.account_id.to_string(),
    })
}

/// Sets the session variables, and the request's trace context when it has one, for the
/// rest of the current transaction, where the event capture trigger reads them.
pub async fn set_session_variables(
    conn: &mut AsyncPgConnection,
    variables: &serde_json::Value,
) -> crate::ApiResult<()> {
    use diesel_async::RunQueryDsl;
    let trace = crate::telemetry::current_trace()
        .map(|(trace_id, span_id)| {
            serde_json::json!({"trace_id": trace_id, "span_id": span_id}).to_string()
        })
        .unwrap_or_default();
    diesel::sql_query(
        "SELECT set_config('mediamagic.session_variables', $1, true),
                set_config('mediamagic.trace_context', $2, true)",
    )
    .bind::<diesel::sql_types::Text, _>(variables.to_string())
    .bind::<diesel::sql_types::Text, _>(trace)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `err` is a unique-constraint violation.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// `%text%` for a case-insensitive LIKE search, with `%`, `_` and `\` in `text` escaped so
/// they match literally.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("a%b_c\\d"), "%a\\%b\\_c\\\\d%");
    }
}
