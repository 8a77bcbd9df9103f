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
    /// Machine types models may name although no worker pool here serves them yet (an
    /// operator's declaration: a pool that is coming); a list, or comma-separated in the env
    /// (`MEDIAMAGIC__MODELS__EXPECTED_MACHINE_TYPES=container2,gpu`).
    #[serde(default, deserialize_with = "list_or_comma_separated")]
    pub expected_machine_types: Vec<String>,
    /// The machine types models may name: filled by the platform from `worker.machine_types`
    /// and `expected_machine_types` (not read from config). Empty: any.
    #[serde(skip)]
    pub known_machine_types: std::collections::BTreeSet<String>,
}

impl ModelsConfig {
    /// `BAD_USER_INPUT` unless `machine_type` is one a worker pool serves or is expected.
    pub fn check_machine_type(&self, machine_type: &str) -> Result<(), mediamagic_kit::ApiError> {
        if self.known_machine_types.is_empty() || self.known_machine_types.contains(machine_type) {
            return Ok(());
        }
        let known: Vec<&str> = self
            .known_machine_types
            .iter()
            .map(String::as_str)
            .collect();
        Err(mediamagic_kit::ApiError::bad_input(
            "machine_type",
            format!(
                "no worker pool runs machine type `{machine_type}`, so its jobs would wait for ever; \
                 known: {} (an operator can declare a coming one in models.expected_machine_types)",
                known.join(", ")
            ),
        ))
    }
}

/// A list of names, or one comma-separated string (what an environment variable can hold).
pub fn list_or_comma_separated<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrText {
        List(Vec<String>),
        Text(String),
    }
    Ok(match ListOrText::deserialize(deserializer)? {
        ListOrText::List(list) => list,
        ListOrText::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

impl Default for ModelsConfig {
    fn default() -> Self {
        Self {
            classification_threshold_seconds: default_classification_threshold_seconds(),
            default_machine_type: default_machine_type(),
            max_models_per_account: default_max_models_per_account(),
            load_catalogue: default_load_catalogue(),
            expected_machine_types: Vec::new(),
            known_machine_types: Default::default(),
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
