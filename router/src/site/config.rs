//! Configuration of the site plugin (`plugins.mediamagic_site.config`).

use serde::Deserialize;

/// Settings of the `mediamagic_site` plugin.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitePluginConfig {
    /// Serve the Media Magic page to browsers opening `/` (other clients keep seed 004's
    /// health answer there).
    #[serde(default = "default_true")]
    pub home: bool,
}

fn default_true() -> bool {
    true
}
