//! Teams, memberships and invites.

use super::{
    rows::{InviteRow, MembershipRow, TeamRow},
    schema::{invites, memberships, teams},
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts a team.
pub async fn insert(conn: &mut AsyncPgConnection, row: &TeamRow) -> QueryResult<()> {
    diesel::insert_into(teams::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Teams by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<TeamRow>> {
    teams::table
        .filter(teams::id.eq_any(ids))
        .select(TeamRow::as_select())
        .load(conn)
        .await
}

/// Inserts a membership.
pub async fn add_member(conn: &mut AsyncPgConnection, row: &MembershipRow) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The membership of `user` in `team`, locked for update when `lock` is set.
pub async fn membership(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    user: Uuid,
) -> QueryResult<Option<MembershipRow>> {
    memberships::table
        .filter(
            memberships::team_id
                .eq(team)
                .and(memberships::user_id.eq(user)),
        )
        .select(MembershipRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every membership of the given teams, oldest first.
pub async fn members_of(
    conn: &mut AsyncPgConnection,
    team_ids: &[Uuid],
) -> QueryResult<Vec<MembershipRow>> {
    memberships::table
        .filter(memberships::team_id.eq_any(team_ids))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .select(MembershipRow::as_select())
        .load(conn)
        .await
}

/// Every membership of the given users.
pub async fn memberships_of_users(
    conn: &mut AsyncPgConnection,
    user_ids: &[Uuid],
) -> QueryResult<Vec<MembershipRow>> {
    memberships::table
        .filter(memberships::user_id.eq_any(user_ids))
        .order((memberships::created_at.asc(), memberships::team_id.asc()))
        .select(MembershipRow::as_select())
        .load(conn)
        .await
}

/// Locks every membership row of `team` (serialises owner-count checks).
pub async fn lock_members(
    conn: &mut AsyncPgConnection,
    team: Uuid,
) -> QueryResult<Vec<MembershipRow>> {
    memberships::table
        .filter(memberships::team_id.eq(team))
        .select(MembershipRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Removes a membership.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    user: Uuid,
) -> QueryResult<usize> {
    diesel::delete(
        memberships::table.filter(
            memberships::team_id
                .eq(team)
                .and(memberships::user_id.eq(user)),
        ),
    )
    .execute(conn)
    .await
}

/// Inserts an invite.
pub async fn insert_invite(conn: &mut AsyncPgConnection, row: &InviteRow) -> QueryResult<()> {
    diesel::insert_into(invites::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The invite with this id.
pub async fn invite_by_id(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<InviteRow>> {
    invites::table
        .find(id)
        .select(InviteRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The open invite with this token hash, locked.
pub async fn invite_by_token_hash(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> QueryResult<Option<InviteRow>> {
    invites::table
        .filter(invites::token_hash.eq(token_hash))
        .select(InviteRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks an invite accepted.
pub async fn accept_invite(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(invites::table.find(id))
        .set((invites::accepted_at.eq(at), invites::accepted_by.eq(by)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Sets a member's role.
pub async fn set_role(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    user: Uuid,
    role: &str,
) -> QueryResult<usize> {
    diesel::update(
        memberships::table.filter(
            memberships::team_id
                .eq(team)
                .and(memberships::user_id.eq(user)),
        ),
    )
    .set(memberships::role.eq(role))
    .execute(conn)
    .await
}

/// The open invites (not accepted, not expired at `now`) of the given teams, oldest first.
pub async fn open_invites_of(
    conn: &mut AsyncPgConnection,
    team_ids: &[Uuid],
    now: DateTime<Utc>,
) -> QueryResult<Vec<InviteRow>> {
    invites::table
        .filter(invites::team_id.eq_any(team_ids))
        .filter(invites::accepted_at.is_null())
        .filter(invites::expires_at.gt(now))
        .order((invites::created_at.asc(), invites::id.asc()))
        .select(InviteRow::as_select())
        .load(conn)
        .await
}

/// Deletes an invite that was not accepted; how many rows went.
pub async fn delete_open_invite(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        invites::table
            .find(id)
            .filter(invites::accepted_at.is_null()),
    )
    .execute(conn)
    .await
}
