//! Agent credentials: the token an operator hands to a worker agent (shown once, kept only as
//! its SHA-256), the agent's name, and the instance id an agent process reports. Parsed at
//! the edge, so the layers below never see a malformed one.

use sha2::{Digest, Sha256};
use std::fmt;

/// What every agent token starts with, so a leaked one is recognisable (secret scanners) and
/// never mistaken for a session token or an API key.
pub const PREFIX: &str = "mmagent_";

/// The header an agent sends its token in. Not `Authorization`: the router reads that as a
/// client credential, and an agent is not a client.
pub const HEADER: &str = "x-mediamagic-agent-token";

/// A well-formed agent token (`mmagent_` and 64 hex digits: 256 random bits).
#[derive(Clone, PartialEq, Eq)]
pub struct AgentToken(String);

impl AgentToken {
    /// A new random token.
    pub fn generate() -> Self {
        let random = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Self(format!("{PREFIX}{random}"))
    }

    /// Parses a presented token; `None` when it cannot be one.
    pub fn parse(presented: &str) -> Option<Self> {
        let presented = presented.trim();
        let digits = presented.strip_prefix(PREFIX)?;
        (digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(presented.to_ascii_lowercase()))
    }

    /// What is stored: a high-entropy secret needs no slow hash.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The token itself, to print once.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AgentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentToken(..)")
    }
}

/// An agent's name (`rack-7`): a letter or digit, then up to 62 of letters, digits, `.`, `_`
/// and `-` (the database checks the same).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentName(String);

impl AgentName {
    /// Parses a name, or says what a name may be.
    pub fn parse(name: &str) -> Result<Self, String> {
        let valid = name.len() <= 63
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(format!(
                "`{name}` is not an agent name: a letter or digit, then letters, digits, `.`, `_` or `-`, 63 at most"
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id an agent process gives itself (`<host>-<pid>`): the same characters as a name.
/// The worker id its leases carry is `<agent id>/<instance>`, made by the platform, so an
/// agent can never name another agent's leases.
pub fn worker_id(agent: uuid::Uuid, instance: &str) -> Result<String, String> {
    AgentName::parse(instance)
        .map(|i| format!("{agent}/{}", i.as_str()))
        .map_err(|_| {
            format!(
                "`{instance}` is not an instance id: letters, digits, `.`, `_` or `-`, 63 at most"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_parses_and_hashes_to_what_is_stored() {
        let token = AgentToken::generate();
        let parsed = AgentToken::parse(&format!(" {} ", token.reveal())).unwrap();
        assert_eq!(parsed.hash(), token.hash());
        assert_ne!(token.hash(), token.reveal());
        assert_eq!(format!("{token:?}"), "AgentToken(..)");
    }

    #[test]
    fn what_cannot_be_a_token_is_refused_before_any_lookup() {
        for bad in ["", "mmagent_", "mmagent_xyz", "Bearer abc", &"a".repeat(72)] {
            assert!(AgentToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn names_and_instances_are_plain_words() {
        assert!(AgentName::parse("rack-7").is_ok());
        assert!(AgentName::parse("-rack").is_err());
        assert!(AgentName::parse("rack 7").is_err());
        assert!(AgentName::parse(&"r".repeat(64)).is_err());
        let agent = uuid::Uuid::nil();
        assert_eq!(
            worker_id(agent, "gpu-box-1").unwrap(),
            format!("{agent}/gpu-box-1")
        );
        assert!(worker_id(agent, "../x").is_err());
    }
}
