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

/// The catalogue models a worker with `config` can run (it offers their machine type and
/// has their runtime), and those it cannot, each with why, by slug.
pub fn catalogue_on(config: &crate::WorkerConfig) -> (Vec<String>, Vec<(String, String)>) {
    let installed = installed(&config.program_dirs, &config.runtimes);
    let mut runnable = Vec::new();
    let mut missing = Vec::new();
    for model in mediamagic_models::domain::catalogue::builtin().unwrap_or_default() {
        let run = model.spec.run;
        let offered = config
            .machine_types
            .get(&run.machine_type)
            .is_some_and(|m| m.slots > 0);
        match run.runtime {
            _ if !offered => missing.push((
                model.slug,
                format!("no `{}` slots on this worker", run.machine_type),
            )),
            Some(runtime) if !installed.contains(&runtime) => missing.push((
                model.slug,
                format!("needs `{runtime}`: scripts/install-runtime.sh {runtime}"),
            )),
            _ => runnable.push(model.slug),
        }
    }
    (runnable, missing)
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
