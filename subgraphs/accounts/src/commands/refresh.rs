//! Refresh tokens. A sign-in (sign-up, log-in, the identity provider's callback) issues a user
//! session together with a refresh token of a new family. `refreshSession` exchanges a refresh
//! token for a new session and a new refresh token of the same family, marking the old one
//! used (rotation); a used token presented again means it leaked, so its whole family and
//! every session the family issued are revoked (OAuth 2.0 security BCP, RFC 9700 §4.14.2).
//! Logging out a session revokes its family too.

use super::{
    auth::{IssuedSession, mint_session, publish_revocations},
    secret_hash,
};
use crate::{
    AccountsDeps,
    db::{
        self,
        rows::{RefreshTokenRow, SessionRow, UserRow},
    },
};
use base64::Engine;
use chrono::{Duration, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{AccountKind, ApiError, ApiResult, db::transaction};
use rand::RngCore;
use uuid::Uuid;

/// Prefix of refresh tokens, so leaked ones are recognisable.
const PREFIX: &str = "mmr_";

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The refresh token row for `session`, in `family`.
fn token_row(
    deps: &AccountsDeps,
    session: &IssuedSession,
    family: Uuid,
) -> (String, RefreshTokenRow) {
    let token = new_token();
    let now = Utc::now();
    let row = RefreshTokenRow {
        id: Uuid::now_v7(),
        token_hash: secret_hash(&token),
        family_id: family,
        user_id: session.user.id,
        session_revocation_id: session.revocation_id.clone(),
        created_at: now,
        expires_at: now + Duration::hours(deps.config.refresh_token_ttl_hours),
        used_at: None,
        revoked_at: None,
    };
    (token, row)
}

/// A sign-in of `user`: a session acting as the user and a refresh token of a new family,
/// recorded together.
pub async fn sign_in(deps: &AccountsDeps, user: &UserRow) -> ApiResult<IssuedSession> {
    let (mut session, session_row) = mint_session(deps, user, user.id, AccountKind::User).await?;
    let (token, token_row) = token_row(deps, &session, Uuid::now_v7());
    transaction(&deps.pool, move |conn| {
        async move {
            db::sessions::insert(conn, &session_row).await?;
            db::refresh_tokens::insert(conn, &token_row).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    session.refresh_token = Some(token);
    Ok(session)
}

/// What presenting a refresh token led to.
enum Presented {
    /// Live: rotated.
    Rotated,
    /// Already used: its family and their sessions were revoked.
    Reused(Vec<SessionRow>),
    /// Unknown, expired or revoked.
    Refused,
}

/// Exchanges a refresh token for a new session and refresh token (UNAUTHENTICATED when it
/// is unknown, expired, revoked, or used before, which revokes its family).
pub async fn refresh(deps: &AccountsDeps, token: &str) -> ApiResult<IssuedSession> {
    let refused = || ApiError::Unauthenticated("invalid, expired or revoked refresh token".into());
    let token = token.trim();
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Err(refused());
    }
    let hash = secret_hash(token);
    let mut conn = deps.conn().await?;
    let Some(found) = db::refresh_tokens::by_hash(&mut conn, &hash).await? else {
        return Err(refused());
    };
    let user = db::users::by_ids(&mut conn, &[found.user_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(refused)?;
    drop(conn);
    // Minted before the transaction (it reads the admin grants); recorded only on rotation.
    let (mut session, session_row) = mint_session(deps, &user, user.id, AccountKind::User).await?;
    let (next_token, next_row) = token_row(deps, &session, found.family_id);
    let now = Utc::now();
    let outcome = transaction(&deps.pool, move |conn| {
        async move {
            // Locked: of two concurrent uses, the second sees the first's mark.
            let Some(row) = db::refresh_tokens::by_hash_for_update(conn, &hash).await? else {
                return Ok(Presented::Refused);
            };
            if row.revoked_at.is_some() || row.expires_at <= now {
                return Ok(Presented::Refused);
            }
            if row.used_at.is_some() {
                let sessions = db::refresh_tokens::revoke_family(conn, row.family_id, now).await?;
                let mut revoked = Vec::new();
                for revocation_id in sessions {
                    if let Some(session) = db::sessions::revoke(conn, &revocation_id, now).await? {
                        revoked.push(session);
                    }
                }
                return Ok(Presented::Reused(revoked));
            }
            db::refresh_tokens::mark_used(conn, row.id, now).await?;
            db::sessions::insert(conn, &session_row).await?;
            db::refresh_tokens::insert(conn, &next_row).await?;
            Ok(Presented::Rotated)
        }
        .scope_boxed()
    })
    .await?;
    match outcome {
        Presented::Rotated => {
            session.refresh_token = Some(next_token);
            Ok(session)
        }
        Presented::Reused(revoked) => {
            tracing::warn!(
                user = %user.id,
                sessions = revoked.len(),
                "a used refresh token was presented again; its family was revoked"
            );
            publish_revocations(deps, &revoked).await;
            Err(ApiError::Unauthenticated(
                "this refresh token was already used, so it may have leaked: every session of \
                 this sign-in was revoked; sign in again"
                    .into(),
            ))
        }
        Presented::Refused => Err(refused()),
    }
}

/// Revokes the refresh family of session `revocation_id` (on log-out) and the family's other
/// sessions; returns those sessions.
pub(crate) async fn revoke_family_of_session(
    conn: &mut diesel_async::AsyncPgConnection,
    revocation_id: &str,
) -> ApiResult<Vec<SessionRow>> {
    let Some(family) = db::refresh_tokens::family_of_session(conn, revocation_id).await? else {
        return Ok(Vec::new());
    };
    let now = Utc::now();
    let mut revoked = Vec::new();
    for session in db::refresh_tokens::revoke_family(conn, family, now).await? {
        if session != revocation_id
            && let Some(row) = db::sessions::revoke(conn, &session, now).await?
        {
            revoked.push(row);
        }
    }
    Ok(revoked)
}
