//! Client tooling: GraphQL Code Generator turns `schema/public.graphql` into TypeScript for
//! the documented operations (docs/examples/codegen), and strict `tsc` accepts it. Run on a
//! copy of the example (its installed node_modules linked in), so the checkout stays clean;
//! a negative control shows that an operation naming a field the API lacks does not pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/examples/codegen"
    ));
    assert!(
        dir.join("node_modules/.bin/graphql-codegen").exists(),
        "docs/examples/codegen has no node_modules: run scripts/install-deps.sh (npm ci there)"
    );
    dir
}

/// A copy of the example (sources and config; node_modules linked).
fn copy_of_example() -> tempfile::TempDir {
    let source = example();
    let copy = tempfile::tempdir().unwrap();
    for file in ["package.json", "codegen.ts", "tsconfig.json"] {
        std::fs::copy(source.join(file), copy.path().join(file)).unwrap();
    }
    std::fs::create_dir(copy.path().join("src")).unwrap();
    std::fs::copy(
        source.join("src/operations.ts"),
        copy.path().join("src/operations.ts"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        source.join("node_modules"),
        copy.path().join("node_modules"),
    )
    .unwrap();
    copy
}

/// Runs an npm script in `dir`; (success, output).
fn npm_run(dir: &Path, script: &str) -> (bool, String) {
    let schema = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/public.graphql"
    ));
    let output = Command::new("npm")
        .args(["run", "--silent", script])
        .env("MEDIAMAGIC_SCHEMA", schema)
        .current_dir(dir)
        .output()
        .expect("npm runs (scripts/install-deps.sh installs Node.js)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn typescript_generated_from_the_public_schema_type_checks_for_the_documented_operations() {
    let copy = copy_of_example();

    let (generated, codegen_output) = npm_run(copy.path(), "codegen");
    assert!(generated, "codegen failed:\n{codegen_output}");
    let (checked, tsc_output) = npm_run(copy.path(), "typecheck");

    assert!(checked, "tsc --noEmit failed:\n{tsc_output}");
    let types = std::fs::read_to_string(copy.path().join("src/gql/graphql.ts")).unwrap();
    assert!(
        types.contains("export type JobStatus"),
        "schema types generated"
    );
    assert!(
        types.contains("DeployMutation"),
        "operation types generated"
    );
}

#[test]
fn an_operation_naming_a_field_the_api_lacks_does_not_generate() {
    let copy = copy_of_example();
    std::fs::write(
        copy.path().join("src/broken.ts"),
        "import { graphql } from './gql';\nexport const Broken = graphql(`query Broken { me { id passwordHash } }`);\n",
    )
    .unwrap();

    let (generated, output) = npm_run(copy.path(), "codegen");

    assert!(!generated, "codegen accepted an unknown field:\n{output}");
    assert!(output.contains("passwordHash"), "{output}");
}
