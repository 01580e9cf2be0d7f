//! The shape of feed items: every JSON path an item has and the JSON types
//! seen there. The spec types `data` as "anything", so this is how changes to
//! the items themselves are noticed (`cargo xtask probe`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

/// Keys the demo fixtures add on purpose to test lossless round trips; they
/// are not the provider's and stay out of the reference shape.
pub const SYNTHETIC_KEYS: [&str; 2] = ["future_field_2027", "interaction_area"];

/// What is known of one path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathInfo {
    /// JSON types seen: `null`, `boolean`, `integer`, `number`, `string`,
    /// `array`, `object`.
    pub types: BTreeSet<String>,
    /// Whether the provider's documented example item has this path.
    pub documented: bool,
}

/// Paths like `user.nickname` and `images_list[].url`, with what is known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shape(pub BTreeMap<String, PathInfo>);

impl Shape {
    /// Adds every path of `item`.
    pub fn add(&mut self, item: &Value, documented: bool) {
        self.walk(item, "", documented);
    }

    fn walk(&mut self, value: &Value, path: &str, documented: bool) {
        if !path.is_empty() {
            let info = self.0.entry(path.to_owned()).or_default();
            info.types.insert(json_type(value).to_owned());
            info.documented |= documented;
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if path.is_empty() && SYNTHETIC_KEYS.contains(&key.as_str()) {
                        continue;
                    }
                    let child_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    self.walk(child, &child_path, documented);
                }
            }
            Value::Array(items) => {
                for child in items {
                    self.walk(child, &format!("{path}[]"), documented);
                }
            }
            _ => {}
        }
    }

    /// The committed file form: `{path: {"types": [...], "documented": bool}}`.
    pub fn to_json(&self) -> Value {
        let map: Map<String, Value> = self
            .0
            .iter()
            .map(|(path, info)| {
                (
                    path.clone(),
                    serde_json::json!({"types": info.types, "documented": info.documented}),
                )
            })
            .collect();
        Value::Object(map)
    }

    /// Reads the committed file form; `None` if it is not one.
    pub fn from_json(value: &Value) -> Option<Shape> {
        let mut shape = Shape::default();
        for (path, info) in value.as_object()? {
            let types = info
                .get("types")?
                .as_array()?
                .iter()
                .map(|t| t.as_str().map(str::to_owned))
                .collect::<Option<_>>()?;
            let documented = info.get("documented")?.as_bool()?;
            shape.0.insert(path.clone(), PathInfo { types, documented });
        }
        Some(shape)
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// How observed items differ from the reference shape.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShapeDrift {
    /// Paths the reference does not know, with their types.
    pub new: Vec<(String, BTreeSet<String>)>,
    /// Documented paths no observed item had.
    pub missing: Vec<String>,
    /// Paths seen with a type the reference does not allow: (path, reference, observed).
    pub retyped: Vec<(String, BTreeSet<String>, BTreeSet<String>)>,
}

impl ShapeDrift {
    /// Compares observed items with the reference.
    pub fn between(reference: &Shape, observed: &Shape) -> ShapeDrift {
        let mut drift = ShapeDrift::default();
        for (path, seen) in &observed.0 {
            match reference.0.get(path) {
                None => drift.new.push((path.clone(), seen.types.clone())),
                Some(known) if !seen.types.is_subset(&known.types) => {
                    drift
                        .retyped
                        .push((path.clone(), known.types.clone(), seen.types.clone()));
                }
                Some(_) => {}
            }
        }
        drift.missing = reference
            .0
            .iter()
            .filter(|(path, info)| info.documented && !observed.0.contains_key(*path))
            .map(|(path, _)| path.clone())
            .collect();
        drift
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.missing.is_empty() && self.retyped.is_empty()
    }
}

fn list(types: &BTreeSet<String>) -> String {
    types.iter().cloned().collect::<Vec<_>>().join("|")
}

impl fmt::Display for ShapeDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no change: the items match the committed shape");
        }
        for (path, types) in &self.new {
            writeln!(f, "- new field: {path} ({})", list(types))?;
        }
        for (path, known, seen) in &self.retyped {
            writeln!(f, "- retyped field: {path}: {} -> {}", list(known), list(seen))?;
        }
        for path in &self.missing {
            writeln!(f, "- missing field: {path}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(items: &[Value], documented: bool) -> Shape {
        let mut shape = Shape::default();
        for item in items {
            shape.add(item, documented);
        }
        shape
    }

    #[test]
    fn paths_and_types_are_collected() {
        let s = shape(
            &[
                json!({"id": "a", "likes": 3, "user": {"n": null}, "images": [{"w": 1.5}], "future_field_2027": 1}),
            ],
            true,
        );
        let paths: Vec<String> =
            s.0.iter()
                .map(|(p, i)| format!("{p}:{}", list(&i.types)))
                .collect();
        assert_eq!(
            paths,
            [
                "id:string",
                "images:array",
                "images[]:object",
                "images[].w:number",
                "likes:integer",
                "user:object",
                "user.n:null"
            ]
        );
        assert_eq!(Shape::from_json(&s.to_json()), Some(s));
    }

    #[test]
    fn drift_names_new_retyped_and_missing_documented_fields() {
        let mut reference = shape(&[json!({"id": "a", "likes": 1, "title": "t"})], true);
        reference.add(&json!({"video": {"d": 1}}), false);
        let observed = shape(&[json!({"id": "a", "likes": "1.2万", "extra": true})], false);
        let drift = ShapeDrift::between(&reference, &observed);
        assert_eq!(
            drift.to_string(),
            "- new field: extra (boolean)\n- retyped field: likes: integer -> string\n- missing field: title\n"
        );
        assert!(ShapeDrift::between(&reference, &reference).is_empty());
    }
}
