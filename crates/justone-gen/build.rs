//! Generates the raw client from the normalized spec with progenitor.
//!
//! Reads only the committed `spec/notes-feed-v1-en.normalized.json`; nothing
//! here touches the network. The output goes to `$OUT_DIR/client.rs` and is
//! never committed or edited: `cargo xtask regen` changes the spec, and this
//! script turns the spec into code.

use std::error::Error;
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};

const SPEC: &str = "../../spec/notes-feed-v1-en.normalized.json";

fn main() -> Result<(), Box<dyn Error>> {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC);
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build.rs");

    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not OpenAPI 3.0: {e}", spec_path.display()))?;

    let mut settings = GenerationSettings::new();
    settings
        // Builder methods name every parameter; positional arguments are
        // sorted alphabetically, so a new upstream parameter would silently
        // shift them.
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // `Result.data` is `{}` (any JSON). As `serde_json::Value` the page
        // would be parsed into a tree and then again into typed items; as a
        // `RawValue` it is only validated and sliced, and the typed layer
        // parses it once.
        .with_conversion(
            schemars::schema::SchemaObject::default(),
            "::std::boxed::Box<::serde_json::value::RawValue>",
            std::iter::empty(),
        )
        // The provider recommends at least 60 s; only used by `Client::new`.
        .with_timeout(60);

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
