//! Teams: create, read, invite, accept, remove, leave. Non-members get NOT_FOUND; members
//! without the admin role get FORBIDDEN; the last owner cannot leave or be removed.

use super::{auth::publish_revocations, keys::KEYS, secret_hash};
use crate::{
    AccountsDeps,
    db::{
        self,
        rows::{InviteRow, MembershipRow, TeamRow},
    },
    domain::{Email, Role, TeamName},
};
use chrono::{Duration, Utc};
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{
    Actor, ApiError, ApiResult,
    db::transaction,
    idempotency::{self, Claim, IdempotencyKey, request_hash},
};
use uuid::Uuid;

/// An invite and its one-time token (shown to the inviter once; no mail server).
#[derive(Clone, Debug)]
pub struct CreatedInvite {
    /// The stored invite.
    pub invite: InviteRow,
    /// The secret the invitee passes to `acceptInvite`; `None` when an idempotent retry
    /// returns an invite made earlier (the token is shown once; only its hash is kept).
    pub token: Option<String>,
}

/// Creates a team owned by the acting user. With an idempotency key used before for the
/// same name, returns that team.
pub async fn create_team(
    deps: &AccountsDeps,
    actor: &Actor,
    name: &str,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<TeamRow> {
    actor.require_scope(mediamagic_kit::Scope::Write)?;
    let user_id = actor.require_user()?;
    let hash = request_hash(&serde_json::json!({"name": name}));
    let name = TeamName::parse(name)?;
    let now = Utc::now();
    let team = TeamRow {
        id: Uuid::now_v7(),
        name: name.as_str().to_owned(),
        created_by: user_id,
        created_at: now,
        updated_at: now,
    };
    let row = team.clone();
    let acting = actor.account_id;
    let earlier = transaction(&deps.pool, move |conn| {
        async move {
            if let Some(idempotency) = &idempotency
                && let Claim::Done(earlier) =
                    idempotency::claim(conn, KEYS, acting, "createTeam", idempotency, &hash).await?
            {
                return Ok(Some(earlier));
            }
            db::teams::insert(conn, &row).await?;
            db::teams::add_member(
                conn,
                &MembershipRow {
                    team_id: row.id,
                    user_id,
                    role: Role::Owner.as_str().into(),
                    created_at: now,
                },
            )
            .await?;
            if let Some(idempotency) = &idempotency {
                idempotency::record(conn, KEYS, acting, "createTeam", idempotency, row.id).await?;
            }
            Ok(None)
        }
        .scope_boxed()
    })
    .await?;
    match earlier {
        None => Ok(team),
        Some(id) => visible_team(deps, actor, id).await,
    }
}

/// The role of the actor's user in `team_id`, or NOT_FOUND when not a member. A team
/// credential sees its own team.
pub async fn visible_team(deps: &AccountsDeps, actor: &Actor, team_id: Uuid) -> ApiResult<TeamRow> {
    let mut conn = deps.conn().await?;
    let member = match actor.user_id {
        Some(user) => db::teams::membership(&mut conn, team_id, user)
            .await?
            .is_some(),
        None => false,
    };
    if !member && actor.account_id != team_id {
        return Err(ApiError::not_found("team"));
    }
    db::teams::by_ids(&mut conn, &[team_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("team"))
}

/// Fails unless the actor's user administers `team_id` (NOT_FOUND for non-members).
pub(crate) async fn require_admin(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Actor,
    team_id: Uuid,
) -> ApiResult<Role> {
    let user = actor.require_user()?;
    let membership = db::teams::membership(conn, team_id, user)
        .await?
        .ok_or_else(|| ApiError::not_found("team"))?;
    let role = Role::from_db(&membership.role)?;
    if !role.is_admin() {
        return Err(ApiError::Forbidden(
            "only team owners and admins can do this".into(),
        ));
    }
    Ok(role)
}

/// The roles of `me` and `them` among a team's (locked) members: NOT_FOUND for the team
/// when `me` is not one of them, for the member when `them` is not.
pub(crate) fn roles_of(members: &[MembershipRow], me: Uuid, them: Uuid) -> ApiResult<(Role, Role)> {
    let role_of = |user: Uuid| -> ApiResult<Option<Role>> {
        members
            .iter()
            .find(|m| m.user_id == user)
            .map(|m| Role::from_db(&m.role))
            .transpose()
    };
    let mine = role_of(me)?.ok_or_else(|| ApiError::not_found("team"))?;
    let theirs = role_of(them)?.ok_or_else(|| ApiError::not_found("member"))?;
    Ok((mine, theirs))
}

/// Invites `email` into `team_id` with `role` (admin or member).
pub async fn invite_member(
    deps: &AccountsDeps,
    actor: &Actor,
    team_id: Uuid,
    email: &str,
    role: Role,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<CreatedInvite> {
    actor.require_scope(mediamagic_kit::Scope::Write)?;
    let hash =
        request_hash(&serde_json::json!({"team": team_id, "email": email, "role": role.as_str()}));
    let email = Email::parse(email)?;
    let mut conn = deps.conn().await?;
    let my_role = require_admin(&mut conn, actor, team_id).await?;
    drop(conn);
    if role == Role::Owner && my_role != Role::Owner {
        return Err(ApiError::Forbidden("only owners can invite owners".into()));
    }
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "invite as admin or member; promote to owner afterwards",
        ));
    }
    let token = format!("mminv_{}", Uuid::new_v4().simple());
    let now = Utc::now();
    let invite = InviteRow {
        id: Uuid::now_v7(),
        team_id,
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        token_hash: secret_hash(&token),
        invited_by: actor.require_user()?,
        created_at: now,
        expires_at: now + Duration::hours(deps.config.invite_ttl_hours),
        accepted_at: None,
        accepted_by: None,
    };
    let (row, acting) = (invite.clone(), actor.account_id);
    let earlier = transaction(&deps.pool, move |conn| {
        async move {
            if let Some(idempotency) = &idempotency
                && let Claim::Done(earlier) =
                    idempotency::claim(conn, KEYS, acting, "inviteMember", idempotency, &hash)
                        .await?
            {
                return Ok(Some(earlier));
            }
            db::teams::insert_invite(conn, &row).await?;
            if let Some(idempotency) = &idempotency {
                idempotency::record(conn, KEYS, acting, "inviteMember", idempotency, row.id)
                    .await?;
            }
            Ok(None)
        }
        .scope_boxed()
    })
    .await?;
    match earlier {
        None => Ok(CreatedInvite {
            invite,
            token: Some(token),
        }),
        // The token is shown once (only its hash is kept), like an API key's secret.
        Some(id) => {
            let mut conn = deps.conn().await?;
            let invite = db::teams::invite_by_id(&mut conn, id)
                .await?
                .ok_or_else(|| ApiError::not_found("invite"))?;
            Ok(CreatedInvite {
                invite,
                token: None,
            })
        }
    }
}

/// Accepts an invite addressed to the acting user's email.
pub async fn accept_invite(deps: &AccountsDeps, actor: &Actor, token: &str) -> ApiResult<TeamRow> {
    actor.require_scope(mediamagic_kit::Scope::Write)?;
    let user_id = actor.require_user()?;
    let token_hash = secret_hash(token.trim());
    let team_id = transaction(&deps.pool, move |conn| {
        async move {
            let invalid = || ApiError::NotFound("invite not found, already used or expired".into());
            let invite = db::teams::invite_by_token_hash(conn, &token_hash)
                .await?
                .ok_or_else(invalid)?;
            let now = Utc::now();
            if invite.accepted_at.is_some() || invite.expires_at <= now {
                return Err(invalid());
            }
            let user = db::users::by_ids(conn, &[user_id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::not_found("user"))?;
            if user.email != invite.email {
                return Err(ApiError::Forbidden(
                    "this invite was sent to another email address".into(),
                ));
            }
            if db::teams::membership(conn, invite.team_id, user_id)
                .await?
                .is_some()
            {
                return Err(ApiError::Conflict(
                    "you are already a member of this team".into(),
                ));
            }
            db::teams::add_member(
                conn,
                &MembershipRow {
                    team_id: invite.team_id,
                    user_id,
                    role: invite.role.clone(),
                    created_at: now,
                },
            )
            .await?;
            db::teams::accept_invite(conn, invite.id, user_id, now).await?;
            Ok(invite.team_id)
        }
        .scope_boxed()
    })
    .await?;
    visible_team(deps, actor, team_id).await
}

/// Removes `user_id` from `team_id` (admins remove members; owners remove anyone), or the
/// actor itself when `user_id` is the actor (leaving). Revokes the removed user's team tokens.
pub async fn remove_member(
    deps: &AccountsDeps,
    actor: &Actor,
    team_id: Uuid,
    user_id: Uuid,
) -> ApiResult<TeamRow> {
    actor.require_scope(mediamagic_kit::Scope::Write)?;
    let me = actor.require_user()?;
    let revoked = transaction(&deps.pool, move |conn| {
        async move {
            let members = db::teams::lock_members(conn, team_id).await?;
            let (my_role, their_role) = roles_of(&members, me, user_id)?;
            if user_id != me {
                if !my_role.is_admin() {
                    return Err(ApiError::Forbidden(
                        "only team owners and admins can remove members".into(),
                    ));
                }
                if their_role.is_admin() && my_role != Role::Owner {
                    return Err(ApiError::Forbidden(
                        "only owners can remove admins and owners".into(),
                    ));
                }
            }
            let owners = members
                .iter()
                .filter(|m| m.role == Role::Owner.as_str())
                .count();
            if their_role == Role::Owner && owners <= 1 {
                return Err(ApiError::Conflict(
                    "the last owner cannot leave or be removed; make someone else owner first"
                        .into(),
                ));
            }
            db::teams::remove_member(conn, team_id, user_id).await?;
            let revoked = db::sessions::revoke_for(conn, user_id, team_id, Utc::now()).await?;
            Ok(revoked)
        }
        .scope_boxed()
    })
    .await?;
    publish_revocations(deps, &revoked).await;
    let mut conn = deps.conn().await?;
    db::teams::by_ids(&mut conn, &[team_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("team"))
}
