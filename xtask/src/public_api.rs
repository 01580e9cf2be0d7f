//! The public API of `justone-xhs` as a sorted list of lines, one per item
//! (`fn justone_xhs::Client::note_feed(&self, channel: &Channel, page: u32)`),
//! read from rustdoc's JSON output. The list is committed
//! (`crates/justone-xhs/public-api.txt`) so that a pull request shows every
//! change to the API in its diff, and `cargo xtask public-api --check` fails
//! when the code and the list differ. The JSON format is unstable (rustdoc
//! writes it with `-Z unstable-options`, allowed on stable through
//! `RUSTC_BOOTSTRAP`), so this reads it as plain JSON and only the few
//! fields it needs.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value};

/// The crate and features whose API is listed (`mock` adds the demo
/// servers, which dependents use in their tests).
const CRATE: &str = "justone-xhs";
const FEATURES: &str = "mock";
/// Where the list is committed, from the workspace root.
pub const LIST: &str = "crates/justone-xhs/public-api.txt";

/// Why the list could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublicApiError {
    /// rustdoc did not run or failed.
    #[error("rustdoc failed: {0}")]
    Rustdoc(String),
    /// Its output is not what this reader knows.
    #[error("rustdoc's JSON is not as expected: {0}")]
    Format(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// Runs rustdoc on the crate in `root` and returns its public API list.
pub fn generate(root: &Path) -> Result<String, PublicApiError> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "rustdoc",
            "--locked",
            "-p",
            CRATE,
            "--lib",
            "--features",
            FEATURES,
            "--",
        ])
        .args(["-Z", "unstable-options", "--output-format", "json"])
        .output()
        .map_err(|e| PublicApiError::Rustdoc(e.to_string()))?;
    if !output.status.success() {
        return Err(PublicApiError::Rustdoc(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), Into::into);
    let path = target
        .join("doc")
        .join(format!("{}.json", CRATE.replace('-', "_")));
    let text = std::fs::read_to_string(&path).map_err(|source| PublicApiError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| PublicApiError::Format(e.to_string()))?;
    list(&json)
}

/// The list for rustdoc's JSON `doc`: one line per public item, sorted.
pub fn list(doc: &Value) -> Result<String, PublicApiError> {
    let index = doc
        .get("index")
        .and_then(Value::as_object)
        .ok_or_else(|| PublicApiError::Format("no index".to_owned()))?;
    let root = doc
        .get("root")
        .map(id_key)
        .ok_or_else(|| PublicApiError::Format("no root".to_owned()))?;
    let empty = Map::new();
    let paths = doc.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    let crates = doc
        .get("external_crates")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut lines = BTreeSet::new();
    let walker = Walker { index, paths, crates };
    walker.item(&root, "", &mut lines, true);
    Ok(lines.into_iter().map(|line| line + "\n").collect())
}

struct Walker<'a> {
    index: &'a Map<String, Value>,
    /// Where every item named in a signature lives (crate and path).
    paths: &'a Map<String, Value>,
    /// The names of other crates, by crate id.
    crates: &'a Map<String, Value>,
}

impl Walker<'_> {
    /// Lists item `id` under `prefix`; `reexported`: reached through a
    /// public `use`, so its own visibility does not matter.
    fn item(&self, id: &str, prefix: &str, lines: &mut BTreeSet<String>, reexported: bool) {
        let Some(item) = self.index.get(id) else { return };
        if !reexported && item["visibility"] != "public" {
            return;
        }
        let name = item["name"].as_str().unwrap_or_default();
        let path = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}::{name}")
        };
        let Some((kind, inner)) = item["inner"].as_object().and_then(|o| o.iter().next()) else {
            return;
        };
        match kind.as_str() {
            "module" => {
                if !prefix.is_empty() {
                    lines.insert(format!("mod {path}"));
                }
                for child in ids(&inner["items"]) {
                    self.item(&child, &path, lines, false);
                }
            }
            "use" => {
                let name = inner["name"].as_str().unwrap_or_default();
                match inner
                    .get("id")
                    .map(id_key)
                    .filter(|id| self.index.contains_key(id))
                {
                    // A re-export of this crate's item: listed where it is seen.
                    Some(target) => self.renamed(&target, prefix, name, lines),
                    None => {
                        lines.insert(format!(
                            "pub use {prefix}::{name} = {}",
                            inner["source"].as_str().unwrap_or_default()
                        ));
                    }
                }
            }
            "struct" => {
                lines.insert(format!("struct {path}{}", attrs(item)));
                let fields = &inner["kind"]["plain"]["fields"];
                for field in ids(fields) {
                    if let Some(f) = self.index.get(&field).filter(|f| f["visibility"] == "public") {
                        let ty = self.render_type(&f["inner"]["struct_field"]);
                        lines.insert(format!(
                            "field {path}.{}: {ty}",
                            f["name"].as_str().unwrap_or_default()
                        ));
                    }
                }
                self.impls(&inner["impls"], &path, lines);
            }
            "enum" => {
                lines.insert(format!("enum {path}{}", attrs(item)));
                for variant in ids(&inner["variants"]) {
                    if let Some(v) = self.index.get(&variant) {
                        lines.insert(format!(
                            "variant {path}::{}{}",
                            v["name"].as_str().unwrap_or_default(),
                            attrs(v)
                        ));
                    }
                }
                self.impls(&inner["impls"], &path, lines);
            }
            "function" => {
                lines.insert(format!(
                    "{}{path}({}",
                    fn_keyword(inner),
                    self.params(&inner["sig"])
                ));
            }
            "trait" => {
                lines.insert(format!("trait {path}"));
            }
            "constant" | "static" => {
                lines.insert(format!("const {path}: {}", self.render_type(&inner["type"])));
            }
            "type_alias" => {
                lines.insert(format!("type {path}"));
            }
            "macro" => {
                lines.insert(format!("macro {path}"));
            }
            _ => {}
        }
    }

    /// An item re-exported as `name` under `prefix`.
    fn renamed(&self, id: &str, prefix: &str, name: &str, lines: &mut BTreeSet<String>) {
        let Some(item) = self.index.get(id) else { return };
        let mut item = item.clone();
        item["name"] = Value::String(name.to_owned());
        let mut index = self.index.clone();
        index.insert(id.to_owned(), item);
        Walker {
            index: &index,
            ..*self
        }
        .item(id, prefix, lines, true);
    }

    /// The inherent methods and trait implementations of type `path`
    /// (blanket and auto-trait impls are noise for a reader).
    fn impls(&self, impls: &Value, path: &str, lines: &mut BTreeSet<String>) {
        for id in ids(impls) {
            let Some(imp) = self.index.get(&id).map(|i| &i["inner"]["impl"]) else {
                continue;
            };
            if imp["is_synthetic"] == true || !imp["blanket_impl"].is_null() {
                continue;
            }
            match imp["trait"].as_object() {
                Some(tr) => {
                    lines.insert(format!(
                        "impl {} for {path}",
                        tr["path"].as_str().unwrap_or_default()
                    ));
                }
                None => {
                    for member in ids(&imp["items"]) {
                        let Some(m) = self.index.get(&member).filter(|m| m["visibility"] == "public") else {
                            continue;
                        };
                        let name = m["name"].as_str().unwrap_or_default();
                        if let Some(function) = m["inner"].get("function") {
                            lines.insert(format!(
                                "{}{path}::{name}({}",
                                fn_keyword(function),
                                self.params(&function["sig"])
                            ));
                        } else {
                            lines.insert(format!("const {path}::{name}"));
                        }
                    }
                }
            }
        }
    }
}

impl Walker<'_> {
    /// A function's parameters (`name: Type`), the closing parenthesis and its
    /// result type.
    fn params(&self, sig: &Value) -> String {
        let inputs = sig["inputs"].as_array().cloned().unwrap_or_default();
        let text: Vec<String> = inputs
            .iter()
            .map(|input| {
                let name = input[0].as_str().unwrap_or("_");
                if name == "self" {
                    self.render_type(&input[1]).replace("Self", "self")
                } else {
                    format!("{name}: {}", self.render_type(&input[1]))
                }
            })
            .collect();
        let output = match &sig["output"] {
            Value::Null => String::new(),
            output => format!(" -> {}", self.render_type(output)),
        };
        format!("{}){output}", text.join(", "))
    }

    /// A type, as far as a reader needs it to see a change: paths by their
    /// last name (after their crate's name for a dependency's type, so that
    /// `reqwest::Client` is not read as this crate's), generics and
    /// references kept.
    fn render_type(&self, ty: &Value) -> String {
        let Some((kind, inner)) = ty.as_object().and_then(|o| o.iter().next()) else {
            return "_".to_owned();
        };
        match kind.as_str() {
            "primitive" | "generic" => inner.as_str().unwrap_or("_").to_owned(),
            "resolved_path" => {
                let last = inner["path"]
                    .as_str()
                    .unwrap_or("_")
                    .rsplit("::")
                    .next()
                    .unwrap_or("_");
                let name = match self.foreign_crate(&inner["id"]) {
                    Some(krate) => format!("{krate}::{last}"),
                    None => last.to_owned(),
                };
                let args: Vec<String> = inner["args"]["angle_bracketed"]["args"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|arg| arg.get("type"))
                            .map(|t| self.render_type(t))
                            .collect()
                    })
                    .unwrap_or_default();
                if args.is_empty() {
                    name
                } else {
                    format!("{name}<{}>", args.join(", "))
                }
            }
            "borrowed_ref" => {
                let mutable = if inner["is_mutable"] == true { "mut " } else { "" };
                format!("&{mutable}{}", self.render_type(&inner["type"]))
            }
            "slice" => format!("[{}]", self.render_type(inner)),
            "tuple" => format!(
                "({})",
                inner
                    .as_array()
                    .map(|t| t
                        .iter()
                        .map(|t| self.render_type(t))
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            "impl_trait" => "impl _".to_owned(),
            "array" => format!("[{}; _]", self.render_type(&inner["type"])),
            _ => "_".to_owned(),
        }
    }

    /// The crate of the item `id` when it is a dependency's (not the
    /// standard library's, and not `justone-gen`'s, whose items this crate
    /// re-exports).
    fn foreign_crate(&self, id: &Value) -> Option<&str> {
        let krate = self.paths.get(&id_key(id))?.get("crate_id")?.as_u64()?;
        let name = self.crates.get(&krate.to_string())?.get("name")?.as_str()?;
        (krate != 0 && !matches!(name, "std" | "core" | "alloc" | "justone_gen")).then_some(name)
    }
}

/// `fn ` or `async fn ` for a function item's `inner`.
fn fn_keyword(function: &Value) -> &'static str {
    if function["header"]["is_async"] == true {
        "async fn "
    } else {
        "fn "
    }
}

/// An id as the index's key (ids are numbers in the JSON).
fn id_key(id: &Value) -> String {
    id.as_u64()
        .map_or_else(|| id.as_str().unwrap_or_default().to_owned(), |n| n.to_string())
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|l| l.iter().map(id_key).collect())
        .unwrap_or_default()
}

fn attrs(item: &Value) -> &'static str {
    let exhaustive = !item["attrs"].as_array().is_some_and(|attrs| {
        attrs
            .iter()
            .any(|a| a.as_str().is_some_and(|a| a.contains("non_exhaustive")))
    });
    if exhaustive { "" } else { " #[non_exhaustive]" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A crate with a public struct (one public field, one private), an
    /// inherent method, a trait impl, a private function and a re-export
    /// from another crate.
    #[test]
    fn public_items_are_listed_once_each_and_private_ones_not() {
        let doc = json!({
            "root": 1,
            "index": {
                "1": {"name": "demo", "visibility": "public", "attrs": [], "inner": {"module": {"items": [2, 5, 8]}}},
                "2": {"name": "Page", "visibility": "public", "attrs": ["#[non_exhaustive]"], "inner": {"struct": {
                    "kind": {"plain": {"fields": [3, 4]}}, "impls": [6, 7]}}},
                "3": {"name": "items", "visibility": "public", "attrs": [], "inner": {"struct_field": {"primitive": "u32"}}},
                "4": {"name": "secret", "visibility": "crate", "attrs": [], "inner": {"struct_field": {"primitive": "u8"}}},
                "6": {"name": null, "visibility": "default", "attrs": [], "inner": {"impl": {"trait": null, "items": [9],
                    "is_synthetic": false, "blanket_impl": null}}},
                "7": {"name": null, "visibility": "default", "attrs": [], "inner": {"impl": {"trait": {"path": "Clone"},
                    "items": [], "is_synthetic": false, "blanket_impl": null}}},
                "9": {"name": "is_end", "visibility": "public", "attrs": [], "inner": {"function": {"sig": {
                    "inputs": [["self", {"borrowed_ref": {"is_mutable": false, "type": {"generic": "Self"}}}]],
                    "output": {"primitive": "bool"}}}}},
                "5": {"name": "helper", "visibility": "crate", "attrs": [], "inner": {"function": {"sig": {"inputs": [], "output": null}}}},
                "8": {"name": null, "visibility": "public", "attrs": [], "inner": {"use": {"source": "other::Thing", "name": "Thing", "id": 99}}}
            }
        });
        assert_eq!(
            list(&doc).unwrap(),
            "field demo::Page.items: u32\n\
             fn demo::Page::is_end(&self) -> bool\n\
             impl Clone for demo::Page\n\
             pub use demo::Thing = other::Thing\n\
             struct demo::Page #[non_exhaustive]\n"
        );
    }

    /// An async function says so, and a dependency's type is named with its
    /// crate; the standard library's types are not.
    #[test]
    fn async_functions_and_foreign_types_are_marked() {
        let doc = json!({
            "root": 1,
            "index": {
                "1": {"name": "demo", "visibility": "public", "attrs": [], "inner": {"module": {"items": [2]}}},
                "2": {"name": "fetch", "visibility": "public", "attrs": [], "inner": {"function": {
                    "header": {"is_async": true},
                    "sig": {"inputs": [["client", {"resolved_path": {"path": "Client", "id": 40, "args": null}}]],
                            "output": {"resolved_path": {"path": "Option", "id": 41, "args": {"angle_bracketed": {
                                "args": [{"type": {"primitive": "u8"}}]}}}}}}}}
            },
            "paths": {
                "40": {"crate_id": 7, "path": ["reqwest", "async_impl", "client", "Client"]},
                "41": {"crate_id": 2, "path": ["core", "option", "Option"]}
            },
            "external_crates": {"7": {"name": "reqwest"}, "2": {"name": "core"}}
        });
        assert_eq!(
            list(&doc).unwrap(),
            "async fn demo::fetch(client: reqwest::Client) -> Option<u8>\n"
        );
    }
}
