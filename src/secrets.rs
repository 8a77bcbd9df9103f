//! Dev keys: generated on the first `mediamagic dev` and kept in `<data_dir>/secrets.toml`
//! (mode 0600) so tokens stay valid across restarts. Configured values always win.

use crate::config::AuthConfig;
use mediamagic_kit::{config::Secret, tokens::generate_key_pair_hex};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Complete key material.
#[derive(Clone, Serialize, Deserialize)]
pub struct Keys {
    /// Session-token signing key.
    pub root_private_key: String,
    /// Session-token verification key.
    pub root_public_key: String,
    /// Internal-token signing key.
    pub internal_private_key: String,
    /// Internal-token verification key.
    pub internal_public_key: String,
    /// Router ↔ accounts shared secret.
    pub internal_secret: String,
    /// Event webhook secret (`x-mediamagic-event-secret`).
    #[serde(default)]
    pub events_secret: String,
    /// Seals accounts' webhook signing secrets at rest (32 bytes, hex).
    #[serde(default)]
    pub webhook_secrets_key: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

impl Keys {
    /// Fresh random keys.
    pub fn generate() -> Self {
        let (root_private_key, root_public_key) = generate_key_pair_hex();
        let (internal_private_key, internal_public_key) = generate_key_pair_hex();
        Self {
            root_private_key,
            root_public_key,
            internal_private_key,
            internal_public_key,
            internal_secret: random_secret(),
            events_secret: random_secret(),
            webhook_secrets_key: random_secret(),
        }
    }

    /// Keys from config when complete, else an error naming what is missing.
    pub fn from_config(auth: &AuthConfig) -> anyhow::Result<Self> {
        let missing = |name: &str| anyhow::anyhow!("auth.{name} is not configured");
        Ok(Self {
            root_private_key: auth
                .root_private_key
                .as_ref()
                .map(|s| s.expose().clone())
                .ok_or_else(|| missing("root_private_key"))?,
            root_public_key: auth
                .root_public_key
                .clone()
                .ok_or_else(|| missing("root_public_key"))?,
            internal_private_key: auth
                .internal_private_key
                .as_ref()
                .map(|s| s.expose().clone())
                .ok_or_else(|| missing("internal_private_key"))?,
            internal_public_key: auth
                .internal_public_key
                .clone()
                .ok_or_else(|| missing("internal_public_key"))?,
            internal_secret: auth
                .internal_secret
                .as_ref()
                .map(|s| s.expose().clone())
                .ok_or_else(|| missing("internal_secret"))?,
            events_secret: auth
                .events_secret
                .as_ref()
                .map(|s| s.expose().clone())
                .unwrap_or_default(),
            // Only the jobs service needs it; it refuses to start without it.
            webhook_secrets_key: auth
                .webhook_secrets_key
                .as_ref()
                .map(|s| s.expose().clone())
                .unwrap_or_default(),
        })
    }

    /// Configured keys, else the ones kept in `data_dir` (created on first use).
    pub fn for_dev(auth: &AuthConfig, data_dir: &Path) -> anyhow::Result<Self> {
        if let Ok(keys) = Self::from_config(auth) {
            return Ok(keys);
        }
        let path = data_dir.join("secrets.toml");
        let keys = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut keys = toml_from_str(&text)?;
                if !keys.events_secret.is_empty() && !keys.webhook_secrets_key.is_empty() {
                    return Ok(keys);
                }
                // Written before these secrets existed: add them and save.
                if keys.events_secret.is_empty() {
                    keys.events_secret = random_secret();
                }
                if keys.webhook_secrets_key.is_empty() {
                    keys.webhook_secrets_key = random_secret();
                }
                keys
            }
            Err(_) => Self::generate(),
        };
        std::fs::create_dir_all(data_dir)?;
        std::fs::write(&path, toml_to_string(&keys))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(keys)
    }

    /// The same keys as config values.
    pub fn to_auth_config(&self) -> AuthConfig {
        AuthConfig {
            root_private_key: Some(Secret::new(self.root_private_key.clone())),
            root_public_key: Some(self.root_public_key.clone()),
            internal_private_key: Some(Secret::new(self.internal_private_key.clone())),
            internal_public_key: Some(self.internal_public_key.clone()),
            internal_secret: Some(Secret::new(self.internal_secret.clone())),
            events_secret: Some(Secret::new(self.events_secret.clone())),
            webhook_secrets_key: Some(Secret::new(self.webhook_secrets_key.clone())),
        }
    }
}

fn toml_to_string(keys: &Keys) -> String {
    format!(
        "# Generated by `mediamagic dev`. Keep private.\nroot_private_key = \"{}\"\nroot_public_key = \"{}\"\ninternal_private_key = \"{}\"\ninternal_public_key = \"{}\"\ninternal_secret = \"{}\"\nevents_secret = \"{}\"\nwebhook_secrets_key = \"{}\"\n",
        keys.root_private_key,
        keys.root_public_key,
        keys.internal_private_key,
        keys.internal_public_key,
        keys.internal_secret,
        keys.events_secret,
        keys.webhook_secrets_key
    )
}

/// A new random secret: 32 bytes as 64 hex characters (also a valid
/// `auth.webhook_secrets_key`).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn toml_from_str(text: &str) -> anyhow::Result<Keys> {
    Ok(mediamagic_kit::config::load::<Keys>(text, None)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dev_keys_written_before_the_webhook_secrets_key_get_one_and_keep_the_rest() {
        let dir = std::env::temp_dir().join(format!("mm-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = Keys::generate();
        let old_file = toml_to_string(&old)
            .lines()
            .filter(|line| !line.starts_with("webhook_secrets_key"))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(dir.join("secrets.toml"), old_file).unwrap();

        let upgraded = Keys::for_dev(&AuthConfig::default(), &dir).unwrap();
        let again = Keys::for_dev(&AuthConfig::default(), &dir).unwrap();

        assert_eq!(upgraded.root_private_key, old.root_private_key);
        assert_eq!(upgraded.events_secret, old.events_secret);
        assert_eq!(upgraded.webhook_secrets_key.len(), 64);
        assert!(hex::decode(&upgraded.webhook_secrets_key).is_ok());
        assert_eq!(
            again.webhook_secrets_key, upgraded.webhook_secrets_key,
            "saved"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
