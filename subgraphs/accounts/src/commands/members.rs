//! Administering a team's people: changing a member's role, listing and revoking open
//! invites. The same rules as inviting and removing: non-members get NOT_FOUND, members
//! without the admin role FORBIDDEN, only owners touch admins and owners, and a team always
//! keeps an owner.

use super::teams::roles_of;
use crate::{
    AccountsDeps,
    db::{self, rows::MembershipRow},
    domain::Role,
};
use chrono::Utc;
use diesel_async::scoped_futures::ScopedFutureExt;
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use uuid::Uuid;

/// Gives `user_id` the role `role` in `team_id`. Admins move people between member and
/// admin; only owners make or unmake admins of other admins and owners. The last owner
/// cannot step down. Changing to the role someone has is a no-op (safe to retry).
pub async fn change_role(
    deps: &AccountsDeps,
    actor: &Actor,
    team_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> ApiResult<MembershipRow> {
    actor.require_scope(Scope::Write)?;
    let me = actor.require_user()?;
    transaction(&deps.pool, move |conn| {
        async move {
            let members = db::teams::lock_members(conn, team_id).await?;
            let (my_role, their_role) = roles_of(&members, me, user_id)?;
            check_change(my_role, their_role, role, user_id == me)?;
            let owners = members
                .iter()
                .filter(|m| m.role == Role::Owner.as_str())
                .count();
            if their_role == Role::Owner && role != Role::Owner && owners <= 1 {
                return Err(ApiError::Conflict(
                    "the last owner cannot step down; make someone else owner first".into(),
                ));
            }
            db::teams::set_role(conn, team_id, user_id, role.as_str()).await?;
            let mut row = members
                .into_iter()
                .find(|m| m.user_id == user_id)
                .ok_or_else(|| ApiError::not_found("member"))?;
            role.as_str().clone_into(&mut row.role);
            Ok(row)
        }
        .scope_boxed()
    })
    .await
}

/// Whether a member with `mine` may change a member with `theirs` to `wanted`.
fn check_change(mine: Role, theirs: Role, wanted: Role, myself: bool) -> ApiResult<()> {
    if myself && wanted <= theirs {
        // Stepping down is always yours to do (the last-owner rule still applies).
        return Ok(());
    }
    if !mine.is_admin() {
        return Err(ApiError::Forbidden(
            "only team owners and admins can change roles".into(),
        ));
    }
    if mine != Role::Owner && (theirs.is_admin() || wanted == Role::Owner) {
        return Err(ApiError::Forbidden(
            "only owners can change the role of admins and owners, or make owners".into(),
        ));
    }
    Ok(())
}

/// Revokes an open invite of a team the actor administers: its token stops working.
/// NOT_FOUND when there is no such open invite in a team the actor can see.
pub async fn revoke_invite(deps: &AccountsDeps, actor: &Actor, invite_id: Uuid) -> ApiResult<()> {
    actor.require_scope(Scope::Write)?;
    let mut conn = deps.conn().await?;
    let invite = db::teams::invite_by_id(&mut conn, invite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("invite"))?;
    // A stranger learns nothing: the same NOT_FOUND as for an id that does not exist.
    let member = match actor.user_id {
        Some(user) => db::teams::membership(&mut conn, invite.team_id, user).await?,
        None => None,
    };
    let role = member
        .map(|m| Role::from_db(&m.role))
        .transpose()?
        .ok_or_else(|| ApiError::not_found("invite"))?;
    if !role.is_admin() {
        return Err(ApiError::Forbidden(
            "only team owners and admins can revoke invites".into(),
        ));
    }
    if invite.accepted_at.is_some() {
        return Err(ApiError::Conflict(
            "this invite was accepted; remove the member instead".into(),
        ));
    }
    match db::teams::delete_open_invite(&mut conn, invite_id).await? {
        0 => Err(ApiError::Conflict(
            "this invite was accepted meanwhile; remove the member instead".into(),
        )),
        _ => Ok(()),
    }
}

/// Whether the actor may list `team_id`'s open invites (its owners and admins).
pub fn may_see_invites(my_role: Option<Role>) -> ApiResult<()> {
    match my_role {
        Some(role) if role.is_admin() => Ok(()),
        _ => Err(ApiError::Forbidden(
            "only team owners and admins see invites".into(),
        )),
    }
}

/// The open invites of these teams (for the loader; the caller checks who may see them).
pub async fn open_invites(
    deps: &AccountsDeps,
    team_ids: &[Uuid],
) -> ApiResult<Vec<db::rows::InviteRow>> {
    let mut conn = deps.conn().await?;
    Ok(db::teams::open_invites_of(&mut conn, team_ids, Utc::now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::{Admin, Member, Owner};

    #[test]
    fn admins_move_members_and_owners_move_anyone() {
        assert!(check_change(Admin, Member, Admin, false).is_ok());
        assert!(check_change(Admin, Admin, Member, false).is_err());
        assert!(check_change(Admin, Member, Owner, false).is_err());
        assert!(check_change(Member, Member, Admin, false).is_err());
        assert!(check_change(Owner, Admin, Owner, false).is_ok());
        assert!(check_change(Owner, Owner, Member, false).is_ok());
    }

    #[test]
    fn anyone_may_step_down_but_not_up() {
        assert!(check_change(Admin, Admin, Member, true).is_ok());
        assert!(check_change(Owner, Owner, Admin, true).is_ok());
        assert!(check_change(Member, Member, Admin, true).is_err());
        assert!(check_change(Admin, Admin, Owner, true).is_err());
    }
}
