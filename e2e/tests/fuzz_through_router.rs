//! A schema-driven fuzz run through the router with schemathesis (pip; installed by
//! `scripts/install-deps.sh`): it reads the public schema by introspection and sends a
//! bounded number of generated operations for every query and mutation, with a signed-in
//! account and without one. Every answer must be a client error or data: no HTTP 5xx and
//! no `INTERNAL` (schemathesis's own verdict counts client errors such as NOT_FOUND on
//! non-null fields as failures, so the recorded exchanges are judged here instead).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::spawn_stack;
use serde_json::Value;

/// Generated examples per operation (kept small: the suite has a time budget; raise it with
/// `FUZZ_EXAMPLES` for a longer run).
const EXAMPLES: &str = "3";

fn schemathesis() -> std::path::PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let candidates = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(std::path::PathBuf::from)
        .chain([std::path::PathBuf::from(home).join(".local/bin")])
        .map(|dir| dir.join("schemathesis"))
        .collect::<Vec<_>>();
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .expect("schemathesis is installed (scripts/install-deps.sh: pip install schemathesis)")
}

/// Runs schemathesis against `url` with `headers`; returns the recorded exchanges.
fn fuzz(url: &str, headers: &[String]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("run.har");
    let examples = std::env::var("FUZZ_EXAMPLES").unwrap_or_else(|_| EXAMPLES.into());
    let mut command = std::process::Command::new(schemathesis());
    command
        .args(["run", url, "--max-examples", &examples, "--seed", "1"])
        .args(["--request-timeout", "20", "--report", "har"])
        .arg("--report-har-path")
        .arg(&har)
        .current_dir(dir.path());
    for header in headers {
        command.args(["-H", header]);
    }
    let output = command.output().unwrap();
    let text = std::fs::read_to_string(&har).unwrap_or_else(|_| {
        panic!(
            "schemathesis wrote no report: {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let har: Value = serde_json::from_str(&text).unwrap();
    har["log"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn generated_operations_through_the_router_get_client_errors_or_data_never_internal_errors() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("fuzzed").await;
    let url = stack.router_url(0).to_owned();

    let signed_in = {
        let (url, header) = (url.clone(), format!("Authorization: Bearer {token}"));
        tokio::task::spawn_blocking(move || fuzz(&url, &[header]))
            .await
            .unwrap()
    };
    let anonymous = tokio::task::spawn_blocking(move || fuzz(&url, &[]))
        .await
        .unwrap();

    for (who, entries) in [("signed in", &signed_in), ("anonymous", &anonymous)] {
        assert!(
            entries.len() >= 100,
            "{who}: only {} operations were sent",
            entries.len()
        );
        let bad: Vec<String> = entries
            .iter()
            .filter(|e| {
                let status = e["response"]["status"].as_u64().unwrap_or(0);
                let body = e["response"]["content"]["text"].as_str().unwrap_or("");
                status >= 500 || body.contains("\"code\":\"INTERNAL\"")
            })
            .map(|e| {
                format!(
                    "{} -> {} {}",
                    e["request"]["postData"]["text"].as_str().unwrap_or(""),
                    e["response"]["status"],
                    e["response"]["content"]["text"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(bad.is_empty(), "{who}:\n{}", bad.join("\n"));
    }
}
