// The progenitor settings the client is generated with, in a file of its own
// so that two crates compile the very same function:
// - `build.rs` (`#[path = "generation_settings.rs"] mod generation_settings;`)
//   generates the client with it;
// - xtask's tests (`#[path = "../../crates/justone-gen/generation_settings.rs"]`)
//   prove that every normalized version of the provider's document generates
//   with it.
// A module file rather than a crate: xtask must keep building when a spec
// change breaks generation, so it depends on no workspace crate, and a
// settings crate would be one more crate for a dozen lines.
// Needs `progenitor` and `schemars` in the including crate's dependencies.

/// The settings `justone-gen` generates its client with.
pub fn generation_settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        // Builder methods name every parameter; positional arguments are
        // sorted alphabetically, so a new upstream parameter would silently
        // shift them.
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
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
    settings
}
