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

/// How an operator installs `runtime` (the text every refusal and hint quotes).
pub fn install_hint(runtime: &str) -> String {
    format!("needs `{runtime}`: scripts/install-runtime.sh {runtime}")
}

/// One catalogue model and whether it can run: `Err` says why not.
pub struct Availability {
    /// The model's slug.
    pub slug: String,
    /// Its machine type.
    pub machine_type: String,
    /// The runtime it needs.
    pub runtime: Option<String>,
    /// Runnable, or why not.
    pub runnable: Result<(), String>,
}

/// Every catalogue model, given which machine types are `served` and which `(machine type,
/// runtime)` pairs are `offered`; `no_slots` words a machine type nobody serves. Shared by
/// `cluster` (live workers) and `doctor` (this worker's config).
pub fn catalogue_availability(
    served: impl Fn(&str) -> bool,
    offered: impl Fn(&str, &str) -> bool,
    no_slots: impl Fn(&str) -> String,
) -> Vec<Availability> {
    mediamagic_models::domain::catalogue::builtin()
        .unwrap_or_default()
        .into_iter()
        .map(|model| {
            let run = model.spec.run;
            let runnable = match &run.runtime {
                _ if !served(&run.machine_type) => Err(no_slots(&run.machine_type)),
                Some(runtime) if !offered(&run.machine_type, runtime) => Err(install_hint(runtime)),
                _ => Ok(()),
            };
            Availability {
                slug: model.slug,
                machine_type: run.machine_type,
                runtime: run.runtime,
                runnable,
            }
        })
        .collect()
}

/// The catalogue models a worker with `config` can run (it offers their machine type and
/// has their runtime), and those it cannot, each with why, by slug.
pub fn catalogue_on(config: &crate::WorkerConfig) -> (Vec<String>, Vec<(String, String)>) {
    let installed = installed(&config.program_dirs, &config.runtimes);
    let served = |machine_type: &str| {
        config
            .machine_types
            .get(machine_type)
            .is_some_and(|m| m.slots > 0)
    };
    let (mut runnable, mut missing) = (Vec::new(), Vec::new());
    for model in catalogue_availability(
        served,
        |_, runtime| installed.iter().any(|r| r == runtime),
        |machine_type| format!("no `{machine_type}` slots on this worker"),
    ) {
        match model.runnable {
            Ok(()) => runnable.push(model.slug),
            Err(why) => missing.push((model.slug, why)),
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
