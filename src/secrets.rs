//! Key material, and who holds which (least privilege): only accounts signs session tokens
//! and only the router signs internal tokens; the worker signs only its own worker tokens;
//! every other service verifies with public keys. [`Keys::for_role`] reads from config what
//! `serve <role>` needs (and nothing else); [`Keys::only_for`] gives each service `dev`
//! starts in process only its own.
//!
//! Dev keys are generated on the first `mediamagic dev` and kept in `<data_dir>/secrets.toml`
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
    /// Signs local-storage object URLs (media).
    #[serde(default)]
    pub storage_secret: String,
    /// Signs the worker's own tokens (worker).
    #[serde(default)]
    pub worker_private_key: String,
    /// Verifies worker tokens (media).
    #[serde(default)]
    pub worker_public_key: String,
}

/// Every key, by its config name (`auth.<name>`).
const KEY_NAMES: &[&str] = &[
    "root_private_key",
    "root_public_key",
    "internal_private_key",
    "internal_public_key",
    "internal_secret",
    "events_secret",
    "webhook_secrets_key",
    "storage_secret",
    "worker_private_key",
    "worker_public_key",
];

/// What each role must hold (`serve` refuses to start without it), then what it may hold.
pub fn keys_of(role: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match role {
        "accounts" => (
            &["root_private_key", "internal_public_key", "internal_secret"],
            &["events_secret"],
        ),
        "media" => (
            &["internal_public_key", "storage_secret", "worker_public_key"],
            &["events_secret"],
        ),
        "jobs" => (
            &["internal_public_key", "webhook_secrets_key"],
            &["events_secret"],
        ),
        "worker" => (&["internal_public_key", "worker_private_key"], &[]),
        "models" => (&["internal_public_key"], &[]),
        "billing" => (&["internal_public_key"], &["events_secret"]),
        "router" => (
            &["root_public_key", "internal_private_key", "internal_secret"],
            &[],
        ),
        _ => (&[], &[]),
    }
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
        let (worker_private_key, worker_public_key) = generate_key_pair_hex();
        Self {
            root_private_key,
            root_public_key,
            internal_private_key,
            internal_public_key,
            internal_secret: random_secret(),
            events_secret: random_secret(),
            webhook_secrets_key: random_secret(),
            storage_secret: random_secret(),
            worker_private_key,
            worker_public_key,
        }
    }

    fn get(&self, name: &str) -> &str {
        match name {
            "root_private_key" => &self.root_private_key,
            "root_public_key" => &self.root_public_key,
            "internal_private_key" => &self.internal_private_key,
            "internal_public_key" => &self.internal_public_key,
            "internal_secret" => &self.internal_secret,
            "events_secret" => &self.events_secret,
            "webhook_secrets_key" => &self.webhook_secrets_key,
            "storage_secret" => &self.storage_secret,
            "worker_private_key" => &self.worker_private_key,
            "worker_public_key" => &self.worker_public_key,
            _ => "",
        }
    }

    fn set(&mut self, name: &str, value: String) {
        let slot = match name {
            "root_private_key" => &mut self.root_private_key,
            "root_public_key" => &mut self.root_public_key,
            "internal_private_key" => &mut self.internal_private_key,
            "internal_public_key" => &mut self.internal_public_key,
            "internal_secret" => &mut self.internal_secret,
            "events_secret" => &mut self.events_secret,
            "webhook_secrets_key" => &mut self.webhook_secrets_key,
            "storage_secret" => &mut self.storage_secret,
            "worker_private_key" => &mut self.worker_private_key,
            "worker_public_key" => &mut self.worker_public_key,
            _ => return,
        };
        *slot = value;
    }

    fn empty() -> Self {
        let mut keys = Self::generate();
        for name in KEY_NAMES {
            keys.set(name, String::new());
        }
        keys
    }

    /// The keys `role` holds: these with every other one blanked.
    pub fn only_for(&self, role: &str) -> Self {
        let (needed, optional) = keys_of(role);
        let mut keys = Self::empty();
        for name in needed.iter().chain(optional) {
            keys.set(name, self.get(name).to_owned());
        }
        keys
    }

    /// The keys `serve <role>` needs, from config; an error names each one missing. Keys
    /// the role does not need are left out even when configured.
    pub fn for_role(auth: &AuthConfig, role: &str) -> anyhow::Result<Self> {
        let configured = Self::configured(auth);
        let (needed, _) = keys_of(role);
        let missing: Vec<String> = needed
            .iter()
            .filter(|name| configured.get(name).is_empty())
            .map(|name| format!("auth.{name}"))
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "`{role}` needs {} (generate keys with `mediamagic tokens keygen`)",
            missing.join(", ")
        );
        Ok(configured.only_for(role))
    }

    /// Whatever config gives, blanks elsewhere.
    fn configured(auth: &AuthConfig) -> Self {
        let secret = |s: &Option<Secret<String>>| s.as_ref().map(|s| s.expose().clone());
        let mut keys = Self::empty();
        let given = [
            ("root_private_key", secret(&auth.root_private_key)),
            ("root_public_key", auth.root_public_key.clone()),
            ("internal_private_key", secret(&auth.internal_private_key)),
            ("internal_public_key", auth.internal_public_key.clone()),
            ("internal_secret", secret(&auth.internal_secret)),
            ("events_secret", secret(&auth.events_secret)),
            ("webhook_secrets_key", secret(&auth.webhook_secrets_key)),
            ("storage_secret", secret(&auth.storage_secret)),
            ("worker_private_key", secret(&auth.worker_private_key)),
            ("worker_public_key", auth.worker_public_key.clone()),
        ];
        for (name, value) in given {
            keys.set(name, value.unwrap_or_default());
        }
        keys
    }

    /// Keys from config when every one is configured, else an error naming what is missing.
    pub fn from_config(auth: &AuthConfig) -> anyhow::Result<Self> {
        let keys = Self::configured(auth);
        let missing: Vec<&str> = KEY_NAMES
            .iter()
            .copied()
            .filter(|name| keys.get(name).is_empty())
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "not configured: auth.{}",
            missing.join(", auth.")
        );
        Ok(keys)
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
                if KEY_NAMES.iter().all(|name| !keys.get(name).is_empty()) {
                    return Ok(keys);
                }
                // Written before some keys existed: add them and save.
                let fresh = Self::generate();
                if keys.worker_private_key.is_empty() || keys.worker_public_key.is_empty() {
                    keys.worker_private_key = fresh.worker_private_key.clone();
                    keys.worker_public_key = fresh.worker_public_key.clone();
                }
                for name in KEY_NAMES {
                    if keys.get(name).is_empty() {
                        keys.set(name, fresh.get(name).to_owned());
                    }
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

    /// Every key as `name=value` lines: an env file for
    /// `kubectl create secret generic mediamagic-keys --from-env-file=...` (the chart's keys).
    pub fn to_env_file(&self) -> String {
        KEY_NAMES
            .iter()
            .map(|name| format!("{name}={}\n", self.get(name)))
            .collect()
    }

    /// The key named `name` (`auth.<name>`), if it is one.
    pub fn by_name(&self, name: &str) -> Option<&str> {
        KEY_NAMES.contains(&name).then(|| self.get(name))
    }

    /// Every key as `name = "value"` lines: the body of an `[auth]` section (each role
    /// reads only its own keys from it).
    pub fn to_toml(&self) -> String {
        KEY_NAMES
            .iter()
            .map(|name| format!("{name} = \"{}\"\n", self.get(name)))
            .collect()
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
            storage_secret: Some(Secret::new(self.storage_secret.clone())),
            worker_private_key: Some(Secret::new(self.worker_private_key.clone())),
            worker_public_key: Some(self.worker_public_key.clone()),
        }
    }
}

fn toml_to_string(keys: &Keys) -> String {
    format!(
        "# Generated by `mediamagic dev`. Keep private.\n{}",
        keys.to_toml()
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

    #[test]
    fn each_role_holds_only_its_own_keys_and_no_other_private_key() {
        let all = Keys::generate();

        let worker = all.only_for("worker");
        let media = all.only_for("media");
        let accounts = all.only_for("accounts");

        assert_eq!(worker.worker_private_key, all.worker_private_key);
        assert!(worker.root_private_key.is_empty());
        assert!(worker.internal_private_key.is_empty());
        assert!(worker.internal_secret.is_empty());
        assert!(worker.storage_secret.is_empty());
        assert!(media.internal_private_key.is_empty() && media.root_private_key.is_empty());
        assert!(
            media.internal_secret.is_empty(),
            "URLs are signed with a secret of its own"
        );
        assert_eq!(media.storage_secret, all.storage_secret);
        assert!(accounts.internal_private_key.is_empty());
        assert!(accounts.worker_private_key.is_empty());
        assert_eq!(accounts.root_private_key, all.root_private_key);
    }

    #[test]
    fn serve_names_every_key_its_role_lacks_and_ignores_the_others() {
        let all = Keys::generate();
        let mut auth = all.to_auth_config();
        auth.worker_private_key = None;
        auth.root_private_key = None;

        let err = Keys::for_role(&auth, "worker").unwrap_err().to_string();
        let media = Keys::for_role(&auth, "media").unwrap();

        assert!(err.contains("auth.worker_private_key"), "{err}");
        assert!(!err.contains("root_private_key"), "{err}");
        assert!(
            media.internal_private_key.is_empty(),
            "configured but not the media's"
        );
    }
}
