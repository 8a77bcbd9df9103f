//! Typed, layered configuration: embedded defaults, then an optional file, then environment
//! variables (`MEDIAMAGIC__SECTION__KEY`), parsed into structs that reject unknown fields.
//! Secrets are wrapped in [`Secret`] so they never show in `Debug` output or logs.

use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use std::{fmt, path::Path};

/// Prefix of environment overrides: `MEDIAMAGIC__DATABASE__URL` sets `database.url`.
pub const ENV_PREFIX: &str = "MEDIAMAGIC";

/// Failure to assemble or parse configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A source could not be read or the merged result does not fit the expected shape.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] config::ConfigError),
}

/// Loads `T` from `defaults` (TOML text embedded in the binary), then `file` when given,
/// then environment variables with the [`ENV_PREFIX`].
pub fn load<T: DeserializeOwned>(defaults: &str, file: Option<&Path>) -> Result<T, ConfigError> {
    let mut builder = config::Config::builder()
        .add_source(config::File::from_str(defaults, config::FileFormat::Toml));
    if let Some(file) = file {
        builder = builder.add_source(config::File::from(file).required(true));
    }
    let merged = builder
        .add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        )
        .build()?;
    Ok(merged.try_deserialize()?)
}

/// A value that must not be printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives access to the secret; call it only where the value is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        password: Secret<String>,
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let sample: Sample = load("name = \"a\"\npassword = \"hunter2\"", None).unwrap();
        let printed = format!("{sample:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"));
        assert_eq!(sample.password.expose(), "hunter2");
        assert_eq!(sample.name, "a");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let result: Result<Sample, _> = load("name = \"a\"\npassword = \"x\"\nnope = 1", None);
        assert!(result.is_err());
    }

    #[test]
    fn a_file_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "name = \"from-file\"").unwrap();
        let sample: Sample = load("name = \"a\"\npassword = \"x\"", Some(&path)).unwrap();
        assert_eq!(sample.name, "from-file");
    }
}
