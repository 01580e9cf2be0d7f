// The union of the normalized documents the client is generated from, as one
// OpenAPI document, in a file of its own so that xtask's tests can build the
// very same union (`#[path]`, as for generation_settings.rs).
//
// Each document contributes the operations under its path prefix. Components
// are merged by name, and a name two documents define differently is an
// error, not a silent choice: the `Result` envelope must be one type for
// `justone-xhs`'s one envelope step. Today every document carries the same
// `Result` and shared error responses (the account document copies them from
// the feed's), so the merge is exact.
// Needs `serde_json` in the including crate's dependencies.

use serde_json::{Map, Value};

/// One normalized document and the paths of it that are generated.
pub struct Part<'a> {
    /// A name for error messages (its file name).
    pub name: &'a str,
    /// The normalized document.
    pub document: Value,
    /// Only paths starting with this are taken (`""`: all of them).
    pub path_prefix: &'a str,
}

/// The documents in `parts` as one: the first one's `openapi`, `info` and
/// `servers`, every part's selected paths and all components.
pub fn union(parts: Vec<Part<'_>>) -> Result<Value, String> {
    let mut merged: Option<Value> = None;
    for part in parts {
        let Part {
            name,
            mut document,
            path_prefix,
        } = part;
        let paths = match document.get_mut("paths").map(Value::take) {
            Some(Value::Object(paths)) => paths,
            _ => return Err(format!("{name} has no paths")),
        };
        let selected: Map<String, Value> = paths
            .into_iter()
            .filter(|(path, _)| path.starts_with(path_prefix))
            .collect();
        if selected.is_empty() {
            return Err(format!("{name} has no path starting with {path_prefix:?}"));
        }
        let components = document.get_mut("components").map(Value::take);
        let target = merged.get_or_insert_with(|| {
            let mut base = document;
            base["paths"] = Value::Object(Map::new());
            base["components"] = Value::Object(Map::new());
            base
        });
        for (path, item) in selected {
            if target["paths"].get(&path).is_some() {
                return Err(format!(
                    "{name} describes {path}, which another document describes too"
                ));
            }
            target["paths"][path.as_str()] = item;
        }
        if let Some(Value::Object(sections)) = components {
            for (section, entries) in sections {
                let Value::Object(entries) = entries else { continue };
                for (key, entry) in entries {
                    let slot = &mut target["components"][section.as_str()][key.as_str()];
                    if slot.is_null() {
                        *slot = entry;
                    } else if *slot != entry {
                        return Err(format!(
                            "{name} defines components/{section}/{key} differently from an earlier \
                             document; the generated client can hold only one"
                        ));
                    }
                }
            }
        }
    }
    merged.ok_or_else(|| "no documents to generate from".to_owned())
}
