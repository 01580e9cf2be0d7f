//! Generates the raw client from the normalized spec with progenitor.
//!
//! Reads only the committed `spec/notes-feed-v1-en.normalized.json` of this
//! crate (inside the package, so a build from the published tarball and on
//! docs.rs finds it; `cargo xtask regen` writes it here); nothing here
//! touches the network. The output goes to `$OUT_DIR/client.rs` and is
//! never committed or edited: `cargo xtask regen` changes the spec, and this
//! script turns the spec into code.

use std::error::Error;
use std::path::{Path, PathBuf};

use progenitor::Generator;

// Shared with xtask's tests, which generate every historical version of the
// provider's document with the same settings.
#[path = "generation_settings.rs"]
mod generation_settings;

const SPEC: &str = "spec/notes-feed-v1-en.normalized.json";

fn main() -> Result<(), Box<dyn Error>> {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC);
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=generation_settings.rs");

    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not OpenAPI 3.0: {e}", spec_path.display()))?;

    let settings = generation_settings::generation_settings();
    let tokens = Generator::new(&settings).generate_tokens(&spec).map_err(|e| {
        format!(
            "progenitor cannot generate a client from {}: {e}",
            spec_path.display()
        )
    })?;
    let file: syn::File = syn::parse2(tokens)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("client.rs");
    std::fs::write(&out, prettyplease::unparse(&file))?;
    Ok(())
}
