//! Webhook signing secrets at rest. A signing secret must be readable again (to sign, and to
//! show its owner), so it cannot be hashed; it is sealed with AES-256-GCM under the
//! platform's `auth.webhook_secrets_key`, bound to its owner (the owner id is the associated
//! data, so a sealed secret copied to another row does not open). A database dump alone
//! reveals no secret.
//!
//! Stored form: `sealed1:` + base64(nonce ‖ ciphertext ‖ tag).

use base64::{Engine, engine::general_purpose::STANDARD};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    rand::{SecureRandom, SystemRandom},
};
use uuid::Uuid;

const PREFIX: &str = "sealed1:";

/// Why a stored secret could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretBoxError {
    /// The key is not 32 bytes of hex.
    #[error("auth.webhook_secrets_key must be 64 hex characters (32 bytes)")]
    BadKey,
    /// Not produced by this key for this owner (the key changed, or the row was tampered).
    #[error("a stored webhook secret does not open with auth.webhook_secrets_key")]
    Unopenable,
    /// The system's random source failed.
    #[error("no randomness for a nonce")]
    Random,
}

/// What a stored value holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// A sealed secret, opened.
    Sealed(String),
    /// A secret written before sealing existed, in plain text: reseal it.
    Plain(String),
}

/// Seals and opens signing secrets with one key.
pub struct SecretBox {
    key: LessSafeKey,
    random: SystemRandom,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    /// A box for a 32-byte key given as hex.
    pub fn from_hex(key: &str) -> Result<Self, SecretBoxError> {
        let bytes = hex::decode(key.trim()).map_err(|_| SecretBoxError::BadKey)?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretBoxError::BadKey)?;
        Ok(Self {
            key: LessSafeKey::new(key),
            random: SystemRandom::new(),
        })
    }

    /// `secret` sealed for `owner`, in its stored form.
    pub fn seal(&self, owner: Uuid, secret: &str) -> Result<String, SecretBoxError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| SecretBoxError::Random)?;
        let mut sealed = secret.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SecretBoxError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens a stored value of `owner`.
    pub fn open(&self, owner: Uuid, stored: &str) -> Result<Stored, SecretBoxError> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else {
            return Ok(Stored::Plain(stored.to_owned()));
        };
        let mut bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretBoxError::Unopenable)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretBoxError::Unopenable);
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(&bytes).map_err(|_| SecretBoxError::Unopenable)?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut sealed)
            .map_err(|_| SecretBoxError::Unopenable)?;
        String::from_utf8(plain.to_vec())
            .map(Stored::Sealed)
            .map_err(|_| SecretBoxError::Unopenable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_sealed_secret_opens_for_its_owner_and_hides_the_text() {
        let secrets = SecretBox::from_hex(KEY).unwrap();
        let owner = Uuid::new_v4();
        let sealed = secrets.seal(owner, "whsec_abc").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("whsec_abc"));
        assert_eq!(
            secrets.open(owner, &sealed).unwrap(),
            Stored::Sealed("whsec_abc".into())
        );
        assert_ne!(
            sealed,
            secrets.seal(owner, "whsec_abc").unwrap(),
            "fresh nonce"
        );
    }

    #[test]
    fn a_sealed_secret_does_not_open_for_another_owner_or_key() {
        let secrets = SecretBox::from_hex(KEY).unwrap();
        let sealed = secrets.seal(Uuid::new_v4(), "whsec_abc").unwrap();
        assert!(matches!(
            secrets.open(Uuid::new_v4(), &sealed),
            Err(SecretBoxError::Unopenable)
        ));
        let other = SecretBox::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert!(other.open(Uuid::new_v4(), &sealed).is_err());
    }

    #[test]
    fn a_plain_legacy_secret_is_reported_for_resealing() {
        let secrets = SecretBox::from_hex(KEY).unwrap();
        assert_eq!(
            secrets.open(Uuid::new_v4(), "whsec_old").unwrap(),
            Stored::Plain("whsec_old".into())
        );
    }

    #[test]
    fn a_key_that_is_not_32_bytes_of_hex_is_refused() {
        assert!(SecretBox::from_hex("abcd").is_err());
        assert!(SecretBox::from_hex("not hex").is_err());
    }
}
