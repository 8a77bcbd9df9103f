//! `worker.agents`: the agents operators issued tokens to.

use super::{
    rows::{AgentRow, WorkerRow},
    schema::{agents, workers},
};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records a new agent; a live agent of the same name is a unique violation.
pub async fn insert(conn: &mut AsyncPgConnection, row: &AgentRow) -> QueryResult<()> {
    diesel::insert_into(agents::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records `row`, or gives the live agent of its name `row`'s token, machine types and site;
/// returns the live agent. A token hash another (revoked) agent holds is a unique violation.
pub async fn provide(conn: &mut AsyncPgConnection, row: &AgentRow) -> QueryResult<AgentRow> {
    use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
    // The conflict target is the partial index of live names (diesel's builder has no
    // predicate for it).
    diesel::sql_query(
        "INSERT INTO worker.agents (id, name, machine_types, site, token_hash) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (name) WHERE revoked_at IS NULL DO UPDATE SET \
           token_hash = EXCLUDED.token_hash, machine_types = EXCLUDED.machine_types, \
           site = EXCLUDED.site \
         RETURNING id, name, machine_types, site, token_hash, created_at, revoked_at, \
           last_seen_at, version",
    )
    .bind::<SqlUuid, _>(row.id)
    .bind::<Text, _>(&row.name)
    .bind::<Array<Text>, _>(&row.machine_types)
    .bind::<Nullable<Text>, _>(&row.site)
    .bind::<Text, _>(&row.token_hash)
    .get_result(conn)
    .await
}

/// The live (not revoked) agent whose token hashes to `hash`.
pub async fn live_by_hash(
    conn: &mut AsyncPgConnection,
    hash: &str,
) -> QueryResult<Option<AgentRow>> {
    agents::table
        .filter(agents::token_hash.eq(hash))
        .filter(agents::revoked_at.is_null())
        .select(AgentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every agent, live ones first, then by name.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<AgentRow>> {
    agents::table
        .order((
            agents::revoked_at.is_not_null(),
            agents::name,
            agents::created_at,
        ))
        .select(AgentRow::as_select())
        .load(conn)
        .await
}

/// Live agents, and agents revoked less than `keep_seconds` ago: live ones first, then by
/// name.
pub async fn recent(conn: &mut AsyncPgConnection, keep_seconds: i64) -> QueryResult<Vec<AgentRow>> {
    let since = Utc::now() - chrono::Duration::seconds(keep_seconds);
    agents::table
        .filter(
            agents::revoked_at
                .is_null()
                .or(agents::revoked_at.gt(since)),
        )
        .order((
            agents::revoked_at.is_not_null(),
            agents::name,
            agents::created_at,
        ))
        .select(AgentRow::as_select())
        .load(conn)
        .await
}

/// Revokes the live agent named `name`; returns it, or `None` when no live agent has the name.
pub async fn revoke(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<AgentRow>> {
    diesel::update(
        agents::table
            .filter(agents::name.eq(name))
            .filter(agents::revoked_at.is_null()),
    )
    .set(agents::revoked_at.eq(Some(Utc::now())))
    .returning(AgentRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Records a call of `agent` (at most one write per agent every few seconds: the caller
/// decides) and the version it reported.
pub async fn seen(
    conn: &mut AsyncPgConnection,
    agent: Uuid,
    version: Option<&str>,
) -> QueryResult<()> {
    let now = Utc::now();
    match version {
        Some(version) => {
            diesel::update(agents::table.find(agent))
                .set((
                    agents::last_seen_at.eq(Some(now)),
                    agents::version.eq(Some(version)),
                ))
                .execute(conn)
                .await
        }
        None => {
            diesel::update(agents::table.find(agent))
                .set(agents::last_seen_at.eq(Some(now)))
                .execute(conn)
                .await
        }
    }
    .map(|_| ())
}

/// The worker processes of `agent` that have not stopped.
pub async fn workers_of(conn: &mut AsyncPgConnection, agent: Uuid) -> QueryResult<Vec<WorkerRow>> {
    workers::table
        .filter(workers::agent_id.eq(agent))
        .filter(workers::stopped_at.is_null())
        .select(WorkerRow::as_select())
        .load(conn)
        .await
}
