//! API keys (`x-mediamagic-key`): created for the acting user or a team the user administers,
//! shown once, stored as SHA-256, revocable with immediate effect across router instances.

use super::{secret_hash, teams::require_admin};
use crate::{
    AccountsDeps,
    db::{self, rows::ApiKeyRow},
    domain::KeyName,
};
use chrono::{DateTime, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{
    AccountKind, Actor, ApiError, ApiResult, Scope,
    db::{session_variables, set_session_variables, transaction},
    idempotency::{self, Claim, IdempotencyKey, Table, request_hash},
    redis::{API_KEY_LAST_USED, REVOKED, api_key_cache_key, seal},
};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// What the router learns about a valid key (also what it caches in Redis).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyIdentity {
    /// The key's id.
    pub key_id: Uuid,
    /// The person, for user keys; team keys act as the team alone.
    pub user_id: Option<Uuid>,
    /// The account it acts as.
    pub account_id: Uuid,
    /// User or team.
    pub account_kind: AccountKind,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key just created, with its secret (never retrievable again).
#[derive(Clone, Debug)]
pub struct CreatedKey {
    /// The stored key.
    pub key: ApiKeyRow,
    /// The secret to send as `x-mediamagic-key`; `None` when an idempotent retry returns a
    /// key made earlier (the secret is shown once, and only its hash is kept).
    pub secret: Option<String>,
}

/// Where accounts keep their creates' idempotency keys.
pub(crate) const KEYS: Table = Table("accounts.idempotency_keys");

/// Creates a key for the acting user, or for `team_id` when the user administers it. With an
/// idempotency `key` used before for the same request, returns that key without its secret.
#[allow(clippy::too_many_arguments)]
pub async fn create_api_key(
    deps: &AccountsDeps,
    actor: &Actor,
    name: &str,
    team_id: Option<Uuid>,
    scopes: Option<Vec<Scope>>,
    expires_at: Option<DateTime<Utc>>,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<CreatedKey> {
    actor.require_scope(Scope::Write)?;
    let user_id = actor.require_user()?;
    let hash = request_hash(&serde_json::json!({
        "name": name, "team": team_id,
        "scopes": scopes.as_ref().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "expires_at": expires_at,
    }));
    let name = KeyName::parse(name)?;
    let mut scopes = scopes.unwrap_or_else(Scope::user_defaults);
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::bad_input("scopes", "give at least one scope"));
    }
    if let Some(scope) = scopes.iter().find(|s| !actor.has_scope(**s)) {
        return Err(ApiError::Forbidden(format!(
            "a key cannot have the `{}` scope your credential lacks",
            scope.as_str()
        )));
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::bad_input(
            "expiresAt",
            "expiry must be in the future",
        ));
    }
    let mut conn = deps.conn().await?;
    let (owner_id, owner_kind) = match team_id {
        Some(team) => {
            require_admin(&mut conn, actor, team).await?;
            (team, AccountKind::Team)
        }
        // A user credential creates keys for the account it acts as only when that is the
        // user; a team credential must name its team explicitly.
        None if actor.account_kind == AccountKind::Team => {
            require_admin(&mut conn, actor, actor.account_id).await?;
            (actor.account_id, AccountKind::Team)
        }
        None => (user_id, AccountKind::User),
    };
    drop(conn);
    let secret = Uuid::new_v4().to_string();
    let key = ApiKeyRow {
        id: Uuid::now_v7(),
        owner_id,
        owner_kind: owner_kind.as_str().to_owned(),
        created_by: user_id,
        name: name.as_str().to_owned(),
        key_hash: secret_hash(&secret),
        prefix: secret[..8].to_owned(),
        scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        expires_at,
        last_used_at: None,
        revoked_at: None,
        created_at: Utc::now(),
    };
    let max = deps.config.max_api_keys;
    let (acting, row) = (actor.account_id, key.clone());
    let earlier = transaction(&deps.pool, move |conn| {
        async move {
            if let Some(idempotency) = &idempotency
                && let Claim::Done(earlier) =
                    idempotency::claim(conn, KEYS, acting, "createApiKey", idempotency, &hash)
                        .await?
            {
                return Ok(Some(earlier));
            }
            if db::keys::count(conn, owner_id).await? >= max {
                return Err(ApiError::Conflict(format!(
                    "an account may hold at most {max} API keys; revoke some first"
                )));
            }
            db::keys::insert(conn, &row).await?;
            if let Some(idempotency) = &idempotency {
                idempotency::record(conn, KEYS, acting, "createApiKey", idempotency, row.id)
                    .await?;
            }
            Ok(None)
        }
        .scope_boxed()
    })
    .await?;
    match earlier {
        None => Ok(CreatedKey {
            key,
            secret: Some(secret),
        }),
        Some(id) => {
            let mut conn = deps.conn().await?;
            let key = db::keys::owned(&mut conn, id, owner_id)
                .await?
                .ok_or_else(|| ApiError::not_found("API key"))?;
            Ok(CreatedKey { key, secret: None })
        }
    }
}

/// One page of the acting account's keys, newest first.
pub async fn list_api_keys(
    deps: &AccountsDeps,
    actor: &Actor,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<(Vec<ApiKeyRow>, i64)> {
    let mut conn = deps.conn().await?;
    let mut rows = db::keys::page(&mut conn, actor.account_id, after, limit).await?;
    let total = db::keys::count(&mut conn, actor.account_id).await?;
    merge_last_used(deps, &mut rows).await?;
    Ok((rows, total))
}

/// Revokes a key of the acting account. Takes effect on the next request everywhere: the
/// router's Redis cache entry is replaced by a tombstone it cannot overwrite.
pub async fn revoke_api_key(deps: &AccountsDeps, actor: &Actor, id: Uuid) -> ApiResult<ApiKeyRow> {
    actor.require_scope(Scope::Write)?;
    let mut conn = deps.conn().await?;
    let key = db::keys::owned(&mut conn, id, actor.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("API key"))?;
    if key.owner_kind == AccountKind::Team.as_str() {
        require_admin(&mut conn, actor, key.owner_id).await?;
    }
    drop(conn);
    let session = session_variables(actor);
    transaction(&deps.pool, move |conn| {
        async move {
            set_session_variables(conn, &session).await?;
            db::keys::revoke(conn, id, Utc::now()).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    // The `api_key_revoked` event handler writes it again if this fails.
    if let Err(err) = write_tombstone(deps, &key.key_hash).await {
        tracing::warn!(error = ?err, "tombstone write failed; the event handler will retry");
    }
    let mut conn = deps.conn().await?;
    db::keys::owned(&mut conn, id, actor.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("API key"))
}

/// Replaces the router's cache entry of a key with a tombstone no router will overwrite.
pub async fn write_tombstone(deps: &AccountsDeps, key_hash: &str) -> ApiResult<()> {
    let key = api_key_cache_key(key_hash);
    let sealed = seal(&deps.internal_secret, &key, REVOKED);
    deps.redis
        .run(|mut redis| async move { redis.set_ex(key, sealed, TOMBSTONE_TTL_SECONDS).await })
        .await
        .map_err(ApiError::internal)
}
/// Outlives any router's in-flight lookup (their entries live 300 s).
const TOMBSTONE_TTL_SECONDS: u64 = 900;

/// Looks a presented key up (for the router): its identity when it is valid.
pub async fn verify_api_key(deps: &AccountsDeps, secret: &str) -> ApiResult<KeyIdentity> {
    let invalid = || ApiError::Unauthenticated("invalid, expired or revoked API key".into());
    let mut conn = deps.conn().await?;
    let key = db::keys::by_hash(&mut conn, &secret_hash(secret.trim()))
        .await?
        .ok_or_else(invalid)?;
    let now = Utc::now();
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(invalid());
    }
    db::keys::touch(&mut conn, key.id, now).await?;
    let account_kind = AccountKind::from_str(&key.owner_kind)
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    Ok(KeyIdentity {
        key_id: key.id,
        user_id: (account_kind == AccountKind::User).then_some(key.created_by),
        account_id: key.owner_id,
        account_kind,
        scopes: key
            .scopes
            .iter()
            .filter_map(|s| Scope::from_str(s).ok())
            .collect(),
        expires_at: key.expires_at,
    })
}

/// The router records uses in a Redis hash; fold the newest into the rows shown.
async fn merge_last_used(deps: &AccountsDeps, rows: &mut [ApiKeyRow]) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    // Last-used times are informative: without Redis the rows keep what Postgres has.
    let Ok(used) = deps
        .redis
        .run(|mut redis| async move {
            redis
                .hget::<_, _, Vec<Option<String>>>(API_KEY_LAST_USED, &ids)
                .await
        })
        .await
    else {
        return Ok(());
    };
    for (row, used) in rows.iter_mut().zip(used) {
        let used = used
            .and_then(|u| DateTime::parse_from_rfc3339(&u).ok())
            .map(|u| u.with_timezone(&Utc));
        if let Some(used) = used
            && row.last_used_at.is_none_or(|old| old < used)
        {
            row.last_used_at = Some(used);
        }
    }
    Ok(())
}
