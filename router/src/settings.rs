//! Settings shared by the plugins.

/// The value of `field`, or of the environment variable `env`.
pub fn setting(field: &Option<String>, env: &str) -> Option<String> {
    field
        .clone()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}
