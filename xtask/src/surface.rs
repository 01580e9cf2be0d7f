//! The API surface of an OpenAPI document: what client code depends on
//! (operations, parameters, responses, business codes), extracted from the
//! raw provider document so reports and snapshots see the original values.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// The parts of a document that client code depends on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Surface {
    /// Server URLs with their descriptions.
    pub servers: BTreeMap<String, String>,
    /// The values of `Result.code`, the provider's business codes.
    pub business_codes: Vec<String>,
    /// Operations keyed by `METHOD /path`.
    pub operations: BTreeMap<String, Operation>,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Operation {
    /// `operationId`.
    pub operation_id: String,
    /// `summary`.
    pub summary: String,
    /// `description`.
    pub description: String,
    /// Parameters keyed by name.
    pub parameters: BTreeMap<String, Parameter>,
    /// Responses keyed by status, each rendered as `media-type schema`.
    pub responses: BTreeMap<String, String>,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parameter {
    /// `query`, `path`, `header`…
    pub location: String,
    /// Whether the parameter is required.
    pub required: bool,
    /// The schema type, with its format when there is one (`integer/int32`).
    pub schema_type: String,
    /// The schema's default value, as JSON.
    pub default: Option<String>,
    /// Enum values, in document order.
    pub enum_values: Vec<String>,
    /// `description`.
    pub description: String,
}

impl Surface {
    /// Extracts the surface of a (raw or normalized) OpenAPI document.
    pub fn of(document: &Value) -> Surface {
        let servers = document
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|s| (text(s.get("url")), text(s.get("description"))))
            .collect();
        let business_codes = document
            .pointer("/components/schemas/Result/properties/code/enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(scalar)
            .collect();
        let mut operations = BTreeMap::new();
        for (path, item) in document
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (method, op) in item.as_object().into_iter().flatten() {
                if op.is_object() && !method.starts_with("x-") && method != "parameters" {
                    let key = format!("{} {path}", method.to_uppercase());
                    operations.insert(key, Operation::of(document, op));
                }
            }
        }
        Surface {
            servers,
            business_codes,
            operations,
        }
    }
}

impl Operation {
    fn of(document: &Value, op: &Value) -> Operation {
        let parameters = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| resolve(document, p))
            .map(|p| (text(p.get("name")), Parameter::of(document, p)))
            .collect();
        let responses = op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(status, r)| (status.clone(), response_shape(document, r)))
            .collect();
        Operation {
            operation_id: text(op.get("operationId")),
            summary: text(op.get("summary")),
            description: text(op.get("description")),
            parameters,
            responses,
        }
    }
}

impl Parameter {
    fn of(document: &Value, p: &Value) -> Parameter {
        let schema = p
            .get("schema")
            .map(|s| resolve(document, s))
            .unwrap_or(&Value::Null);
        Parameter {
            location: text(p.get("in")),
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            schema_type: schema_type(schema),
            default: schema.get("default").map(scalar),
            enum_values: schema
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(scalar)
                .collect(),
            description: text(p.get("description")),
        }
    }
}

fn response_shape(document: &Value, response: &Value) -> String {
    let response = resolve(document, response);
    let media: Vec<String> = response
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(media, content)| {
            let schema = content.get("schema").unwrap_or(&Value::Null);
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => format!("{media} {}", r.rsplit('/').next().unwrap_or(r)),
                None => format!("{media} {}", schema_type(schema)),
            }
        })
        .collect();
    if media.is_empty() {
        "no body".to_owned()
    } else {
        media.join(", ")
    }
}

fn schema_type(schema: &Value) -> String {
    let ty = match schema.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(types)) => types.iter().map(scalar).collect::<Vec<_>>().join("|"),
        _ => "any".to_owned(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{ty}/{format}"),
        None => ty,
    }
}

/// Follows a local `$ref` (one level deep is all the provider uses).
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .unwrap_or(value)
}

fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// A scalar as text: strings bare, anything else as JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for Surface {
    /// A sorted, line-oriented rendering meant for review in snapshots.
    /// Descriptions are left out: they change often and the drift report
    /// names them separately.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "servers:")?;
        for (url, description) in &self.servers {
            writeln!(f, "  {url}  ({description})")?;
        }
        writeln!(
            f,
            "business codes (Result.code): {}",
            self.business_codes.join(", ")
        )?;
        for (key, op) in &self.operations {
            writeln!(f, "{key}")?;
            writeln!(f, "  operationId: {}", op.operation_id)?;
            writeln!(f, "  summary: {}", op.summary)?;
            for (name, p) in &op.parameters {
                let required = if p.required { "required" } else { "optional" };
                write!(
                    f,
                    "  parameter {name}: {} {}, {required}",
                    p.location, p.schema_type
                )?;
                if let Some(default) = &p.default {
                    write!(f, ", default {default}")?;
                }
                writeln!(f)?;
                if !p.enum_values.is_empty() {
                    writeln!(f, "    enum ({} values):", p.enum_values.len())?;
                    for value in &p.enum_values {
                        writeln!(f, "      {value}")?;
                    }
                }
            }
            for (status, shape) in &op.responses {
                writeln!(f, "  response {status}: {shape}")?;
            }
        }
        Ok(())
    }
}
