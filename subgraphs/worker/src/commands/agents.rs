//! Agents, for operators and for the agent protocol: issue a token (shown once, kept
//! hashed), list, revoke (the agent's next call fails; its workers are recorded as stopped,
//! and the jobs' sweeper gives the jobs they held back to the queue), and find the live
//! agent a presented token names. On the worker schema only (the worker role's pool), so
//! the operator's command needs no other credential.

use crate::{
    db::{self, rows::AgentRow},
    domain::agent_token::{AgentName, AgentToken},
};
use chrono::Utc;
use mediamagic_kit::{ApiError, ApiResult, db::DbPool};

/// An agent just created, with the token it alone will hold.
#[derive(Debug)]
pub struct CreatedAgent {
    /// The stored agent.
    pub agent: AgentRow,
    /// The token, never retrievable again.
    pub token: AgentToken,
}

/// What to issue.
#[derive(Clone, Debug)]
pub struct NewAgent {
    /// Its name (`rack-7`), unique among live agents.
    pub name: String,
    /// The machine types it may claim.
    pub machine_types: Vec<String>,
    /// Where it runs, for operators.
    pub site: Option<String>,
}

/// A [`NewAgent`] checked: its name, its machine types (sorted, without repeats), its site.
fn checked(new: NewAgent) -> ApiResult<(AgentName, Vec<String>, Option<String>)> {
    let name = AgentName::parse(new.name.trim()).map_err(|m| ApiError::bad_input("name", m))?;
    let mut machine_types: Vec<String> = new
        .machine_types
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    machine_types.sort();
    machine_types.dedup();
    if machine_types.is_empty() || machine_types.len() > 32 {
        return Err(ApiError::bad_input(
            "machineTypes",
            "name between 1 and 32 machine types the agent may run",
        ));
    }
    if let Some(bad) = machine_types.iter().find(|t| AgentName::parse(t).is_err()) {
        return Err(ApiError::bad_input(
            "machineTypes",
            format!("`{bad}` is not a machine type name"),
        ));
    }
    let site = new
        .site
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if site.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::bad_input(
            "site",
            "a site is at most 100 characters",
        ));
    }
    Ok((name, machine_types, site))
}

fn row(
    name: AgentName,
    machine_types: Vec<String>,
    site: Option<String>,
    token: &AgentToken,
) -> AgentRow {
    AgentRow {
        id: uuid::Uuid::new_v4(),
        name: name.as_str().to_owned(),
        machine_types,
        site,
        token_hash: token.hash(),
        created_at: Utc::now(),
        revoked_at: None,
        last_seen_at: None,
        version: None,
    }
}

/// Issues a token for a new agent.
pub async fn create(pool: &DbPool, new: NewAgent) -> ApiResult<CreatedAgent> {
    let (name, machine_types, site) = checked(new)?;
    let token = AgentToken::generate();
    let agent = row(name, machine_types, site, &token);
    let mut conn = pool.get().await?;
    match db::agents::insert(&mut conn, &agent).await {
        Ok(()) => Ok(CreatedAgent { agent, token }),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(ApiError::Conflict(format!(
            "a live agent is already named `{}`: revoke it first, or choose another name",
            agent.name
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Makes the agent the deployment provides live with `token` (`[worker.provided_agent]`):
/// created, or the live agent of that name given this token and these machine types. A
/// token that is not an agent token, or one an operator revoked, is refused.
pub async fn provide(pool: &DbPool, new: NewAgent, token: &str) -> ApiResult<AgentRow> {
    let (name, machine_types, site) = checked(new)?;
    let token = AgentToken::parse(token.trim()).ok_or_else(|| {
        ApiError::bad_input(
            "token",
            "the provided agent's token is `mmagent_` and 64 hex digits (`mediamagic agents token` makes one)",
        )
    })?;
    let agent = row(name, machine_types, site, &token);
    let mut conn = pool.get().await?;
    match db::agents::provide(&mut conn, &agent).await {
        Ok(row) => Ok(row),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(ApiError::Conflict(
            "the provided agent's token belongs to a revoked agent: give the deployment a new token"
                .into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Every agent, live ones first.
pub async fn list(pool: &DbPool) -> ApiResult<Vec<AgentRow>> {
    let mut conn = pool.get().await?;
    Ok(db::agents::all(&mut conn).await?)
}

/// What a revocation did.
#[derive(Debug)]
pub struct Revoked {
    /// The agent, now revoked.
    pub agent: AgentRow,
    /// Its worker processes, now recorded as stopped: the jobs they held go back to the
    /// queue at the jobs sweeper's next pass (not counted as attempts).
    pub workers: usize,
}

/// Revokes the live agent named `name`: its next call is refused, and its workers are
/// stopped, so the jobs they hold are given back to the queue.
pub async fn revoke(pool: &DbPool, name: &str) -> ApiResult<Revoked> {
    let mut conn = pool.get().await?;
    let agent = db::agents::revoke(&mut conn, name.trim())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no live agent is named `{}`", name.trim())))?;
    let workers = db::agents::workers_of(&mut conn, agent.id).await?;
    for worker in &workers {
        db::workers::stopped(&mut conn, &worker.id).await?;
    }
    Ok(Revoked {
        agent,
        workers: workers.len(),
    })
}

/// The live agent `presented` names; UNAUTHENTICATED for anything else, with the same
/// message whether the token is malformed, unknown or revoked.
pub async fn authenticate(pool: &DbPool, presented: Option<&str>) -> ApiResult<AgentRow> {
    let refused = || {
        ApiError::Unauthenticated(format!(
            "send a live agent token in `{}` (`mediamagic agents create` issues one)",
            crate::domain::agent_token::HEADER
        ))
    };
    let token = presented.and_then(AgentToken::parse).ok_or_else(refused)?;
    let mut conn = pool.get().await?;
    db::agents::live_by_hash(&mut conn, &token.hash())
        .await?
        .ok_or_else(refused)
}
