//! Each service's own Postgres role (`mediamagic_<service>`, made by the migrations): the
//! role a service connects as, and the URL it connects with. The role that runs the
//! migrations (the migrator) owns the schemas; a service role holds only its own schema and
//! the views other schemas publish to it (docs/data-ownership.md).

use diesel_async::{AsyncConnection, AsyncPgConnection};

/// The services that have a role of their own.
pub const SERVICES: &[&str] = &["accounts", "models", "media", "jobs", "worker", "billing"];

/// The Postgres role of `service`.
pub fn role_name(service: &str) -> String {
    format!("mediamagic_{service}")
}

/// `url` with its user replaced by `role` and its password dropped: the URL of a role on
/// the same server and database. For servers that trust local connections (`mediamagic
/// dev`'s private cluster, the test suite's); elsewhere each role has a password and its
/// own configured URL.
pub fn url_as(url: &str, role: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{role}@{host}{tail}")
}

/// The user a Postgres URL names, if it names one.
pub fn url_user(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':').map_or(userinfo, |(user, _)| user))
}

/// Why a service could not connect as its role.
#[derive(Debug, thiserror::Error)]
#[error(
    "the {service} service cannot connect to Postgres as role `{role}`: {reason}. \
     Run `mediamagic migrate` first (it makes the roles); where Postgres asks for passwords, \
     give the role one (ALTER ROLE {role} PASSWORD '...') and set database.roles.{service} \
     (MEDIAMAGIC__DATABASE__ROLES__{upper}) to its URL: docs/operations.md, \"Database roles\""
)]
pub struct RoleConnectError {
    service: String,
    role: String,
    upper: String,
    reason: String,
}

/// Connects once to `url` as `service`'s role, so that a missing role or password fails
/// start-up with what to do rather than every request later.
pub async fn check(service: &str, url: &str) -> Result<(), RoleConnectError> {
    let fail = |reason: String| RoleConnectError {
        service: service.to_owned(),
        role: url_user(url).map_or_else(|| role_name(service), str::to_owned),
        upper: service.to_uppercase(),
        reason,
    };
    let connect = AsyncPgConnection::establish(url);
    match tokio::time::timeout(crate::db::CONNECT_TIMEOUT * 2, connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(fail(err.to_string())),
        Err(_) => Err(fail("timed out".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_url_swaps_the_user_and_drops_the_password() {
        assert_eq!(
            url_as(
                "postgres://postgres:secret@db:5432/mm?sslmode=require",
                "mediamagic_media"
            ),
            "postgres://mediamagic_media@db:5432/mm?sslmode=require"
        );
        assert_eq!(
            url_as("postgres://127.0.0.1:5499/mm", "mediamagic_jobs"),
            "postgres://mediamagic_jobs@127.0.0.1:5499/mm"
        );
        assert_eq!(url_user("postgres://a:b@h/d"), Some("a"));
        assert_eq!(url_user("postgres://h/d"), None);
    }
}
