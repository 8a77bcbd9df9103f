//! `[compat]` settings: where the router's GraphQL endpoint is, body limits, and the models
//! and legacy options of each surface.

use mediamagic_kit::config::Secret;
use serde::Deserialize;

/// Settings of the compatibility surfaces.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompatConfig {
    /// The router's GraphQL URL the surfaces call as the client (`mediamagic dev` fills it
    /// in from `listen.router_port`; set it for `serve compat`).
    #[serde(default)]
    pub graphql_url: Option<String>,
    /// Largest JSON body of `/api/v1` requests, in bytes.
    #[serde(default = "default_max_json_bytes")]
    pub max_json_bytes: usize,
    /// Page size of REST lists when the client sends no `limit` (at most 100).
    #[serde(default = "default_page_size")]
    pub default_page_size: u32,
    /// The converter surface (seeds 001/002).
    #[serde(default)]
    pub converter: ConverterConfig,
    /// The separation surface (seed 004).
    #[serde(default)]
    pub separation: SeparationConfig,
}

impl Default for CompatConfig {
    fn default() -> Self {
        Self {
            graphql_url: None,
            max_json_bytes: default_max_json_bytes(),
            default_page_size: default_page_size(),
            converter: ConverterConfig::default(),
            separation: SeparationConfig::default(),
        }
    }
}

/// The mp4-to-mp3 converter surface, served under `/converter`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConverterConfig {
    /// The model an upload runs (catalogue slug or UUID); it takes the video as `video`.
    #[serde(default = "default_converter_model")]
    pub model: String,
}

impl Default for ConverterConfig {
    fn default() -> Self {
        Self {
            model: default_converter_model(),
        }
    }
}

/// The music separation surface, served at `/` and `/apiv1/...`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeparationConfig {
    /// The model a request without `model` runs (catalogue slug or UUID); it takes the
    /// song as `audio` and writes `base.mp3`, `vocals.mp3`, `drums.mp3` and `other.mp3`.
    #[serde(default = "default_separation_model")]
    pub default_model: String,
    /// Largest `/apiv1/separate` body in bytes (the base64 song inside JSON).
    #[serde(default = "default_separation_bytes")]
    pub max_body_bytes: usize,
    /// Legacy clients that cannot send headers: an API key whose account every
    /// unauthenticated call on this surface acts as. Off (absent) by default; the key's
    /// scopes limit what such calls can do.
    #[serde(default)]
    pub anonymous_api_key: Option<Secret<String>>,
    /// The neural separation model a Demucs model name in `model` runs (with that name as
    /// its `model` argument) when a worker of `neural_machine_type` has capacity.
    #[serde(default = "default_neural_model")]
    pub neural_model: String,
    /// The machine type `neural_model` runs on.
    #[serde(default = "default_neural_machine_type")]
    pub neural_machine_type: String,
}

impl Default for SeparationConfig {
    fn default() -> Self {
        Self {
            default_model: default_separation_model(),
            max_body_bytes: default_separation_bytes(),
            anonymous_api_key: None,
            neural_model: default_neural_model(),
            neural_machine_type: default_neural_machine_type(),
        }
    }
}

fn default_neural_model() -> String {
    "demucs".into()
}

fn default_neural_machine_type() -> String {
    "gpu".into()
}

fn default_max_json_bytes() -> usize {
    1024 * 1024
}

fn default_page_size() -> u32 {
    100
}

fn default_converter_model() -> String {
    "audio-extract".into()
}

fn default_separation_model() -> String {
    "stems".into()
}

fn default_separation_bytes() -> usize {
    64 * 1024 * 1024
}
