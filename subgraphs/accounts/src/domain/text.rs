//! Short human-entered names, trimmed and bounded.

use mediamagic_kit::ApiError;

fn parse_name(field: &str, raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if name.chars().count() > 100 {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must be at most 100 characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(name.to_owned())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $ty(String);

        impl $ty {
            /// Parses a trimmed, non-empty name of at most 100 characters.
            pub fn parse(raw: &str) -> Result<Self, ApiError> {
                parse_name($field, raw).map(Self)
            }

            /// The name.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A person's display name.
    DisplayName,
    "name"
);
name_type!(
    /// A team's name.
    TeamName,
    "name"
);
name_type!(
    /// An API key's label.
    KeyName,
    "name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(TeamName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert!(TeamName::parse("   ").is_err());
        assert!(TeamName::parse(&"x".repeat(101)).is_err());
        assert!(DisplayName::parse("a\u{0007}b").is_err());
    }
}
