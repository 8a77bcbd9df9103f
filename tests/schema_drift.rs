//! The checked-in SDLs and supergraph must match the code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic::stack::{SUBGRAPHS, sdl};
use std::{path::Path, process::Command};

const REGENERATE: &str = "run `schema/update.sh` and commit schema/";

#[test]
fn checked_in_subgraph_sdls_match_the_code() {
    for subgraph in SUBGRAPHS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{subgraph}.graphql"));
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: {REGENERATE}", path.display()));
        assert!(
            checked_in == sdl(subgraph).unwrap(),
            "schema/{subgraph}.graphql no longer matches the code: {REGENERATE}"
        );
    }
}

#[test]
fn the_subgraph_list_for_composition_matches_the_code() {
    let list = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/subgraphs.json"),
    )
    .unwrap();
    for subgraph in SUBGRAPHS {
        assert!(
            list.contains(&format!("\"{subgraph}\"")),
            "schema/subgraphs.json lacks {subgraph}: {REGENERATE}"
        );
    }
}

#[test]
fn the_checked_in_supergraph_is_the_composition_of_the_sdls() {
    let schema_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    if !schema_dir
        .join("node_modules/@theguild/federation-composition")
        .exists()
    {
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&schema_dir)
            .status()
            .expect("npm is installed (the README's test command installs it)");
        assert!(installed.success(), "npm ci in schema/ failed");
    }
    let output = Command::new("node")
        .args(["compose.mjs", "--check"])
        .current_dir(&schema_dir)
        .output()
        .expect("node is installed (the README's test command installs it)");
    assert!(
        output.status.success(),
        "{}{}\n{REGENERATE}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_public_schema_is_what_clients_see() {
    let schema_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let public = std::fs::read_to_string(schema_dir.join("public.graphql"))
        .unwrap_or_else(|_| panic!("schema/public.graphql is missing: {REGENERATE}"));
    let supergraph = std::fs::read_to_string(schema_dir.join("supergraph.graphql")).unwrap();
    assert!(public.contains("type Query"));
    assert!(public.contains("createDeployment("));
    for internal in ["join__", "@inaccessible", "_Entity", "_service", "link__"] {
        assert!(
            !public.contains(internal),
            "public.graphql holds {internal}"
        );
    }
    // Every element the supergraph hides is absent (the worker-only media operations).
    let hidden: Vec<&str> = supergraph
        .lines()
        // Definitions (they carry @join__ directives), not descriptions mentioning it.
        .filter(|l| l.contains("@inaccessible") && l.contains("@join__"))
        .filter_map(|l| {
            let l = l
                .trim_start()
                .trim_start_matches("input ")
                .trim_start_matches("type ");
            l.split(|c: char| !c.is_alphanumeric() && c != '_').next()
        })
        .filter(|name| !name.is_empty())
        .collect();
    assert!(hidden.len() >= 4, "{hidden:?}");
    for name in hidden {
        assert!(
            !public.contains(&format!("{name}(")) && !public.contains(&format!("input {name} ")),
            "public.graphql shows the hidden {name}"
        );
    }
}
