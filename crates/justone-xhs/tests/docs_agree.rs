//! Facts the documentation states that must follow the code: every typed
//! method is in the crate docs, and every feature is in the crate docs and
//! the workspace README.

use std::path::Path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// The committed public API names every method; those that build a call
/// (`-> OperationCall`) or answer one (`-> Result<ApiResponse, …>`) are the
/// typed methods.
#[test]
fn every_typed_method_is_in_the_crate_docs() {
    let api = read("public-api.txt");
    let docs: String = read("src/lib.rs")
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect();
    let typed: Vec<&str> = api
        .lines()
        .map(|l| l.strip_prefix("async ").unwrap_or(l))
        .filter(|l| l.starts_with("fn justone_xhs::Client::"))
        .filter(|l| {
            l.ends_with("-> OperationCall")
                || l.contains("-> Result<ApiResponse, Error>")
                || l.contains("-> Result<Balance, Error>")
        })
        .filter_map(|l| l.strip_prefix("fn justone_xhs::")?.split('(').next())
        .filter(|name| *name != "Client::call_operation")
        .collect();
    assert!(typed.len() >= 10, "{typed:?}");
    for name in typed {
        assert!(
            docs.contains(&format!("[`{name}`]")),
            "{name} is not in the crate docs"
        );
    }
}

#[test]
fn every_feature_is_documented_in_the_crate_docs_and_the_readme() {
    let manifest = read("Cargo.toml");
    let features: Vec<&str> = manifest
        .split("[features]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| *k != "default" && !k.starts_with('#'))
        .collect();
    assert!(features.len() >= 5, "{features:?}");
    let docs = read("src/lib.rs");
    let readme = read("../../README.md");
    for feature in features {
        assert!(
            docs.contains(&format!("//! | `{feature}` |")),
            "{feature} is not in lib.rs's table"
        );
        assert!(
            readme.contains(&format!("| `justone-xhs` | `{feature}` |")),
            "{feature} is not in the README's features table"
        );
    }
}
