//! Kubernetes manifests without a cluster: the chart rendered by a real `helm`, and any
//! manifest validated offline against the Kubernetes API schemas by `kubernetes-validate`
//! (both installed by `scripts/install-k8s-tools.sh`, which the test command runs).

use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The oldest and the newest Kubernetes versions the chart supports (its `kubeVersion`).
pub const KUBERNETES_VERSIONS: &[&str] = &["1.27.0", "1.37.0"];

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The chart's directory.
pub fn chart_dir() -> PathBuf {
    repo_root().join("charts/mediamagic")
}

fn tools_dir() -> PathBuf {
    std::env::var_os("MEDIAMAGIC_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/mediamagic/tools/bin")
        })
}

/// The `helm` binary; panics with what to run when it is missing.
pub fn helm() -> PathBuf {
    let helm = tools_dir().join("helm");
    assert!(
        helm.exists(),
        "helm is not installed at {}: run scripts/install-k8s-tools.sh (the test command does)",
        helm.display()
    );
    helm
}

fn kubernetes_validate() -> PathBuf {
    let local = PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
        .join(".local/bin/kubernetes-validate");
    if local.exists() {
        return local;
    }
    PathBuf::from("kubernetes-validate")
}

/// Runs `helm <args>` in the chart's directory; `Ok(stdout)` or `Err(stderr)`.
pub fn run_helm(args: &[&str]) -> Result<String, String> {
    let output = Command::new(helm())
        .args(args)
        .current_dir(chart_dir())
        .output()
        .map_err(|e| format!("helm: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr)
        .lines()
        // Helm notes that it follows files/router-production.yaml to router/config/.
        .filter(|line| !line.contains("symbolic link"))
        .collect::<Vec<_>>()
        .join("\n");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(stderr)
    }
}

/// `helm template` of the chart with `values` files (relative to the chart) and `--set`s:
/// the YAML text and its documents as JSON values.
pub fn render(values: &[&str], sets: &[&str]) -> Result<(String, Vec<Value>), String> {
    let mut args = vec!["template", "mm", ".", "--namespace", "media"];
    for file in values {
        args.extend(["-f", file]);
    }
    for set in sets {
        args.extend(["--set", set]);
    }
    let text = run_helm(&args)?;
    Ok((text.clone(), documents(&text)?))
}

/// The documents of a multi-document YAML text, as JSON values (empty ones dropped).
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value: Value =
            serde::Deserialize::deserialize(document).map_err(|e| format!("YAML: {e}"))?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// Validates `text` (YAML manifests) strictly against the API schemas of every version in
/// [`KUBERNETES_VERSIONS`]; `Err` with the validator's complaints. Kinds it has no schema
/// for (custom resources) are reported by name in the `Ok` list so callers check them.
pub fn validate(text: &str) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("manifests.yaml");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    let mut unknown = Vec::new();
    for version in KUBERNETES_VERSIONS {
        let output = Command::new(kubernetes_validate())
            .args(["--strict", "-k", version])
            .arg(&file)
            .output()
            .map_err(|e| format!("kubernetes-validate: {e} (run scripts/install-k8s-tools.sh)"))?;
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() || report.contains("ERROR") {
            return Err(format!("Kubernetes {version}:\n{report}"));
        }
        if !report.contains(" passed ") {
            return Err(format!(
                "Kubernetes {version}: nothing was validated:\n{report}"
            ));
        }
        for line in report.lines() {
            if let Some(rest) = line.split("Couldn't find schema for kind ").nth(1)
                && let Some(kind) = rest.split_whitespace().next()
                && !unknown.iter().any(|k| k == kind)
            {
                unknown.push(kind.to_owned());
            }
        }
    }
    Ok(unknown)
}

/// The documents of `kind`.
pub fn of_kind<'a>(documents: &'a [Value], kind: &str) -> Vec<&'a Value> {
    documents.iter().filter(|d| d["kind"] == kind).collect()
}

/// The document of `kind` named `name`.
pub fn named<'a>(documents: &'a [Value], kind: &str, name: &str) -> &'a Value {
    documents
        .iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} named {name}"))
}
