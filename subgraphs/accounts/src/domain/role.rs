//! Roles within a team.

use mediamagic_kit::ApiError;

/// A member's role. Owners and admins administer the team; only owners manage owners.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, async_graphql::Enum)]
pub enum Role {
    /// Uses the team's resources.
    Member,
    /// Also invites and removes members and manages the team's API keys.
    Admin,
    /// Also manages admins and owners.
    Owner,
}

impl Role {
    /// The stable lower-case name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Parses a stored role.
    pub fn from_db(raw: &str) -> Result<Self, ApiError> {
        match raw {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            other => Err(ApiError::internal(anyhow::anyhow!(
                "unknown role `{other}` in database"
            ))),
        }
    }

    /// Whether this role administers the team.
    pub fn is_admin(self) -> bool {
        self >= Role::Admin
    }
}
