//! Models subgraph settings (section `[models]` of the platform config).

use serde::Deserialize;

/// Settings of the models subgraph.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelsConfig {
    /// A model is `slow` when its observed (else expected) runtime exceeds this many seconds,
    /// `fast` otherwise.
    #[serde(default = "default_classification_threshold_seconds")]
    pub classification_threshold_seconds: i32,
    /// Machine type of models that do not name one.
    #[serde(default = "default_machine_type")]
    pub default_machine_type: String,
    /// Most models (hidden ones included) one account may hold.
    #[serde(default = "default_max_models_per_account")]
    pub max_models_per_account: i64,
    /// Load the built-in catalogue at start-up.
    #[serde(default = "default_load_catalogue")]
    pub load_catalogue: bool,
}

impl Default for ModelsConfig {
    fn default() -> Self {
        Self {
            classification_threshold_seconds: default_classification_threshold_seconds(),
            default_machine_type: default_machine_type(),
            max_models_per_account: default_max_models_per_account(),
            load_catalogue: default_load_catalogue(),
        }
    }
}

fn default_classification_threshold_seconds() -> i32 {
    60
}
fn default_machine_type() -> String {
    "cpu".to_owned()
}
fn default_max_models_per_account() -> i64 {
    1000
}
fn default_load_catalogue() -> bool {
    true
}
