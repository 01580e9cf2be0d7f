//! The OpenAPI-aware comparison: walks both documents side by side and
//! classifies every difference it finds (see [`Class`]). Nothing is compared
//! as raw JSON: each field the walk does not know is still reported, as an
//! `other` change, so a difference is never silent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::model::{Change, Class};
use super::scope::GeneratedSurface;

/// Where `Result.code` lives: the envelope's business code, which the
/// handwritten error mapping reads as an integer.
const BUSINESS_CODE: &str = "Result.code";

/// The HTTP methods a path item holds operations under.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Compares `old` (committed) with `new` (published); each change is
/// tagged with whether it touches `surface`.
pub fn compare(old: &Value, new: &Value, surface: &GeneratedSurface<'_>) -> Vec<Change> {
    let mut walk = Walk {
        old_doc: old,
        new_doc: new,
        out: Vec::new(),
    };
    walk.document();
    surface.tag(&mut walk.out);
    walk.out
}

/// The provider hides an operation from its documentation
/// (`x-docs-hidden: true`) before it removes it: a soft deprecation.
pub(super) const HIDDEN: &str = "x-docs-hidden";

/// A boolean field of an operation; absent is false.
pub(super) fn flag(op: &Value, key: &str) -> bool {
    op.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// What notice an operation carries: deprecated, hidden, both, or none.
pub(super) fn notice(op: &Value) -> Option<&'static str> {
    match (flag(op, "deprecated"), flag(op, HIDDEN)) {
        (true, true) => Some("deprecated and hidden"),
        (true, false) => Some("deprecated"),
        (false, true) => Some("hidden"),
        (false, false) => None,
    }
}

struct Walk<'a> {
    old_doc: &'a Value,
    new_doc: &'a Value,
    out: Vec<Change>,
}

/// The object behind a value, or an empty one.
fn object(value: Option<&Value>) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// Both sides' keys, in sorted order.
fn keys<'m>(a: &'m Map<String, Value>, b: &'m Map<String, Value>) -> BTreeSet<&'m String> {
    a.keys().chain(b.keys()).collect()
}

/// A value for one line of a report: strings bare, others as compact JSON,
/// long ones cut.
fn show(value: Option<&Value>) -> String {
    let text = match value {
        None => "(none)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

/// Keys whose changes only the documentation sees.
fn is_docs_key(key: &str) -> bool {
    key.starts_with("x-")
        || matches!(
            key,
            "description" | "summary" | "title" | "example" | "examples" | "externalDocs"
        )
}

/// Which document a value comes from, to resolve its `$ref`s in.
#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

impl<'a> Walk<'a> {
    fn push(&mut self, class: Class, subject: &str, kind: &str, detail: String) {
        self.out.push(Change::new(class, subject, kind, detail));
    }

    /// A docs-only field that differs (either side may lack it).
    fn docs(&mut self, subject: &str, place: &str, key: &str) {
        let detail = if place.is_empty() {
            format!("{key} changed")
        } else {
            format!("{place}: {key} changed")
        };
        self.push(Class::DocsOnly, subject, key, detail);
    }

    /// Walks the fields in which two objects differ. `known` handles the
    /// fields it has a rule for and returns false for the others, which are
    /// docs-only when only the documentation reads them and `other` (never
    /// dropped) when no rule knows them.
    fn fields(
        &mut self,
        subject: &str,
        place: &str,
        a: Option<&'a Value>,
        b: Option<&'a Value>,
        mut known: impl FnMut(&mut Self, &str, Option<&'a Value>, Option<&'a Value>) -> bool,
    ) {
        let (a, b) = (object(a), object(b));
        for key in keys(a, b) {
            let (x, y) = (a.get(key), b.get(key));
            if x == y || known(self, key, x, y) {
                continue;
            }
            if is_docs_key(key) {
                self.docs(subject, place, key);
            } else {
                let at = if place.is_empty() {
                    key.clone()
                } else {
                    format!("{place}: {key}")
                };
                let detail = format!("{at}: {} -> {}", show(x), show(y));
                self.push(Class::Additive, subject, "other", detail);
            }
        }
    }

    /// Follows a local `$ref` in the side's own document; a reference that
    /// does not resolve is compared as it is.
    fn resolve(&self, side: Side, value: Option<&'a Value>) -> Option<&'a Value> {
        let document = match side {
            Side::Old => self.old_doc,
            Side::New => self.new_doc,
        };
        let target = value
            .and_then(|v| v.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer));
        target.or(value)
    }

    fn document(&mut self) {
        let (old, new) = (self.old_doc, self.new_doc);
        self.fields("document", "", Some(old), Some(new), |walk, key, x, y| {
            match key {
                "paths" => walk.paths(object(x), object(y)),
                "components" => walk.components(object(x), object(y)),
                "servers" => walk.servers(x, y),
                "tags" => walk.tag_list("document", "", x, y),
                "info" => walk.fields("document", "info", x, y, |walk, field, _, _| {
                    walk.docs("document", "info", field);
                    true
                }),
                "openapi" => walk.push(
                    Class::Additive,
                    "document",
                    "openapi-version",
                    format!("OpenAPI version: {} -> {}", show(x), show(y)),
                ),
                // The provider changes it on every release; it is no change
                // to the API. The ids are left out so that a persisting drift
                // gives the same report (and no new issue comment) from one
                // release to the next.
                "x-openapi-release-id" => walk.push(
                    Class::DocsOnly,
                    "document",
                    "release id",
                    "release id changed".to_owned(),
                ),
                _ => return false,
            }
            true
        });
    }

    fn servers(&mut self, a: Option<&'a Value>, b: Option<&'a Value>) {
        let by_url = |v: Option<&'a Value>| keyed(v, |s| show(s.get("url")));
        let (old, new) = (by_url(a), by_url(b));
        for (url, x, y) in paired(&old, &new) {
            match (x, y) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    "document",
                    "server-removed",
                    format!("server removed: {url}"),
                ),
                (None, Some(_)) => self.push(
                    Class::Additive,
                    "document",
                    "server-added",
                    format!("server added: {url}"),
                ),
                _ => self.fields("document", &format!("server {url}"), x, y, |_, _, _, _| false),
            }
        }
        self.order("document", "server order", "servers", &old, &new);
    }

    /// Reports a reordering of the items both lists share.
    fn order(&mut self, subject: &str, kind: &str, what: &str, old: &[Keyed<'a>], new: &[Keyed<'a>]) {
        let common = |list: &[Keyed<'a>], other: &[Keyed<'a>]| -> Vec<String> {
            list.iter()
                .filter(|(k, _)| other.iter().any(|(o, _)| o == k))
                .map(|(k, _)| k.clone())
                .collect()
        };
        if common(old, new) != common(new, old) {
            self.push(Class::DocsOnly, subject, kind, format!("{what} reordered"));
        }
    }

    /// A list of tags (the document's, with descriptions, or an operation's
    /// names): only the documentation groups by them.
    fn tag_list(&mut self, subject: &str, place: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        let by_name = |v: Option<&'a Value>| keyed(v, |t| show(t.get("name").or(Some(t))));
        let (old, new) = (by_name(a), by_name(b));
        let what = if place.is_empty() {
            "tags".to_owned()
        } else {
            format!("{place}: tags")
        };
        for (name, x, y) in paired(&old, &new) {
            let how = match (x, y) {
                (Some(_), None) => "removed",
                (None, Some(_)) => "added",
                _ => "changed",
            };
            self.push(Class::DocsOnly, subject, "tags", format!("{what}: {name} {how}"));
        }
        self.order(subject, "tag order", &what, &old, &new);
    }

    fn paths(&mut self, a: &'a Map<String, Value>, b: &'a Map<String, Value>) {
        let old = operations(a);
        let new = operations(b);
        for (key, (op, item)) in &old {
            match new.get(key) {
                None => {
                    let detail = match notice(op) {
                        Some(notice) => format!("operation removed after notice: it was {notice}"),
                        None => "operation removed without notice (neither deprecated nor hidden)".to_owned(),
                    };
                    self.push(Class::Breaking, key, "operation-removed", detail);
                }
                Some((new_op, new_item)) => {
                    if op != new_op || item.get("parameters") != new_item.get("parameters") {
                        self.operation(key, (op, item), (new_op, new_item));
                    }
                }
            }
        }
        for key in new.keys().filter(|k| !old.contains_key(*k)) {
            self.push(
                Class::Additive,
                key,
                "operation-added",
                "operation added".to_owned(),
            );
        }
        // Path-item fields other than operations (a shared description…).
        for (path, item) in a.iter().filter(|(path, _)| b.contains_key(*path)) {
            self.fields(
                &format!("path {path}"),
                "",
                Some(item),
                b.get(path),
                |_, key, _, _| METHODS.contains(&key) || key == "parameters",
            );
        }
    }

    fn operation(
        &mut self,
        subject: &str,
        (a, a_item): OperationAndItem<'a>,
        (b, b_item): OperationAndItem<'a>,
    ) {
        let hidden_instead =
            flag(b, HIDDEN) && !flag(a, HIDDEN) && flag(a, "deprecated") && !flag(b, "deprecated");
        self.fields(subject, "", Some(a), Some(b), |walk, key, x, y| {
            match key {
                "parameters" => {}
                "operationId" => walk.renamed(subject, x, y),
                // Hidden where it was deprecated: one change, said by `hidden`.
                "deprecated" if hidden_instead => {}
                "deprecated" => walk.deprecated(subject, "operation", x, y),
                HIDDEN => walk.hidden(subject, a, b),
                "tags" => walk.tag_list(subject, "", x, y),
                "requestBody" => walk.request_body(subject, x, y),
                "responses" => walk.responses(subject, x, y),
                _ => return false,
            }
            true
        });
        let old = self.parameters(Side::Old, a_item, a);
        let new = self.parameters(Side::New, b_item, b);
        self.parameter_lists(subject, &old, &new);
    }

    /// An operation's parameters, path-level ones included (an operation's
    /// own parameter overrides one of the same name and location), `$ref`s
    /// resolved, in document order, keyed `name` or `name (in)` outside
    /// the query.
    fn parameters(&self, side: Side, item: &'a Map<String, Value>, op: &'a Value) -> Vec<Keyed<'a>> {
        let mut list: Vec<Keyed<'a>> = Vec::new();
        for p in [item.get("parameters"), op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
        {
            let Some(p) = self.resolve(side, Some(p)) else {
                continue;
            };
            let name = show(p.get("name"));
            let key = match p.get("in").and_then(Value::as_str) {
                Some("query") | None => name,
                Some(location) => format!("{name} ({location})"),
            };
            match list.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = p,
                None => list.push((key, p)),
            }
        }
        list
    }

    fn parameter_lists(&mut self, subject: &str, old: &[Keyed<'a>], new: &[Keyed<'a>]) {
        for (name, x, y) in paired(old, new) {
            match (x, y) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    subject,
                    "parameter-removed",
                    format!("parameter removed: {name}"),
                ),
                (None, Some(p)) => {
                    let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                    let (class, kind, how) = if required {
                        (Class::Breaking, "parameter-added-required", "required")
                    } else {
                        (Class::Additive, "parameter-added", "optional")
                    };
                    let ty = p.get("schema").map_or_else(|| "any".to_owned(), type_of);
                    self.push(
                        class,
                        subject,
                        kind,
                        format!("parameter added: {name} ({ty}, {how})"),
                    );
                }
                _ => self.parameter(subject, &name, x, y),
            }
        }
        self.order(subject, "parameter order", "parameters", old, new);
    }

    fn parameter(&mut self, subject: &str, name: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        let place = format!("parameter {name}");
        self.fields(subject, &place, a, b, |walk, key, x, y| {
            match key {
                "name" | "in" => {}
                "required" => walk.required_flag(subject, &place, x, y),
                "deprecated" => walk.deprecated(subject, &place, x, y),
                "schema" => {
                    let (x, y) = (walk.resolve(Side::Old, x), walk.resolve(Side::New, y));
                    walk.schema(subject, &place, x, y);
                }
                _ => return false,
            }
            true
        });
    }

    /// `required` on a parameter or a request body.
    fn required_flag(&mut self, subject: &str, place: &str, a: Option<&Value>, b: Option<&Value>) {
        let flag = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
        match (flag(a), flag(b)) {
            (false, true) => self.push(
                Class::Breaking,
                subject,
                "became-required",
                format!("{place}: became required"),
            ),
            (true, false) => self.push(
                Class::Additive,
                subject,
                "became-optional",
                format!("{place}: became optional"),
            ),
            // `required: false` written out or left implicit: the same thing.
            _ => self.docs(subject, place, "required (spelling)"),
        }
    }

    /// An operationId renamed: the generated method is renamed with it.
    /// Renames to the method-and-path scheme (`getApiXV1`) are grouped as one.
    fn renamed(&mut self, subject: &str, a: Option<&Value>, b: Option<&Value>) {
        let detail = format!(
            "operationId (the generated method's name): {} -> {}",
            show(a),
            show(b)
        );
        let scheme = subject
            .split_once(' ')
            .map(|(method, path)| crate::normalize::id_from_method_and_path(method, path));
        let pattern = if scheme.as_deref() == b.and_then(Value::as_str) {
            "operationId renamed to the provider's method-and-path scheme (`getApiXV1`)"
        } else {
            "operationId renamed"
        };
        let change = Change::new(Class::Breaking, subject, "operation-id", detail);
        self.out.push(change.grouped_as(pattern.to_owned()));
    }

    /// `x-docs-hidden` set or cleared on an operation. Hiding comes before
    /// removal, so it alerts like a deprecation; when it replaces a
    /// `deprecated` flag the detail says so.
    fn hidden(&mut self, subject: &str, a: &Value, b: &Value) {
        if flag(a, HIDDEN) == flag(b, HIDDEN) {
            // `false` written out or left implicit: the same thing.
            return self.docs(subject, "operation", "x-docs-hidden (spelling)");
        }
        let detail = if !flag(b, HIDDEN) {
            "operation: no longer hidden from the documentation (x-docs-hidden cleared)"
        } else if flag(a, "deprecated") && !flag(b, "deprecated") {
            "operation: hidden from the documentation (x-docs-hidden) instead of deprecated: \
             the provider's notice before removal"
        } else {
            "operation: hidden from the documentation (x-docs-hidden): the provider's notice \
             before removal"
        };
        self.push(Class::Additive, subject, "hidden", detail.to_owned());
    }

    /// Deprecations are additive, so they always alert.
    fn deprecated(&mut self, subject: &str, place: &str, a: Option<&Value>, b: Option<&Value>) {
        let flag = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
        let detail = match (flag(a), flag(b)) {
            (false, true) => format!("{place}: deprecated"),
            (true, false) => format!("{place}: no longer deprecated"),
            _ => return self.docs(subject, place, "deprecated (spelling)"),
        };
        self.push(Class::Additive, subject, "deprecated", detail);
    }

    fn request_body(&mut self, subject: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        let (a, b) = (self.resolve(Side::Old, a), self.resolve(Side::New, b));
        let required = |v: &Value| v.get("required").and_then(Value::as_bool).unwrap_or(false);
        let (class, kind, detail) = match (a, b) {
            (Some(_), None) => (Class::Breaking, "request-body-removed", "request body removed"),
            (None, Some(body)) if required(body) => (
                Class::Breaking,
                "request-body-added-required",
                "request body added (required)",
            ),
            (None, Some(_)) => (
                Class::Additive,
                "request-body-added",
                "request body added (optional)",
            ),
            _ => {
                let place = "request body";
                return self.fields(subject, place, a, b, |walk, key, x, y| {
                    match key {
                        "required" => walk.required_flag(subject, place, x, y),
                        "content" => walk.content(subject, place, object(x), object(y)),
                        _ => return false,
                    }
                    true
                });
            }
        };
        self.push(class, subject, kind, detail.to_owned());
    }

    fn responses(&mut self, subject: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        let (a, b) = (object(a), object(b));
        let removed: Vec<&String> = a.keys().filter(|s| !b.contains_key(*s)).collect();
        let added: Vec<&String> = b.keys().filter(|s| !a.contains_key(*s)).collect();
        // One status key replaced by another (`default` -> `200`) is one
        // change, and what the response holds is still compared.
        if let ([old], [new]) = (removed.as_slice(), added.as_slice()) {
            self.push(
                Class::Breaking,
                subject,
                "response-moved",
                format!("response {old} moved to {new}"),
            );
            let (x, y) = (
                self.resolve(Side::Old, a.get(*old)),
                self.resolve(Side::New, b.get(*new)),
            );
            self.response(subject, &format!("response {new}"), x, y);
        }
        for status in keys(a, b) {
            if removed.len() == 1 && added.len() == 1 && (removed[0] == status || added[0] == status) {
                continue;
            }
            let place = format!("response {status}");
            let (x, y) = (
                self.resolve(Side::Old, a.get(status)),
                self.resolve(Side::New, b.get(status)),
            );
            match (x, y) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    subject,
                    "response-removed",
                    format!("{place} removed"),
                ),
                (None, Some(_)) => self.push(
                    Class::Additive,
                    subject,
                    "response-added",
                    format!("{place} added"),
                ),
                _ => self.response(subject, &place, x, y),
            }
        }
    }

    fn response(&mut self, subject: &str, place: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        self.fields(subject, place, a, b, |walk, key, v, w| {
            key == "content" && {
                walk.content(subject, place, object(v), object(w));
                true
            }
        });
    }

    /// The media types of a request body or a response.
    fn content(&mut self, subject: &str, place: &str, a: &'a Map<String, Value>, b: &'a Map<String, Value>) {
        // One media type replaced by another (`*/*` → `application/json`)
        // is one change, and the schemas under both are still compared.
        if let (1, 1, Some((old_type, old_media)), Some((new_type, new_media))) =
            (a.len(), b.len(), a.iter().next(), b.iter().next())
            && old_type != new_type
        {
            self.push(
                Class::Breaking,
                subject,
                "media-type",
                format!("{place}: media type {old_type} -> {new_type}"),
            );
            return self.media(subject, place, Some(old_media), Some(new_media));
        }
        for media in keys(a, b) {
            let (x, y) = (a.get(media), b.get(media));
            match (x, y) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    subject,
                    "media-type",
                    format!("{place}: media type removed: {media}"),
                ),
                (None, Some(_)) => self.push(
                    Class::Additive,
                    subject,
                    "media-type",
                    format!("{place}: media type added: {media}"),
                ),
                _ => self.media(subject, place, x, y),
            }
        }
    }

    fn media(&mut self, subject: &str, place: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        self.fields(subject, place, a, b, |walk, key, x, y| {
            key == "schema" && {
                walk.schema(subject, place, x, y);
                true
            }
        });
    }

    fn components(&mut self, a: &'a Map<String, Value>, b: &'a Map<String, Value>) {
        for section in keys(a, b) {
            let (x, y) = (object(a.get(section)), object(b.get(section)));
            for name in keys(x, y) {
                let (v, w) = (x.get(name), y.get(name));
                let how = match (v, w) {
                    _ if v == w => continue,
                    (Some(_), None) => "removed",
                    (None, Some(_)) => "added",
                    _ => "changed",
                };
                if section != "schemas" {
                    // Responses, parameters, request bodies: what changed in
                    // them is reported at each operation that uses them.
                    let detail = format!("components/{section}/{name} {how} (see the operations using it)");
                    self.push(Class::DocsOnly, "document", "shared component", detail);
                    continue;
                }
                let subject = format!("schema {name}");
                match how {
                    "removed" => self.push(
                        Class::Breaking,
                        &subject,
                        "schema-removed",
                        "schema removed".to_owned(),
                    ),
                    "added" => self.push(
                        Class::Additive,
                        &subject,
                        "schema-added",
                        "schema added".to_owned(),
                    ),
                    _ => self.schema(&subject, name, v, w),
                }
            }
        }
    }

    /// Compares two schemas field by field; `place` names the schema in the
    /// report (`Result.code`, `parameter oid`, `response 200`).
    fn schema(&mut self, subject: &str, place: &str, a: Option<&'a Value>, b: Option<&'a Value>) {
        let (Some(a), Some(b)) = (a, b) else {
            let (class, what) = if a.is_none() {
                (Class::Additive, "added")
            } else {
                (Class::Breaking, "removed")
            };
            return self.push(class, subject, "schema", format!("{place}: schema {what}"));
        };
        if a == b {
            return;
        }
        self.retyped(subject, place, a, b);
        self.fields(subject, place, Some(a), Some(b), |walk, key, x, y| {
            match key {
                // Part of `type_of`, compared by `retyped`.
                "type" | "format" | "nullable" | "$ref" => {}
                "enum" => walk.enum_values(subject, place, x, y),
                "properties" => walk.properties(subject, place, object(x), object(y)),
                "required" => walk.required_list(subject, place, x, y),
                "items" => walk.schema(subject, &format!("{place}[]"), x, y),
                "deprecated" => walk.deprecated(subject, place, x, y),
                "default" => walk.push(
                    Class::Additive,
                    subject,
                    "default",
                    format!("{place}: default {} -> {}", show(x), show(y)),
                ),
                _ => return false,
            }
            true
        });
    }

    fn retyped(&mut self, subject: &str, place: &str, a: &Value, b: &Value) {
        let (ta, tb) = (type_of(a), type_of(b));
        if ta == tb {
            return;
        }
        let (kind, note) = if place == BUSINESS_CODE {
            let note = if tb.starts_with("integer") {
                "; it is now an integer, which is what justone-xhs's error_mapping.rs compares \
                 it with, but the generated envelope type changes: regenerate and build"
            } else {
                "; justone-gen and justone-xhs will NOT COMPILE: error_mapping.rs \
                 compares the business code with integers"
            };
            ("envelope-retyped", note)
        } else {
            ("type", "")
        };
        self.push(
            Class::Breaking,
            subject,
            kind,
            format!("{place}: type {ta} -> {tb}{note}"),
        );
    }

    fn properties(
        &mut self,
        subject: &str,
        place: &str,
        a: &'a Map<String, Value>,
        b: &'a Map<String, Value>,
    ) {
        for name in keys(a, b) {
            let field = format!("{place}.{name}");
            match (a.get(name), b.get(name)) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    subject,
                    "property-removed",
                    format!("{field}: removed"),
                ),
                (None, Some(s)) => self.push(
                    Class::Additive,
                    subject,
                    "property-added",
                    format!("{field}: added ({})", type_of(s)),
                ),
                (v, w) => self.schema(subject, &field, v, w),
            }
        }
    }

    /// A schema's `required` list: a field that becomes required breaks
    /// whoever builds the object without it.
    fn required_list(&mut self, subject: &str, place: &str, a: Option<&Value>, b: Option<&Value>) {
        let (old, new) = (scalars(a), scalars(b));
        for name in new.iter().filter(|n| !old.contains(n)) {
            let detail = format!("{place}.{name}: became required");
            self.push(Class::Breaking, subject, "became-required", detail);
        }
        for name in old.iter().filter(|n| !new.contains(n)) {
            let detail = format!("{place}.{name}: became optional");
            self.push(Class::Additive, subject, "became-optional", detail);
        }
        if old.len() == new.len() && old.iter().all(|n| new.contains(n)) {
            let detail = format!("{place}: required reordered");
            self.push(Class::DocsOnly, subject, "required order", detail);
        }
    }

    fn enum_values(&mut self, subject: &str, place: &str, a: Option<&Value>, b: Option<&Value>) {
        let (old, new) = (scalars(a), scalars(b));
        let what = if place == BUSINESS_CODE {
            "business code"
        } else {
            "enum value"
        };
        let removed: Vec<&String> = old.iter().filter(|v| !new.contains(v)).collect();
        let added: Vec<&String> = new.iter().filter(|v| !old.contains(v)).collect();
        for value in &removed {
            let detail = format!("{place}: {what} removed: {value}");
            self.push(Class::Breaking, subject, &format!("{what} removed"), detail);
        }
        for value in &added {
            let detail = format!("{place}: {what} added: {value}");
            self.push(Class::Additive, subject, &format!("{what} added"), detail);
        }
        if removed.is_empty() && added.is_empty() && old != new {
            // Same values in another order (the same values as another JSON
            // type are a retyping, which `retyped` reports).
            self.push(
                Class::DocsOnly,
                subject,
                "enum order",
                format!("{place}: enum reordered"),
            );
        }
    }
}

/// A list item with the key it is matched by (a server's URL, a tag's or a
/// parameter's name).
type Keyed<'a> = (String, &'a Value);

fn keyed<'v>(list: Option<&'v Value>, key: impl Fn(&'v Value) -> String) -> Vec<Keyed<'v>> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| (key(item), item))
        .collect()
}

/// The items of two keyed lists side by side, sorted by key, skipping those
/// that are equal.
fn paired<'v>(old: &[Keyed<'v>], new: &[Keyed<'v>]) -> Vec<(String, Option<&'v Value>, Option<&'v Value>)> {
    let find = |list: &[Keyed<'v>], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
    let names: BTreeSet<&String> = old.iter().chain(new).map(|(k, _)| k).collect();
    names
        .into_iter()
        .map(|k| (k.clone(), find(old, k), find(new, k)))
        .filter(|(_, x, y)| x != y)
        .collect()
}

/// The items of a JSON array as report text.
fn scalars(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| show(Some(v)))
        .collect()
}

/// An operation object and the path item it is in.
type OperationAndItem<'a> = (&'a Value, &'a Map<String, Value>);

/// Operations keyed by `METHOD /path`, each with its path item.
pub(super) fn operations(paths: &Map<String, Value>) -> BTreeMap<String, OperationAndItem<'_>> {
    let mut out = BTreeMap::new();
    for (path, item) in paths {
        let item = object(Some(item));
        for (method, op) in item {
            if METHODS.contains(&method.as_str()) && op.is_object() {
                out.insert(format!("{} {path}", method.to_uppercase()), (op, item));
            }
        }
    }
    out
}

/// A schema's type as one comparable word: `integer/int32`, `string|null`,
/// `ref Result`, `any`.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("ref {}", reference.rsplit('/').next().unwrap_or(reference));
    }
    let mut ty = match schema.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(types)) => types.iter().map(|t| show(Some(t))).collect::<Vec<_>>().join("|"),
        _ => "any".to_owned(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        ty = format!("{ty}/{format}");
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        ty.push_str("|null");
    }
    ty
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.1.0",
            "servers": [{"url": "https://a", "description": "A"}],
            "components": {"schemas": {"Result": {"properties": {
                "code": {"type": "integer", "format": "int32", "enum": [0, 100]}
            }}}},
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
        compare(old, new, &GeneratedSurface::WHOLE)
            .iter()
            .map(|c| format!("{} {c}", c.class.name()))
            .collect()
    }

    #[test]
    fn identical_documents_have_no_change() {
        assert!(compare(&doc(), &doc(), &GeneratedSurface::WHOLE).is_empty());
    }

    #[test]
    fn enum_values_added_removed_and_reordered() {
        let mut new = doc();
        new["paths"]["/feed"]["get"]["parameters"][0]["schema"]["enum"] = json!(["b", "c"]);
        assert_eq!(
            lines(&doc(), &new),
            [
                "breaking GET /feed: parameter oid: enum value removed: a",
                "additive GET /feed: parameter oid: enum value added: c"
            ]
        );
        new["paths"]["/feed"]["get"]["parameters"][0]["schema"]["enum"] = json!(["b", "a"]);
        assert_eq!(
            lines(&doc(), &new),
            ["docs-only GET /feed: parameter oid: enum reordered"]
        );
    }

    #[test]
    fn parameter_changes() {
        let mut new = doc();
        let params = &mut new["paths"]["/feed"]["get"]["parameters"];
        params[1]["required"] = json!(true);
        params[1]["schema"]["type"] = json!("string");
        params[0]["description"] = json!("changed");
        params[0]["deprecated"] = json!(true);
        params
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "sort", "in": "query", "schema": {"type": "string"}}));
        assert_eq!(
            lines(&doc(), &new),
            [
                "additive GET /feed: parameter oid: deprecated",
                "docs-only GET /feed: parameter oid: description changed",
                "breaking GET /feed: parameter page: became required",
                "breaking GET /feed: parameter page: type integer/int32 -> string/int32",
                "additive GET /feed: parameter added: sort (string, optional)"
            ]
        );
    }

    #[test]
    fn business_codes_responses_operations_and_servers() {
        let mut new = doc();
        new["components"]["schemas"]["Result"]["properties"]["code"]["enum"] = json!([0, 100, 700]);
        new["paths"]["/feed"]["get"]["responses"]["429"] = json!({"description": "Too many"});
        new["paths"]["/other"] = json!({"get": {"operationId": "other"}});
        new["servers"] = json!([{"url": "https://b"}]);
        assert_eq!(
            lines(&doc(), &new),
            [
                "additive schema Result: Result.code: business code added: 700",
                "additive GET /feed: response 429 added",
                "additive GET /other: operation added",
                "breaking document: server removed: https://a",
                "additive document: server added: https://b"
            ]
        );
        assert_eq!(
            lines(&new, &doc())[2],
            "breaking GET /other: operation removed without notice (neither deprecated nor hidden)"
        );
    }

    #[test]
    fn a_business_code_turned_string_is_said_to_break_the_build() {
        let mut new = doc();
        new["components"]["schemas"]["Result"]["properties"]["code"] =
            json!({"type": "string", "enum": ["0", "100"]});
        let changes = compare(&doc(), &new, &GeneratedSurface::WHOLE);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, "envelope-retyped");
        assert_eq!(changes[0].class, Class::Breaking);
        assert!(changes[0].detail.contains("NOT COMPILE"), "{}", changes[0].detail);
    }

    #[test]
    fn request_bodies_are_compared_field_by_field() {
        let body = |required: bool, ty: &str| {
            json!({"required": required, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"q": {"type": ty}}}}}})
        };
        let mut old = doc();
        old["paths"]["/feed"]["post"] = json!({"operationId": "p", "requestBody": body(false, "string")});
        let mut new = old.clone();
        new["paths"]["/feed"]["post"]["requestBody"] = body(true, "integer");
        assert_eq!(
            lines(&old, &new),
            [
                "breaking POST /feed: request body.q: type string -> integer",
                "breaking POST /feed: request body: became required"
            ]
        );
    }

    #[test]
    fn docs_metadata_release_ids_and_unknown_fields() {
        let mut new = doc();
        new["x-openapi-release-id"] = json!("abc");
        new["paths"]["/feed"]["get"]["x-order"] = json!("2");
        new["paths"]["/feed"]["get"]["tags"] = json!(["Feed"]);
        new["paths"]["/feed"]["get"]["security"] = json!([{"token": []}]);
        assert_eq!(
            lines(&doc(), &new),
            [
                "additive GET /feed: security: (none) -> [{\"token\":[]}]",
                "docs-only GET /feed: tags: Feed added",
                "docs-only GET /feed: x-order changed",
                "docs-only document: release id changed"
            ]
        );
    }

    #[test]
    fn hiding_moving_a_status_and_removing_after_notice() {
        let mut old = doc();
        old["paths"]["/feed"]["get"]["deprecated"] = json!(true);
        old["paths"]["/gone"] = json!({"get": {"operationId": "gone", "x-docs-hidden": true}});
        let mut new = old.clone();
        new["paths"]["/feed"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("deprecated");
        new["paths"]["/feed"]["get"]["x-docs-hidden"] = json!(true);
        let responses = &mut new["paths"]["/feed"]["get"]["responses"];
        responses["default"] = responses["200"].take();
        responses.as_object_mut().unwrap().remove("200");
        new["paths"].as_object_mut().unwrap().remove("/gone");
        assert_eq!(
            lines(&old, &new),
            [
                "breaking GET /feed: response 200 moved to default",
                "additive GET /feed: operation: hidden from the documentation (x-docs-hidden) instead of \
                 deprecated: the provider's notice before removal",
                "breaking GET /gone: operation removed after notice: it was hidden"
            ]
        );
    }

    #[test]
    fn renames_to_the_method_and_path_scheme_share_a_pattern() {
        let mut new = doc();
        new["paths"]["/feed"]["get"]["operationId"] = json!("getFeed");
        let changes = compare(&doc(), &new, &GeneratedSurface::WHOLE);
        assert_eq!(
            changes[0].detail,
            "operationId (the generated method's name): feed -> getFeed"
        );
        assert!(
            changes[0].pattern.contains("method-and-path scheme"),
            "{}",
            changes[0].pattern
        );
    }
}
