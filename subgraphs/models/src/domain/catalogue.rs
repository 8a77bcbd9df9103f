//! The built-in catalogue: public, read-only models defined by the JSON files in
//! `subgraphs/models/catalogue/`, compiled into the binary and synchronised into the
//! registry at start-up. Most run with ffmpeg on any machine; `face-detect` and
//! `background-remove` run neural networks in the `vision` runtime
//! (`scripts/install-runtime.sh vision`), and `demucs` needs a GPU cluster with its container.

use super::model::{ModelDefinition, ModelSpec};
use serde::Deserialize;

/// The catalogue files, by file name.
const FILES: &[(&str, &str)] = &[
    (
        "audio-extract.json",
        include_str!("../../catalogue/audio-extract.json"),
    ),
    (
        "transcode.json",
        include_str!("../../catalogue/transcode.json"),
    ),
    ("frames.json", include_str!("../../catalogue/frames.json")),
    (
        "image-resize.json",
        include_str!("../../catalogue/image-resize.json"),
    ),
    (
        "waveform.json",
        include_str!("../../catalogue/waveform.json"),
    ),
    ("stems.json", include_str!("../../catalogue/stems.json")),
    ("demucs.json", include_str!("../../catalogue/demucs.json")),
    (
        "face-detect.json",
        include_str!("../../catalogue/face-detect.json"),
    ),
    (
        "background-remove.json",
        include_str!("../../catalogue/background-remove.json"),
    ),
];

/// One catalogue file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    slug: String,
    definition: ModelDefinition,
}

/// A valid catalogue model.
#[derive(Clone, Debug)]
pub struct CatalogueModel {
    /// Its stable name (`audio-extract`); `model(id:)` accepts it too.
    pub slug: String,
    /// The definition (always public, with a fixed id).
    pub spec: ModelSpec,
}

/// Why the catalogue did not load (a defect in a checked-in file).
#[derive(Debug, thiserror::Error)]
#[error("catalogue file {file}: {message}")]
pub struct CatalogueError {
    /// The file at fault.
    pub file: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Parses and validates every catalogue file.
pub fn builtin() -> Result<Vec<CatalogueModel>, CatalogueError> {
    FILES
        .iter()
        .map(|(file, text)| {
            let fail = |message: String| CatalogueError { file, message };
            let parsed: CatalogueFile =
                serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
            let mut spec = parsed
                .definition
                .parse("cpu")
                .map_err(|e| fail(e.message()))?;
            if spec.id.is_none() {
                return Err(fail("catalogue models need a fixed `id`".into()));
            }
            spec.public = true;
            Ok(CatalogueModel {
                slug: parsed.slug,
                spec,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_file_loads_and_validates() {
        let models = builtin().unwrap();
        let slugs: Vec<&str> = models.iter().map(|m| m.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "audio-extract",
                "transcode",
                "frames",
                "image-resize",
                "waveform",
                "stems",
                "demucs",
                "face-detect",
                "background-remove"
            ]
        );
        let mut ids: Vec<_> = models.iter().map(|m| m.spec.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), models.len(), "catalogue ids are unique");
        assert!(
            models
                .iter()
                .all(|m| m.spec.public && !m.spec.run.outputs.is_empty())
        );
    }
}
