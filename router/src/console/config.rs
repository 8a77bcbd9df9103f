//! Configuration of the console plugin (`plugins.mediamagic_console.config`).

use serde::Deserialize;

/// Settings of the `mediamagic_console` plugin.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsolePluginConfig {
    /// Where the console is served (its files under `<path>/`).
    #[serde(default = "default_console_path")]
    pub path: String,
}

/// Where the console is served unless its config says otherwise.
pub const DEFAULT_CONSOLE_PATH: &str = "/console";

fn default_console_path() -> String {
    DEFAULT_CONSOLE_PATH.into()
}
