//! Team roles, read from `accounts.team_roles` (the view accounts publishes): only a team's owners and admins change its
//! budget. Read at the moment of the change, so a demoted admin loses the right at once.

use diesel::{
    prelude::*,
    sql_types::{Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Role {
    #[diesel(sql_type = Text)]
    role: String,
}

/// The role (`owner`, `admin` or `member`) of `user` in `team`, when a member.
pub async fn role(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    user: Uuid,
) -> QueryResult<Option<String>> {
    diesel::sql_query("SELECT role FROM accounts.team_roles WHERE team_id = $1 AND user_id = $2")
        .bind::<SqlUuid, _>(team)
        .bind::<SqlUuid, _>(user)
        .get_result::<Role>(conn)
        .await
        .optional()
        .map(|row| row.map(|r| r.role))
}
