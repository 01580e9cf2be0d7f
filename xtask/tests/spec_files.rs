//! The committed spec files are consistent, and their surface is pinned by
//! snapshots so that an upstream change fails until a maintainer reviews it.

use xtask::document::{self, canonical};
use xtask::normalize::normalize;
use xtask::surface::Surface;
use xtask::{ENDPOINT_PATH, SpecFiles};

// The build script's own settings (see the file for why it is shared this way).
#[path = "../../crates/justone-gen/generation_settings.rs"]
mod generation_settings;

#[test]
fn committed_raw_spec_is_in_canonical_form_and_describes_the_endpoint() {
    let files = SpecFiles::workspace().unwrap();
    let text = std::fs::read_to_string(&files.raw).unwrap();
    let raw = document::parse_json(text.as_bytes()).unwrap();
    assert_eq!(
        text,
        canonical(&raw),
        "run `cargo xtask regen --from-file spec/notes-feed-v1-en.json`"
    );
    document::check_endpoint(&raw, ENDPOINT_PATH).unwrap();
}

#[test]
fn committed_normalized_spec_is_exactly_normalize_of_the_raw_spec() {
    let files = SpecFiles::workspace().unwrap();
    let raw = document::read(&files.raw).unwrap();
    let expected = canonical(&normalize(&raw).unwrap().document);
    let committed = std::fs::read_to_string(&files.normalized).unwrap();
    assert!(
        committed == expected,
        "crates/justone-gen/spec/notes-feed-v1-en.normalized.json is stale or was edited by hand; \
         run `cargo xtask regen --from-file spec/notes-feed-v1-en.json`"
    );
}

/// The build script reads the crate's copy, and it is the only copy: a second
/// one in `spec/` could drift from what is actually generated.
#[test]
fn the_normalized_spec_lives_only_in_justone_gen() {
    let root = xtask::workspace_root().unwrap();
    assert!(root.join(xtask::NORMALIZED_IN_WORKSPACE).is_file());
    assert!(!root.join("spec/notes-feed-v1-en.normalized.json").exists());
    let build_script = std::fs::read_to_string(root.join("crates/justone-gen/build.rs")).unwrap();
    assert!(build_script.contains(r#""spec/notes-feed-v1-en.normalized.json""#));
}

#[test]
fn api_surface_snapshot() {
    let raw = document::read(&SpecFiles::workspace().unwrap().raw).unwrap();
    insta::assert_snapshot!("api_surface", Surface::of(&raw).to_string());
}

#[test]
fn normalizer_rewrites_on_the_committed_spec() {
    let raw = document::read(&SpecFiles::workspace().unwrap().raw).unwrap();
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
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/public-api.json");
    let raw = document::read(std::path::Path::new(path)).unwrap();
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
