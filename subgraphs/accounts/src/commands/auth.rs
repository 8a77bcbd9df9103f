//! Sign up, log in, log out, and session tokens for users and teams.

use crate::{
    AccountsDeps,
    db::{
        self,
        rows::{SessionRow, UserRow},
    },
    domain::{DisplayName, Email, Password, decoy_hash},
};
use chrono::{DateTime, Duration, Utc};
use mediamagic_kit::{
    AccountKind, Actor, ApiError, ApiResult, Scope,
    redis::{REVOKED, seal, session_state_key},
    tokens::Claims,
};
use redis::AsyncCommands;
use uuid::Uuid;

/// A session token handed to a client.
#[derive(Clone, Debug)]
pub struct IssuedSession {
    /// The Biscuit token (send as `Authorization: Bearer <token>`).
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The account it acts as.
    pub account_id: Uuid,
    /// User or team.
    pub account_kind: AccountKind,
    /// The person it belongs to.
    pub user: UserRow,
    /// Its revocation id (the `accounts.sessions` key).
    pub revocation_id: String,
    /// A refresh token issued with it (user sessions from a sign-in, not team tokens).
    pub refresh_token: Option<String>,
}

/// Creates a user with a password and returns a session for it.
pub async fn sign_up(
    deps: &AccountsDeps,
    email: &str,
    password: &str,
    name: &str,
) -> ApiResult<IssuedSession> {
    let email = Email::parse(email)?;
    let name = DisplayName::parse(name)?;
    let password = Password::parse_new(password, deps.config.password_min_length, email.as_str())?;
    let hash = bounded_hashing(deps, move || password.hash()).await??;
    let now = Utc::now();
    let row = UserRow {
        id: Uuid::now_v7(),
        email: email.as_str().to_owned(),
        name: name.as_str().to_owned(),
        password_hash: Some(hash.0),
        oidc_issuer: None,
        oidc_subject: None,
        created_at: now,
        updated_at: now,
    };
    let mut conn = deps.conn().await?;
    match db::users::insert(&mut conn, &row).await {
        Ok(()) => {}
        Err(err) if db::is_unique_violation(&err) => {
            return Err(ApiError::Conflict(
                "an account with this email already exists; log in instead".into(),
            ));
        }
        Err(err) => return Err(err.into()),
    }
    drop(conn);
    super::refresh::sign_in(deps, &row).await
}

/// Checks email and password and returns a user session. A wrong email and a wrong password
/// give the same answer, after the same amount of hashing work.
pub async fn log_in(deps: &AccountsDeps, email: &str, password: &str) -> ApiResult<IssuedSession> {
    let wrong = || ApiError::Unauthenticated("wrong email or password".into());
    let email = Email::parse(email).map_err(|_| wrong())?;
    let password = Password::for_login(password)?;
    // Every attempt is counted before its password is checked (one atomic step, in
    // Postgres so the limit holds without Redis), so parallel guesses cannot all pass the
    // check; a success clears the count.
    let mut conn = deps.conn().await?;
    let window = i64::try_from(deps.config.login_window_seconds).unwrap_or(i64::MAX);
    let attempts = db::login_failures::count_attempt(&mut conn, email.as_str(), window).await?;
    if u32::try_from(attempts).unwrap_or(u32::MAX) > deps.config.login_max_failures {
        return Err(ApiError::RateLimited(
            "too many failed log-ins for this email; try again later".into(),
        ));
    }
    let user = db::users::by_email(&mut conn, email.as_str()).await?;
    drop(conn);
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let matches = bounded_hashing(deps, move || password.matches(&hash)).await?;
    match user {
        Some(user) if matches => {
            let mut conn = deps.conn().await?;
            db::login_failures::clear(&mut conn, email.as_str()).await?;
            drop(conn);
            super::refresh::sign_in(deps, &user).await
        }
        _ => Err(wrong()),
    }
}

/// Runs a password hash on a blocking thread, at most `accounts.max_concurrent_hashes` at
/// once; RATE_LIMITED when no slot frees within `accounts.hash_wait_ms` (argon2 is slow and
/// memory-hungry on purpose, so parallel log-ins must not exhaust the machine).
async fn bounded_hashing<T: Send + 'static>(
    deps: &AccountsDeps,
    work: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let wait = std::time::Duration::from_millis(deps.config.hash_wait_ms);
    let busy = || ApiError::RateLimited("too many sign-ins at once; retry in a second".into());
    let permit = match tokio::time::timeout(wait, deps.hashing.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => return Err(busy()),
    };
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(ApiError::internal)
}

/// Revokes the session token the actor presented.
pub async fn log_out(deps: &AccountsDeps, actor: &Actor) -> ApiResult<bool> {
    let Some(session) = &actor.session else {
        return Err(ApiError::bad_input(
            "credential",
            "log out applies to session tokens; revoke API keys with revokeApiKey",
        ));
    };
    let mut conn = deps.conn().await?;
    let mut revoked: Vec<SessionRow> = db::sessions::revoke(&mut conn, session, Utc::now())
        .await?
        .into_iter()
        .collect();
    // Its refresh tokens and the sessions they issued end with it.
    revoked.extend(super::refresh::revoke_family_of_session(&mut conn, session).await?);
    publish_revocations(deps, &revoked).await;
    Ok(true)
}

/// A session token for the team `team_id`, for a member of it.
pub async fn team_token(
    deps: &AccountsDeps,
    actor: &Actor,
    team_id: Uuid,
) -> ApiResult<IssuedSession> {
    actor.require_scope(Scope::Write)?;
    let user_id = actor.require_user()?;
    let mut conn = deps.conn().await?;
    if db::teams::membership(&mut conn, team_id, user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("team"));
    }
    let user = db::users::by_ids(&mut conn, &[user_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("user"))?;
    drop(conn);
    issue_session(deps, &user, team_id, AccountKind::Team).await
}

/// Signs and records a session token of `user` acting as `account_id`.
pub(crate) async fn issue_session(
    deps: &AccountsDeps,
    user: &UserRow,
    account_id: Uuid,
    account_kind: AccountKind,
) -> ApiResult<IssuedSession> {
    let (session, row) = mint_session(deps, user, account_id, account_kind).await?;
    let mut conn = deps.conn().await?;
    db::sessions::insert(&mut conn, &row).await?;
    Ok(session)
}

/// Signs a session token of `user` acting as `account_id`, with the row that records it (for
/// callers that insert it inside their own transaction).
pub(crate) async fn mint_session(
    deps: &AccountsDeps,
    user: &UserRow,
    account_id: Uuid,
    account_kind: AccountKind,
) -> ApiResult<(IssuedSession, SessionRow)> {
    let now = Utc::now();
    let expires_at = now + Duration::hours(deps.config.session_ttl_hours);
    let mut scopes = Scope::user_defaults();
    if account_kind == AccountKind::User {
        let mut conn = deps.conn().await?;
        if super::admins::is_admin(&mut conn, user.id).await? {
            scopes.push(Scope::Admin);
        }
    }
    let minted = deps
        .sessions
        .mint(&Claims {
            user_id: Some(user.id),
            account_id,
            account_kind,
            scopes,
            expires_at,
            session: None,
            api_key: None,
        })
        .map_err(ApiError::internal)?;
    let row = SessionRow {
        revocation_id: minted.revocation_id.clone(),
        user_id: user.id,
        account_id,
        account_kind: account_kind.as_str().to_owned(),
        created_at: now,
        expires_at,
        revoked_at: None,
    };
    let session = IssuedSession {
        token: minted.token,
        expires_at,
        account_id,
        account_kind,
        user: user.clone(),
        revocation_id: minted.revocation_id,
        refresh_token: None,
    };
    Ok((session, row))
}

/// [`mark_revoked`] after a revocation committed in Postgres: a failure (Redis away) is
/// logged, not returned, since the revocation holds already (routers without the cache ask
/// Postgres) and the `session_revoked` event handler writes the cache entry again.
pub(crate) async fn publish_revocations(deps: &AccountsDeps, rows: &[SessionRow]) {
    if let Err(e) = mark_revoked(deps, rows).await {
        tracing::warn!(error = ?e, "revocation not cached yet; the event handler will retry");
    }
}

/// Publishes revocations to the router's cache, where every router instance sees them on
/// the next request (sealed, so nobody who can only write to Redis can forge or undo one).
/// The `session_revoked` event handler writes them again if this fails.
pub(crate) async fn mark_revoked(deps: &AccountsDeps, rows: &[SessionRow]) -> ApiResult<()> {
    let now = Utc::now();
    let entries: Vec<(String, String, u64)> = rows
        .iter()
        .map(|row| {
            let key = session_state_key(&row.revocation_id);
            let sealed = seal(&deps.internal_secret, &key, REVOKED);
            let ttl = (row.expires_at - now).num_seconds().max(1) as u64;
            (key, sealed, ttl)
        })
        .collect();
    deps.redis
        .run(|mut redis| async move {
            for (key, sealed, ttl) in entries {
                let _: () = redis.set_ex(key, sealed, ttl).await?;
            }
            Ok(())
        })
        .await
        .map_err(ApiError::internal)
}

/// Whether the session token with `revocation_id` may be used (for the router, on a cache
/// miss): known, not revoked, not expired. Postgres is the truth.
pub async fn session_is_live(deps: &AccountsDeps, revocation_id: &str) -> ApiResult<bool> {
    let mut conn = deps.conn().await?;
    let row = db::sessions::by_revocation_id(&mut conn, revocation_id).await?;
    Ok(row.is_some_and(|row| row.revoked_at.is_none() && row.expires_at > Utc::now()))
}

/// Writes the cached state of a revoked session again (the event handler's job).
pub async fn republish_revocation(deps: &AccountsDeps, revocation_id: &str) -> ApiResult<()> {
    let mut conn = deps.conn().await?;
    let Some(row) = db::sessions::by_revocation_id(&mut conn, revocation_id).await? else {
        return Ok(());
    };
    drop(conn);
    if row.revoked_at.is_some() && row.expires_at > Utc::now() {
        mark_revoked(deps, &[row]).await?;
    }
    Ok(())
}

/// The user for an external OIDC identity, created on first sight (no password).
pub async fn provision_oidc_user(
    deps: &AccountsDeps,
    issuer: &str,
    subject: &str,
    email: &str,
    name: Option<&str>,
) -> ApiResult<Uuid> {
    let mut conn = deps.conn().await?;
    if let Some(user) = db::users::by_oidc(&mut conn, issuer, subject).await? {
        return Ok(user.id);
    }
    let email = Email::parse(email)?;
    let name = DisplayName::parse(
        name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("user")),
    )?;
    let now = Utc::now();
    let row = UserRow {
        id: Uuid::now_v7(),
        email: email.as_str().to_owned(),
        name: name.as_str().to_owned(),
        password_hash: None,
        oidc_issuer: Some(issuer.to_owned()),
        oidc_subject: Some(subject.to_owned()),
        created_at: now,
        updated_at: now,
    };
    match db::users::insert(&mut conn, &row).await {
        Ok(()) => Ok(row.id),
        // A concurrent first request provisioned it, or the email has a password account.
        Err(err) if db::is_unique_violation(&err) => db::users::by_oidc(&mut conn, issuer, subject)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| ApiError::Conflict("an account with this email already exists".into())),
        Err(err) => Err(err.into()),
    }
}
