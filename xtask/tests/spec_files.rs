//! The committed spec files are consistent, and their surface is pinned by
//! snapshots so that an upstream change fails until a maintainer reviews it.

use xtask::DOCUMENTS;
use xtask::document::{self, canonical};
use xtask::normalize::normalize;
use xtask::spec_documents::{ACCOUNT, NOTES_FEED, PUBLIC_API};
use xtask::surface::Surface;

// The build script's own settings (see the file for why it is shared this way).
#[path = "../../crates/justone-gen/generation_settings.rs"]
mod generation_settings;

#[test]
fn every_committed_raw_document_is_in_canonical_form_and_describes_its_path() {
    for spec in DOCUMENTS {
        let files = spec.workspace_files().unwrap();
        let text = std::fs::read_to_string(&files.raw).unwrap();
        let raw = document::parse_json(text.as_bytes()).unwrap();
        assert_eq!(
            text,
            canonical(&raw),
            "run `cargo xtask regen {} --from-file spec/{}`",
            spec.name,
            spec.raw
        );
        document::check_endpoint(&raw, spec.required_path).unwrap();
    }
}

#[test]
fn every_committed_normalized_document_is_exactly_normalize_of_its_raw_one() {
    for spec in DOCUMENTS {
        let files = spec.workspace_files().unwrap();
        let raw = document::read(&files.raw).unwrap();
        let expected = canonical(&normalize(&raw).unwrap().document);
        let committed = std::fs::read_to_string(&files.normalized).unwrap();
        assert!(
            committed == expected,
            "crates/justone-gen/spec/{} is stale or was edited by hand; run `cargo xtask regen {} --from-file spec/{}`",
            spec.normalized,
            spec.name,
            spec.raw
        );
    }
}

/// The build script reads the crate's copies, and they are the only ones: a
/// second copy in `spec/` could drift from what is actually generated.
#[test]
fn the_normalized_documents_live_only_in_justone_gen() {
    let root = xtask::workspace_root().unwrap();
    let build_script = std::fs::read_to_string(root.join("crates/justone-gen/build.rs")).unwrap();
    for spec in DOCUMENTS {
        let files = spec.files_in_workspace(&root);
        assert!(files.normalized.is_file(), "{}", files.normalized.display());
        assert!(!root.join("spec").join(spec.normalized).exists());
        assert!(
            build_script.contains(&format!("\"spec/{}\"", spec.normalized)),
            "{}",
            spec.normalized
        );
    }
}

/// The account document is written here, not published: it says so, and it
/// uses the provider's envelope exactly (one `Result` type in the client).
#[test]
fn the_account_document_says_it_is_hand_written_and_shares_the_envelope() {
    let account = document::read(&ACCOUNT.workspace_files().unwrap().raw).unwrap();
    let public = document::read(&PUBLIC_API.workspace_files().unwrap().raw).unwrap();
    let description = account["info"]["description"].as_str().unwrap();
    assert!(description.contains("not published"), "{description}");
    assert!(description.contains("MCP server"), "{description}");
    assert_eq!(account["components"], public["components"]);
}

#[test]
fn api_surface_snapshot() {
    let raw = document::read(&NOTES_FEED.workspace_files().unwrap().raw).unwrap();
    insta::assert_snapshot!("api_surface", Surface::of(&raw).to_string());
}

#[test]
fn normalizer_rewrites_on_the_committed_spec() {
    let raw = document::read(&NOTES_FEED.workspace_files().unwrap().raw).unwrap();
    let rewrites: Vec<String> = normalize(&raw)
        .unwrap()
        .rewrites
        .iter()
        .map(|r| format!("{} {}", r.rule.name(), r.pointer))
        .collect();
    insta::assert_snapshot!("committed_spec_rewrites", rewrites.join("\n"));
}

/// The provider's full public document (348 operations) goes through the
/// normalizer and then progenitor without error: proof that the normalizer
/// handles the provider's conventions, not just the one endpoint.
#[test]
fn full_provider_document_normalizes_and_generates() {
    let raw = document::read(&PUBLIC_API.workspace_files().unwrap().raw).unwrap();
    let normalized = normalize(&raw).unwrap();
    let spec: openapiv3::OpenAPI = serde_json::from_value(normalized.document.clone()).unwrap();

    let settings = generation_settings::generation_settings();
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap();
    let code = tokens.to_string();

    let surface = Surface::of(&raw);
    let mut ids: Vec<&str> = surface
        .operations
        .values()
        .map(|o| o.operation_id.as_str())
        .collect();
    ids.sort_unstable();
    // Every operation has its request method in the generated code, which
    // documents itself with the method and path it sends.
    for key in surface.operations.keys() {
        let (method, path) = key.split_once(' ').unwrap();
        let doc = format!("Sends a `{method}` request to `{path}`");
        assert!(code.contains(&doc), "no method generated for {key}");
    }
    let mut rules: std::collections::BTreeMap<&str, usize> = Default::default();
    for rewrite in &normalized.rewrites {
        *rules.entry(rewrite.rule.name()).or_default() += 1;
    }
    let summary = format!(
        "operations: {}\nrewrites: {rules:?}\noperation ids:\n{}",
        ids.len(),
        ids.join("\n")
    );
    insta::assert_snapshot!("full_provider_document", summary);
}

/// The drift report's generated surface and its build check take the same
/// paths of each document as `justone-gen`'s build script.
#[test]
fn the_generated_paths_are_the_build_scripts() {
    let build = include_str!("../../crates/justone-gen/build.rs");
    for spec in DOCUMENTS {
        let entry = format!("(\"spec/{}\", \"{}\")", spec.normalized, spec.generated_paths);
        assert!(build.contains(&entry), "{entry} not in build.rs");
    }
}
