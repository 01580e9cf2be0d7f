//! Compares two OpenAPI documents and explains the differences in terms a
//! maintainer of this client cares about.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::surface::{Operation, Parameter, Surface};

/// One difference between the committed and the published document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Change {
    /// A server URL appeared.
    ServerAdded(String),
    /// A server URL disappeared.
    ServerRemoved(String),
    /// A business code was added to `Result.code`.
    BusinessCodeAdded(String),
    /// A business code was removed from `Result.code`.
    BusinessCodeRemoved(String),
    /// An operation appeared.
    OperationAdded(String),
    /// An operation disappeared.
    OperationRemoved(String),
    /// An operation's `operationId` or summary changed.
    OperationRenamed {
        /// `METHOD /path`.
        operation: String,
        /// What changed, `field: old -> new`.
        detail: String,
    },
    /// A parameter appeared.
    ParameterAdded {
        /// `METHOD /path`.
        operation: String,
        /// Parameter name.
        name: String,
        /// Its shape.
        detail: String,
    },
    /// A parameter disappeared.
    ParameterRemoved {
        /// `METHOD /path`.
        operation: String,
        /// Parameter name.
        name: String,
    },
    /// A parameter's location, type, requiredness or default changed.
    ParameterChanged {
        /// `METHOD /path`.
        operation: String,
        /// Parameter name.
        name: String,
        /// What changed, `field: old -> new`.
        detail: String,
    },
    /// An enum value (for `oid`: a channel) appeared.
    EnumValueAdded {
        /// `METHOD /path`.
        operation: String,
        /// Parameter name.
        name: String,
        /// The new value.
        value: String,
    },
    /// An enum value disappeared.
    EnumValueRemoved {
        /// `METHOD /path`.
        operation: String,
        /// Parameter name.
        name: String,
        /// The removed value.
        value: String,
    },
    /// A response status appeared, disappeared or changed its body.
    ResponseChanged {
        /// `METHOD /path`.
        operation: String,
        /// HTTP status.
        status: String,
        /// `old -> new`, `(none)` for a missing side.
        detail: String,
    },
    /// Only a description changed.
    DescriptionChanged {
        /// Where: an operation or `operation parameter`.
        place: String,
    },
    /// Anything else (extensions, tags, info): a JSON pointer that differs.
    Other(String),
}

/// Differences beyond this many raw JSON pointers are counted, not listed.
const MAX_OTHER: usize = 20;

/// Compares `old` (committed) with `new` (published).
pub fn compare(old: &Value, new: &Value) -> Vec<Change> {
    let (a, b) = (Surface::of(old), Surface::of(new));
    let mut changes = Vec::new();
    diff_sets(
        &a.servers,
        &b.servers,
        &mut changes,
        Change::ServerAdded,
        Change::ServerRemoved,
    );
    diff_values(
        &a.business_codes,
        &b.business_codes,
        &mut changes,
        Change::BusinessCodeAdded,
        Change::BusinessCodeRemoved,
    );
    for (key, op) in &a.operations {
        match b.operations.get(key) {
            None => changes.push(Change::OperationRemoved(key.clone())),
            Some(new_op) => compare_operation(key, op, new_op, &mut changes),
        }
    }
    for key in b.operations.keys().filter(|k| !a.operations.contains_key(*k)) {
        changes.push(Change::OperationAdded(key.clone()));
    }
    if changes.is_empty() && old != new {
        // The surface is the same, yet the documents differ: say where, so a
        // difference is never reported as "no change".
        let mut pointers = Vec::new();
        leaf_differences(old, new, &mut String::new(), &mut pointers);
        let extra = pointers.len().saturating_sub(MAX_OTHER);
        pointers.truncate(MAX_OTHER);
        if extra > 0 {
            pointers.push(format!("... and {extra} more"));
        }
        changes.extend(pointers.into_iter().map(Change::Other));
    }
    changes
}

fn compare_operation(key: &str, old: &Operation, new: &Operation, out: &mut Vec<Change>) {
    let operation = key.to_owned();
    for (field, a, b) in [
        ("operationId", &old.operation_id, &new.operation_id),
        ("summary", &old.summary, &new.summary),
    ] {
        if a != b {
            out.push(Change::OperationRenamed {
                operation: operation.clone(),
                detail: format!("{field}: {a} -> {b}"),
            });
        }
    }
    if old.description != new.description {
        out.push(Change::DescriptionChanged {
            place: operation.clone(),
        });
    }
    for (name, p) in &old.parameters {
        match new.parameters.get(name) {
            None => out.push(Change::ParameterRemoved {
                operation: operation.clone(),
                name: name.clone(),
            }),
            Some(q) => compare_parameter(&operation, name, p, q, out),
        }
    }
    for (name, p) in new
        .parameters
        .iter()
        .filter(|(n, _)| !old.parameters.contains_key(*n))
    {
        out.push(Change::ParameterAdded {
            operation: operation.clone(),
            name: name.clone(),
            detail: format!(
                "{} {}, {}",
                p.location,
                p.schema_type,
                if p.required { "required" } else { "optional" }
            ),
        });
    }
    let statuses: BTreeSet<&String> = old.responses.keys().chain(new.responses.keys()).collect();
    for status in statuses {
        let (a, b) = (old.responses.get(status), new.responses.get(status));
        if a != b {
            let show = |s: Option<&String>| s.cloned().unwrap_or_else(|| "(none)".to_owned());
            out.push(Change::ResponseChanged {
                operation: operation.clone(),
                status: status.clone(),
                detail: format!("{} -> {}", show(a), show(b)),
            });
        }
    }
}

fn compare_parameter(operation: &str, name: &str, old: &Parameter, new: &Parameter, out: &mut Vec<Change>) {
    let show_default = |d: &Option<String>| d.clone().unwrap_or_else(|| "(none)".to_owned());
    let fields = [
        ("in", old.location.clone(), new.location.clone()),
        ("type", old.schema_type.clone(), new.schema_type.clone()),
        ("required", old.required.to_string(), new.required.to_string()),
        ("default", show_default(&old.default), show_default(&new.default)),
    ];
    for (field, a, b) in fields {
        if a != b {
            out.push(Change::ParameterChanged {
                operation: operation.to_owned(),
                name: name.to_owned(),
                detail: format!("{field}: {a} -> {b}"),
            });
        }
    }
    let added = |value: String| Change::EnumValueAdded {
        operation: operation.to_owned(),
        name: name.to_owned(),
        value,
    };
    let removed = |value: String| Change::EnumValueRemoved {
        operation: operation.to_owned(),
        name: name.to_owned(),
        value,
    };
    diff_values(&old.enum_values, &new.enum_values, out, added, removed);
    if old.description != new.description {
        out.push(Change::DescriptionChanged {
            place: format!("{operation} parameter {name}"),
        });
    }
}

fn diff_sets(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
    added: impl Fn(String) -> Change,
    removed: impl Fn(String) -> Change,
) {
    let old: Vec<String> = old.keys().cloned().collect();
    let new: Vec<String> = new.keys().cloned().collect();
    diff_values(&old, &new, out, added, removed);
}

fn diff_values(
    old: &[String],
    new: &[String],
    out: &mut Vec<Change>,
    added: impl Fn(String) -> Change,
    removed: impl Fn(String) -> Change,
) {
    out.extend(old.iter().filter(|v| !new.contains(v)).cloned().map(removed));
    out.extend(new.iter().filter(|v| !old.contains(v)).cloned().map(added));
}

fn leaf_differences(old: &Value, new: &Value, pointer: &mut String, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => leaf_differences(x, y, pointer, out),
                    _ => out.push(pointer.clone()),
                }
                pointer.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{index}"));
                leaf_differences(x, y, pointer, out);
                pointer.truncate(len);
            }
        }
        _ if old != new => out.push(pointer.clone()),
        _ => {}
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::ServerAdded(url) => write!(f, "server added: {url}"),
            Change::ServerRemoved(url) => write!(f, "server removed: {url}"),
            Change::BusinessCodeAdded(code) => write!(f, "business code added: {code}"),
            Change::BusinessCodeRemoved(code) => write!(f, "business code removed: {code}"),
            Change::OperationAdded(op) => write!(f, "operation added: {op}"),
            Change::OperationRemoved(op) => write!(f, "operation removed: {op}"),
            Change::OperationRenamed { operation, detail } => write!(f, "{operation}: {detail}"),
            Change::ParameterAdded {
                operation,
                name,
                detail,
            } => write!(f, "{operation}: parameter added: {name} ({detail})"),
            Change::ParameterRemoved { operation, name } => {
                write!(f, "{operation}: parameter removed: {name}")
            }
            Change::ParameterChanged {
                operation,
                name,
                detail,
            } => write!(f, "{operation}: parameter {name} changed: {detail}"),
            Change::EnumValueAdded {
                operation,
                name,
                value,
            } => write!(f, "{operation}: parameter {name}: enum value added: {value}"),
            Change::EnumValueRemoved {
                operation,
                name,
                value,
            } => write!(f, "{operation}: parameter {name}: enum value removed: {value}"),
            Change::ResponseChanged {
                operation,
                status,
                detail,
            } => write!(f, "{operation}: response {status} changed: {detail}"),
            Change::DescriptionChanged { place } => write!(f, "description changed: {place}"),
            Change::Other(pointer) => write!(f, "other difference at {pointer}"),
        }
    }
}

/// Renders a report: one line per change, or `no change`.
pub fn report(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no change\n".to_owned();
    }
    let mut text = format!("{} change(s) upstream:\n", changes.len());
    for change in changes {
        text.push_str("- ");
        text.push_str(&change.to_string());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.1.0",
            "servers": [{"url": "https://a", "description": "A"}],
            "components": {"schemas": {"Result": {"properties": {"code": {"enum": [0, 100]}}}}},
            "paths": {"/feed": {"get": {
                "operationId": "feed", "summary": "Feed", "description": "d",
                "x-order": "1",
                "parameters": [
                    {"name": "oid", "in": "query", "required": false, "description": "o",
                     "schema": {"type": "string", "enum": ["a", "b"]}},
                    {"name": "page", "in": "query", "required": false,
                     "schema": {"type": "integer", "format": "int32"}}
                ],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Result"}}}}}
            }}}
        })
    }

    fn lines(old: &Value, new: &Value) -> Vec<String> {
        compare(old, new).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn identical_documents_have_no_change() {
        assert!(compare(&doc(), &doc()).is_empty());
        assert_eq!(report(&[]), "no change\n");
    }

    #[test]
    fn enum_values_added_and_removed_are_named() {
        let mut new = doc();
        new["paths"]["/feed"]["get"]["parameters"][0]["schema"]["enum"] = json!(["b", "c"]);
        assert_eq!(
            lines(&doc(), &new),
            [
                "GET /feed: parameter oid: enum value removed: a",
                "GET /feed: parameter oid: enum value added: c"
            ]
        );
    }

    #[test]
    fn parameter_changes_are_named() {
        let mut new = doc();
        let params = &mut new["paths"]["/feed"]["get"]["parameters"];
        params[1]["required"] = json!(true);
        params[1]["schema"]["type"] = json!("string");
        params[0]["description"] = json!("changed");
        params
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "sort", "in": "query", "schema": {"type": "string"}}));
        assert_eq!(
            lines(&doc(), &new),
            [
                "description changed: GET /feed parameter oid",
                "GET /feed: parameter page changed: type: integer/int32 -> string/int32",
                "GET /feed: parameter page changed: required: false -> true",
                "GET /feed: parameter added: sort (query string, optional)"
            ]
        );
    }

    #[test]
    fn business_codes_responses_and_operations() {
        let mut new = doc();
        new["components"]["schemas"]["Result"]["properties"]["code"]["enum"] = json!([0, 100, 700]);
        new["paths"]["/feed"]["get"]["responses"]["429"] = json!({"description": "Too many"});
        new["paths"]["/other"] = json!({"get": {"operationId": "other"}});
        assert_eq!(
            lines(&doc(), &new),
            [
                "business code added: 700",
                "GET /feed: response 429 changed: (none) -> no body",
                "operation added: GET /other"
            ]
        );
        assert_eq!(lines(&new, &doc())[2], "operation removed: GET /other");
    }

    #[test]
    fn other_differences_are_never_silent() {
        let mut new = doc();
        new["paths"]["/feed"]["get"]["x-order"] = json!("2");
        assert_eq!(
            lines(&doc(), &new),
            ["other difference at /paths/~1feed/get/x-order"]
        );
    }
}
