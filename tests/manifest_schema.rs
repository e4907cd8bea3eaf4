//! The JSON Schema in `schemas/` is the one generated from the Rust types, and every manifest
//! shipped in `manifests/` and `examples/` is valid against it and against `validate`.
//!
//! To refresh the committed schema after changing the format:
//! `cargo run -- schema > schemas/manifest.schema.json`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_manifests() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in ["manifests", "examples"] {
        collect_yaml(&root().join(dir), &mut found);
    }
    found.sort();
    found
}

fn collect_yaml(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, found);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            found.push(path);
        }
    }
}

/// A folder for `${RUST_DOCS}`: the toolchain's documentation when installed, else a stand-in.
fn rust_docs() -> PathBuf {
    let sysroot = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .output();
    let docs = sysroot
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .map(|s| s.join("share/doc/rust/html"));
    match docs {
        Some(path) if path.is_dir() => path,
        _ => {
            let stand_in = std::env::temp_dir().join("scaidrive-apply-rust-docs-stand-in");
            std::fs::create_dir_all(&stand_in).unwrap();
            stand_in
        }
    }
}

#[test]
fn committed_schema_equals_the_generated_one() {
    let committed = std::fs::read_to_string(root().join("schemas/manifest.schema.json")).unwrap();
    assert!(
        committed == scaidrive_apply::manifest::json_schema(),
        "schemas/manifest.schema.json is stale: run \
         `cargo run -- schema > schemas/manifest.schema.json`"
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let committed = std::fs::read_to_string(root().join("schemas/manifest.schema.json")).unwrap();
    let output = Command::cargo_bin("scaidrive-apply")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}

#[test]
fn shipped_manifests_are_valid_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&scaidrive_apply::manifest::json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let manifests = shipped_manifests();
    assert!(manifests.len() >= 2, "{manifests:?}");
    for path in manifests {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn shipped_manifests_pass_validate() {
    std::fs::create_dir_all(root().join("examples/site/archive")).unwrap();
    for path in shipped_manifests() {
        Command::cargo_bin("scaidrive-apply")
            .unwrap()
            .env("RUST_DOCS", rust_docs())
            .env_remove("QUICKSTART_PASSWORD")
            .arg("validate")
            .arg(&path)
            .assert()
            .success();
    }
}

#[test]
fn schema_rejects_a_literal_password_and_an_unknown_key() {
    let schema: serde_json::Value =
        serde_json::from_str(&scaidrive_apply::manifest::json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bad = serde_json::json!({
        "version": 1,
        "publish": [{"name": "a", "from": ".", "to": {"share": "s"}, "exlude": []}],
        "links": [{"name": "l", "target": "a", "type": "VIEW", "password": "hunter2"}],
    });
    assert_eq!(validator.iter_errors(&bad).count(), 2);
}
