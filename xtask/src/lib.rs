//! Maintainer tasks for justone-rs, as a library so that they are unit tested.
//!
//! - [`regen`]: fetch a published OpenAPI document (one of [`DOCUMENTS`]),
//!   store it in `spec/` in a stable form, normalize it for progenitor into
//!   `justone-gen`, report what changed.
//! - [`check_drift`]: compare a published document with the committed one,
//!   and what `justone-gen`'s build would make of it.
//! - [`probe::probe`]: compare live feed items with the committed item shape.
//! - [`public_api`]: the library's public API as a committed list.

#![warn(missing_docs)]

pub mod document;
pub mod drift;
pub mod fetch;
pub mod module_graph;
pub mod normalize;
pub mod probe;
pub mod public_api;
pub mod shape;
pub mod spec_documents;
pub mod surface;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::drift::Change;
use crate::fetch::{FetchError, Source};
pub use crate::spec_documents::{DOCUMENTS, SpecDocument, SpecFiles, SpecLayout};

/// The committed reference shape of feed items (`cargo xtask shape`).
pub fn shape_file() -> Result<PathBuf, WorkspaceError> {
    Ok(workspace_root()?.join("spec/feed-item-shape.json"))
}

/// The demo fixtures directory, with the documented example response.
pub fn fixtures_dir() -> Result<PathBuf, WorkspaceError> {
    Ok(workspace_root()?.join("crates/justone-xhs/fixtures"))
}

/// The current directory is not inside a Cargo workspace.
#[derive(Debug, thiserror::Error)]
#[error("cannot find the workspace: no Cargo.toml with a [workspace] table in {start} or above it")]
pub struct WorkspaceError {
    /// Where the search started.
    pub start: String,
}

/// The workspace that contains the current directory, found at run time.
///
/// Not `env!("CARGO_MANIFEST_DIR")`: that is the checkout the binary was
/// built in, and an xtask binary reused from a shared target directory
/// would then read and write another clone's `spec/`. This is the same
/// answer as `cargo locate-project --workspace`, without running cargo.
pub fn workspace_root() -> Result<PathBuf, WorkspaceError> {
    let start = std::env::current_dir().map_err(|e| WorkspaceError {
        start: format!("the current directory ({e})"),
    })?;
    start
        .ancestors()
        .find(|dir| is_workspace_root(dir))
        .map(Path::to_path_buf)
        .ok_or_else(|| WorkspaceError {
            start: start.display().to_string(),
        })
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
}

/// Loads a published document and checks that it describes `spec`'s
/// required path.
pub fn load_published(spec: &SpecDocument, source: &Source) -> Result<Value, FetchError> {
    let document = source.load()?;
    document::check_endpoint(&document, spec.required_path)?;
    Ok(document)
}

/// Replaces the committed spec files with the published document and its
/// normalized form; returns the changes against the previous raw document
/// (all of it counts as new when there was none).
pub fn regen(spec: &SpecDocument, source: &Source, files: &SpecFiles) -> Result<Vec<Change>, FetchError> {
    let published = load_published(spec, source)?;
    let normalized = normalize::normalize(&published)?;
    let previous = document::read(&files.raw).unwrap_or(Value::Null);
    // Both files are fully prepared before either is replaced.
    document::write_atomically(&files.raw, &published)?;
    document::write_atomically(&files.normalized, &normalized.document)?;
    Ok(drift::compare(
        &previous,
        &published,
        &drift::GeneratedSurface::of(spec),
    ))
}

/// Compares the published document with the committed raw one, and what
/// the build would make of each, merged with the other committed documents
/// in `layout` (see [`drift::build_check`]).
pub fn check_drift(
    spec: &SpecDocument,
    source: &Source,
    layout: &SpecLayout,
) -> Result<Vec<Change>, FetchError> {
    let committed = document::read(&layout.files(spec).raw)?;
    let published = load_published(spec, source)?;
    let mut changes = drift::compare(&committed, &published, &drift::GeneratedSurface::of(spec));
    let before = drift::build_check::union_with(spec, &committed, layout)?;
    let after = drift::build_check::union_with(spec, &published, layout)?;
    // A rename of the operationId itself is already reported, as such.
    let renamed_upstream = |c: &Change| {
        changes
            .iter()
            .any(|d| d.kind == "operation-id" && d.subject == c.subject)
    };
    let effects: Vec<Change> = drift::build_check::effects(&before, &after)
        .into_iter()
        .filter(|c| !renamed_upstream(c))
        .collect();
    changes.extend(effects);
    Ok(changes)
}
