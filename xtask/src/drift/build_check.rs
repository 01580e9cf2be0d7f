//! What `justone-gen`'s build script would make of a published document:
//! it merges the normalized documents (`build/spec_union.rs`, included here
//! so that the check is the build's own) and refuses a component two of
//! them define differently; progenitor names each method after its
//! normalized operationId, which the unique-id rule may have rewritten
//! because of an operation on another platform. A raw comparison sees
//! neither, so both are checked on the union itself.

use std::collections::BTreeMap;

use heck::ToSnakeCase;
use serde_json::Value;

use super::classify::operations;
use super::model::{Change, Class};
use crate::document::{self, DocumentError};
use crate::normalize::normalize;
use crate::spec_documents::{DOCUMENTS, SpecDocument, SpecLayout};

#[path = "../../../crates/justone-gen/build/spec_union.rs"]
mod spec_union;

/// The build's verdict on a set of documents: the merged document, or why
/// the build stops.
pub type Verdict = Result<Value, String>;

/// The union the build would generate from, with `spec`'s document replaced
/// by `raw` (normalized as `regen` would) and the others as committed.
///
/// # Errors
/// [`DocumentError`] when a committed normalized document cannot be read:
/// the check could not run, which says nothing about the candidate.
pub fn union_with(spec: &SpecDocument, raw: &Value, layout: &SpecLayout) -> Result<Verdict, DocumentError> {
    let mut parts = Vec::new();
    for document in DOCUMENTS {
        let normalized = if document == spec {
            match normalize(raw) {
                Ok(normalized) => normalized.document,
                Err(e) => return Ok(Err(format!("{} does not normalize: {e}", spec.name))),
            }
        } else {
            document::read(&layout.files(document).normalized)?
        };
        parts.push(spec_union::Part {
            name: document.normalized,
            document: normalized,
            path_prefix: document.generated_paths,
        });
    }
    Ok(spec_union::union(parts))
}

/// The build's verdicts before and after, as changes: "the build would
/// refuse this", or each generated method that would be renamed.
pub fn effects(before: &Verdict, after: &Verdict) -> Vec<Change> {
    match (before, after) {
        (Ok(before), Ok(after)) => {
            let old = method_names(before);
            let new = method_names(after);
            old.iter()
                .filter_map(|(operation, name)| {
                    let renamed = new.get(operation).filter(|n| *n != name)?;
                    let detail = format!("method `{name}` would be renamed to `{renamed}`");
                    Some(Change::new(Class::Breaking, operation, "method-renamed", detail))
                })
                .collect()
        }
        (_, Err(reason)) => {
            let still = if before.is_err() {
                " (it refuses the committed documents too)"
            } else {
                ""
            };
            let detail = format!("the build would refuse this{still}: {reason}");
            vec![Change::new(Class::Breaking, "build", "build-refused", detail)]
        }
        // The build accepts what it refused: nothing to act on.
        (Err(_), Ok(_)) => Vec::new(),
    }
}

/// The generated method of each operation of a union, as progenitor names
/// it (the snake case of the operationId).
fn method_names(union: &Value) -> BTreeMap<String, String> {
    let paths = union.get("paths").and_then(Value::as_object);
    paths
        .map(operations)
        .unwrap_or_default()
        .into_iter()
        .map(|(key, (op, _))| {
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default();
            (key, id.to_snake_case())
        })
        .collect()
}
