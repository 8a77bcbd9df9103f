//! Platform admins (the `admin` scope): granted and revoked by an operator act only, each
//! act audited in `accounts.admin_audit`. `accounts.admin_emails` bootstraps the users that
//! exist when the service starts; signing up later with a listed address grants nothing
//! (nobody verified that the person owns it).

use crate::{AccountsDeps, db};
use chrono::Utc;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{ApiError, ApiResult, db::DbPool, db::transaction};
use uuid::Uuid;

/// Makes the user with `email` an admin (their next session gets the `admin` scope); `false`
/// when they already were. `actor` names who did it, for the audit.
pub async fn grant(pool: &DbPool, email: &str, actor: &str) -> ApiResult<bool> {
    change(pool, email, actor, "grant").await
}

/// Takes the admin scope from the user with `email` and revokes their sessions at once (the
/// `session_revoked` events carry that to every router); `false` when they were no admin.
pub async fn revoke(pool: &DbPool, email: &str, actor: &str) -> ApiResult<bool> {
    change(pool, email, actor, "revoke").await
}

async fn change(pool: &DbPool, email: &str, actor: &str, action: &'static str) -> ApiResult<bool> {
    let email = email.trim().to_lowercase();
    let actor = actor.to_owned();
    transaction(pool, move |conn| {
        async move {
            let user = db::users::by_email(conn, &email)
                .await?
                .ok_or_else(|| ApiError::not_found("user with that email"))?;
            let changed = match action {
                "grant" => {
                    diesel::sql_query(
                        "INSERT INTO accounts.admins (user_id, granted_by) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                    )
                    .bind::<SqlUuid, _>(user.id)
                    .bind::<Text, _>(&actor)
                    .execute(conn)
                    .await?
                }
                _ => {
                    let removed =
                        diesel::sql_query("DELETE FROM accounts.admins WHERE user_id = $1")
                            .bind::<SqlUuid, _>(user.id)
                            .execute(conn)
                            .await?;
                    db::sessions::revoke_for(conn, user.id, user.id, Utc::now()).await?;
                    removed
                }
            };
            if changed > 0 {
                diesel::sql_query(
                    "INSERT INTO accounts.admin_audit (user_id, email, action, actor) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind::<SqlUuid, _>(user.id)
                .bind::<Text, _>(&email)
                .bind::<Text, _>(action)
                .bind::<Text, _>(&actor)
                .execute(conn)
                .await?;
            }
            Ok(changed > 0)
        }
        .scope_boxed()
    })
    .await
}

/// Whether `user` is an admin now.
pub async fn is_admin(conn: &mut AsyncPgConnection, user: Uuid) -> ApiResult<bool> {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found =
        diesel::sql_query("SELECT count(*) AS n FROM accounts.admins WHERE user_id = $1")
            .bind::<SqlUuid, _>(user)
            .get_result(conn)
            .await?;
    Ok(found.n > 0)
}

/// Grants the admin scope to the users listed in `accounts.admin_emails` that exist now.
pub async fn bootstrap(deps: &AccountsDeps) -> ApiResult<usize> {
    let mut granted = 0;
    for email in &deps.config.admin_emails {
        match grant(&deps.pool, email, "config:accounts.admin_emails").await {
            Ok(true) => granted += 1,
            Ok(false) => {}
            Err(ApiError::NotFound(_)) => tracing::warn!(
                email,
                "accounts.admin_emails names no existing user: nothing granted (sign up first, \
                 then restart or run `mediamagic admin grant`)"
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(granted)
}
