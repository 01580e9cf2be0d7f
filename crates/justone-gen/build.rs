//! Generates the raw client from the normalized documents with progenitor.
//!
//! Reads only this crate's committed `spec/*.normalized.json` (inside the
//! package, so a build from the published tarball and on docs.rs finds them;
//! `cargo xtask regen` writes them here); nothing here touches the network.
//! The documents are merged into one (see `build/spec_union.rs`) and one
//! client is generated from it. Two files go to `OUT_DIR`, never committed or
//! edited: `client.rs` (progenitor's client) and `operations.rs` (the
//! operation table and `send_by_id`, see `build/operation_table.rs`).

use std::error::Error;
use std::path::{Path, PathBuf};

use progenitor::Generator;

// Shared with xtask's tests, which generate every historical version of the
// provider's document with the same settings.
#[path = "generation_settings.rs"]
mod generation_settings;
#[path = "build/operation_table.rs"]
mod operation_table;
#[path = "build/spec_union.rs"]
mod spec_union;

/// The documents the client is generated from, with the paths of each that
/// are generated: the provider's public document describes 348 operations
/// of many platforms, and only the Xiaohongshu ones belong here: the 54 it
/// tags as Xiaohongshu, under `/api/xiaohongshu/` (RedNote),
/// `/api/xiaohongshu-pgy/` (Creator Marketplace, Pugongying) and
/// `/api/xiaohongshu-ec/` (e-commerce).
const DOCUMENTS: [(&str, &str); 3] = [
    ("spec/notes-feed-v1-en.normalized.json", ""),
    ("spec/public-api.normalized.json", "/api/xiaohongshu"),
    ("spec/account.normalized.json", ""),
];

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "build.rs",
        "generation_settings.rs",
        "build/operation_table.rs",
        "build/spec_union.rs",
    ] {
        println!("cargo:rerun-if-changed={file}");
    }
    let mut parts = Vec::new();
    for (file, path_prefix) in DOCUMENTS {
        let path = root.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let document =
            serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        parts.push(spec_union::Part {
            name: file,
            document,
            path_prefix,
        });
    }
    let union = spec_union::union(parts)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(union.clone())
        .map_err(|e| format!("the merged documents are not OpenAPI 3.0: {e}"))?;

    let settings = generation_settings::generation_settings();
    let tokens = Generator::new(&settings)
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor cannot generate a client from the merged documents: {e}"))?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    write_rust(&out.join("client.rs"), syn::parse2(tokens)?)?;

    let table = operation_table::operation_table(&union)?;
    let table: syn::File =
        syn::parse_str(&table).map_err(|e| format!("the generated operation table does not parse: {e}"))?;
    write_rust(&out.join("operations.rs"), table)?;
    Ok(())
}

fn write_rust(path: &Path, file: syn::File) -> Result<(), Box<dyn Error>> {
    std::fs::write(path, prettyplease::unparse(&file))?;
    Ok(())
}
