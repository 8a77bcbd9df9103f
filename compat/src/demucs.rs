//! Seed 004's clients name the separation model the way Demucs does (`htdemucs`,
//! `mdx_extra`, ...). Such a name runs the platform's neural separation model (`demucs`,
//! with that pretrained model) when a worker pool of its machine type has capacity, else the
//! default separation model; the answer says which ran and why. Demucs names its bass stem
//! `bass.mp3`, where seed 004 serves `base.mp3`: [`output_matches`] maps one onto the other.

use crate::{CompatDeps, client::Caller, error::RestError};
use serde_json::{Value, json};

/// Demucs 4's pretrained model names.
pub const PRETRAINED: &[&str] = &[
    "htdemucs",
    "htdemucs_ft",
    "htdemucs_6s",
    "hdemucs_mmi",
    "mdx",
    "mdx_extra",
    "mdx_q",
    "mdx_extra_q",
];

/// What a separation request runs.
pub struct Choice {
    /// The model (slug or UUID) deployed.
    pub model: String,
    /// Extra arguments for it (`{"model": <pretrained name>}` for Demucs).
    pub args: Value,
    /// For the answer when the client named a Demucs model: `{"requested", "ran", "reason"?}`.
    pub report: Option<Value>,
}

/// Picks the model for the `requested` name (the configured default when absent).
pub async fn choose(
    deps: &CompatDeps,
    caller: &Caller,
    requested: Option<String>,
) -> Result<Choice, RestError> {
    let config = &deps.config.separation;
    let Some(requested) = requested.filter(|m| !m.trim().is_empty()) else {
        return Ok(Choice {
            model: config.default_model.clone(),
            args: json!({}),
            report: None,
        });
    };
    if !PRETRAINED.contains(&requested.as_str()) {
        return Ok(Choice {
            model: requested,
            args: json!({}),
            report: None,
        });
    }
    if has_capacity(deps, caller, &config.neural_machine_type).await? {
        return Ok(Choice {
            model: config.neural_model.clone(),
            args: json!({"model": requested}),
            report: Some(json!({"requested": requested, "ran": config.neural_model})),
        });
    }
    Ok(Choice {
        model: config.default_model.clone(),
        args: json!({}),
        report: Some(json!({
            "requested": requested,
            "ran": config.default_model,
            "reason": format!(
                "no `{}` worker has capacity for {}; ran the default separation model",
                config.neural_machine_type, config.neural_model
            ),
        })),
    })
}

/// Whether a live worker offers slots of `machine_type`.
async fn has_capacity(
    deps: &CompatDeps,
    caller: &Caller,
    machine_type: &str,
) -> Result<bool, RestError> {
    let data = deps
        .platform
        .run(
            caller,
            "query Capacity { cluster { machineTypes { name capacity } } }",
            json!({}),
        )
        .await?;
    Ok(data["cluster"]["machineTypes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["name"] == machine_type && t["capacity"].as_i64().unwrap_or(0) > 0))
}

/// Whether a job output named `name` (a path relative to the run's directory) is seed 004's
/// `track`: the same file name, or Demucs's `bass.mp3` for `base.mp3`.
pub fn output_matches(name: &str, track: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    file == track || (track == "base.mp3" && file == "bass.mp3")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demucs_outputs_answer_to_seed_004s_track_names() {
        assert!(output_matches("base.mp3", "base.mp3"));
        assert!(output_matches(
            "separated/htdemucs/song/bass.mp3",
            "base.mp3"
        ));
        assert!(output_matches(
            "separated/htdemucs/song/vocals.mp3",
            "vocals.mp3"
        ));
        assert!(!output_matches(
            "separated/htdemucs/song/bass.mp3",
            "vocals.mp3"
        ));
        assert!(!output_matches("base.mp3", "bass.mp3"));
    }
}
