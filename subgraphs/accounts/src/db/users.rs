//! Users.

use super::{rows::UserRow, schema::users};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Inserts a user.
pub async fn insert(conn: &mut AsyncPgConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The user with `email` (already normalised).
pub async fn by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The user provisioned for an OIDC identity.
pub async fn by_oidc(
    conn: &mut AsyncPgConnection,
    issuer: &str,
    subject: &str,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(
            users::oidc_issuer
                .eq(issuer)
                .and(users::oidc_subject.eq(subject)),
        )
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Users by id, in no particular order.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)
        .await
}
