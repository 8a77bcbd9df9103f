//! Model runtimes installed on this worker: a program directory holding a `runtime.json`
//! (`{"name": "vision", ...}`, written last by `scripts/install-runtime.sh`) provides that
//! runtime; `worker.runtimes` declares more (a Kubernetes worker whose model images carry
//! them).

use std::path::PathBuf;

/// The names of the runtimes found in `program_dirs` and declared in `declared`, sorted and
/// without repeats.
pub fn installed(program_dirs: &[PathBuf], declared: &[String]) -> Vec<String> {
    let mut names: Vec<String> = program_dirs
        .iter()
        .filter_map(|dir| std::fs::read(dir.join("runtime.json")).ok())
        .filter_map(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .filter_map(|meta| meta.get("name")?.as_str().map(str::to_owned))
        .chain(declared.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_counts_once_its_marker_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = vec![dir.path().to_path_buf(), PathBuf::from("/nonexistent")];
        assert!(installed(&dirs, &[]).is_empty());
        std::fs::write(dir.path().join("runtime.json"), br#"{"name": "vision"}"#).unwrap();
        assert_eq!(
            installed(&dirs, &["gpu-extra".into()]),
            ["gpu-extra", "vision"]
        );
    }
}

/// The catalogue models this worker can run (their runtime installed, or none needed), and
/// those it cannot with the runtime each lacks, by slug.
pub fn catalogue_on(
    program_dirs: &[PathBuf],
    declared: &[String],
) -> (Vec<String>, Vec<(String, String)>) {
    let installed = installed(program_dirs, declared);
    let mut runnable = Vec::new();
    let mut missing = Vec::new();
    for model in mediamagic_models::domain::catalogue::builtin().unwrap_or_default() {
        match model.spec.run.runtime {
            Some(runtime) if !installed.contains(&runtime) => missing.push((model.slug, runtime)),
            _ => runnable.push(model.slug),
        }
    }
    (runnable, missing)
}
