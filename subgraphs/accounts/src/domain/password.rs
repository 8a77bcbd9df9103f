//! Passwords: minimum rules on the way in, argon2id hashes at rest.

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use mediamagic_kit::ApiError;

/// Longest password accepted (bounds hashing cost).
const MAX_LEN: usize = 256;

/// A password that meets the rules. Never logged: `Debug` is redacted.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Password {
    /// Checks a new password: at least `min_len` characters, at most 256, containing a letter
    /// and a digit or symbol, and not the same as the email.
    pub fn parse_new(raw: &str, min_len: usize, email: &str) -> Result<Self, ApiError> {
        let chars = raw.chars().count();
        if chars < min_len {
            return Err(ApiError::bad_input(
                "password",
                format!("use at least {min_len} characters"),
            ));
        }
        if chars > MAX_LEN {
            return Err(ApiError::bad_input(
                "password",
                "use at most 256 characters",
            ));
        }
        let has_letter = raw.chars().any(char::is_alphabetic);
        let has_other = raw.chars().any(|c| !c.is_alphabetic());
        if !has_letter || !has_other {
            return Err(ApiError::bad_input(
                "password",
                "mix letters with digits or symbols",
            ));
        }
        if raw.eq_ignore_ascii_case(email) {
            return Err(ApiError::bad_input(
                "password",
                "do not use your email as password",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password given at log-in (no rules beyond the length cap).
    pub fn for_login(raw: &str) -> Result<Self, ApiError> {
        if raw.is_empty() || raw.chars().count() > MAX_LEN {
            return Err(ApiError::Unauthenticated("wrong email or password".into()));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Hashes with argon2id and a random salt.
    pub fn hash(&self) -> Result<PasswordHash, ApiError> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing failed: {e}")))
    }

    /// Whether this password matches `hash`.
    pub fn matches(&self, hash: &str) -> bool {
        argon2::PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(self.0.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

/// An argon2id PHC string.
#[derive(Clone, Debug)]
pub struct PasswordHash(pub String);

/// A hash of a random password, checked against when the email is unknown so that timing
/// does not reveal whether an account exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Password(uuid::Uuid::new_v4().to_string())
            .hash()
            .map(|h| h.0)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let password = Password::parse_new("correct horse 1", 10, "a@b.co").unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(password.matches(&hash.0));
        assert!(
            !Password::for_login("wrong horse 1")
                .unwrap()
                .matches(&hash.0)
        );
    }

    #[test]
    fn weak_passwords_are_rejected_with_the_rule() {
        let short = Password::parse_new("ab1", 10, "a@b.co").unwrap_err();
        assert!(short.message().contains("at least 10"));
        let letters_only = Password::parse_new("abcdefghijkl", 10, "a@b.co").unwrap_err();
        assert!(letters_only.message().contains("digits or symbols"));
        assert!(Password::parse_new("ada1@example.com", 10, "ada1@example.com").is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::for_login("hunter2").unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }
}
