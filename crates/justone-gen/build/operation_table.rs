// Writes `operations.rs` for OUT_DIR from the generated document: the static
// table of operations (`OPERATIONS`) and `send_by_id`, which calls each
// operation's generated builder with string parameters parsed to the
// builder's types. The types are those progenitor gives the normalized
// document: strings (enums are opened by the normalizer, so they stay
// strings), `i32`/`i64` integers and booleans. Anything else stops the build
// with a message, rather than generating a dispatch that guesses.
// `token` is every operation's and is passed separately, so it is not in the
// table.

use std::fmt::Write;

use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Param {
    name: String,
    setter: String,
    required: bool,
    kind: &'static str,
    rust_type: &'static str,
    format: Option<String>,
    enum_values: Vec<String>,
    default: Option<String>,
    description: String,
}

struct Operation {
    id: String,
    method: String,
    path: String,
    summary: String,
    deprecated: bool,
    hidden: bool,
    params: Vec<Param>,
}

/// The Rust source of the operation table and dispatch for `document`.
pub fn operation_table(document: &Value) -> Result<String, String> {
    let operations = operations(document)?;
    let mut out = String::new();
    out.push_str("/// Every operation of the generated client, sorted by path.\n");
    out.push_str("pub static OPERATIONS: &[OperationInfo] = &[\n");
    for op in &operations {
        let _ = writeln!(
            out,
            "OperationInfo {{ id: {:?}, method: {:?}, path: {:?}, summary: {:?}, deprecated: {}, hidden: {}, params: &[",
            op.id, op.method, op.path, op.summary, op.deprecated, op.hidden
        );
        for p in &op.params {
            let _ = writeln!(
                out,
                "ParamInfo {{ name: {:?}, location: \"query\", required: {}, kind: ParamKind::{}, \
                 format: {:?}, enum_values: &{:?}, default: {:?}, description: {:?} }},",
                p.name, p.required, p.kind, p.format, p.enum_values, p.default, p.description
            );
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n\n");
    out.push_str("/// Every operationId as a constant, named after it in upper snake case.\npub mod ids {\n");
    for op in &operations {
        let _ = writeln!(
            out,
            "/// `{} {}`{}\npub const {}: &str = {:?};",
            op.method,
            op.path,
            if op.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", op.summary)
            },
            heck::ToShoutySnakeCase::to_shouty_snake_case(op.id.as_str()),
            op.id
        );
    }
    out.push_str("}\n\n");
    out.push_str(
        "/// Sends operation `id` with `token` and `params` (name, value) through\n\
         /// the generated builder, each value parsed to the parameter's type.\n\
         /// It does not check enum values or required parameters: see\n\
         /// [`OperationInfo::check`], which callers run first.\n\
         ///\n\
         /// # Errors\n\
         /// [`CallError`] for an unknown operation, an unknown parameter or a\n\
         /// value that does not parse; nothing is sent then.\n\
         pub fn send_by_id<'a>(client: &'a crate::Client, id: &str, token: &str, \
         params: &[(String, String)]) -> Result<SendFuture<'a>, CallError> {\n\
         match id {\n",
    );
    for op in &operations {
        let method = heck_snake(&op.id);
        let _ = writeln!(out, "{:?} => {{", op.id);
        if op.params.is_empty() {
            let _ = writeln!(
                out,
                "if let Some((name, _)) = params.first() {{ return Err(CallError::unknown_parameter({:?}, name)); }}\n\
                 Ok(Box::pin(client.{method}().token(token).send()))",
                op.id
            );
        } else {
            let _ = writeln!(
                out,
                "let mut request = client.{method}().token(token);\n\
                 for (name, value) in params {{\n\
                 request = match name.as_str() {{"
            );
            for p in &op.params {
                let value = match p.rust_type {
                    "String" => "value.as_str()".to_owned(),
                    other => format!("parse_value::<{other}>({:?}, name, value, {:?})?", op.id, p.kind),
                };
                let _ = writeln!(out, "{:?} => request.{}({value}),", p.name, p.setter);
            }
            let _ = writeln!(
                out,
                "_ => return Err(CallError::unknown_parameter({:?}, name)),\n}};\n}}\n\
                 Ok(Box::pin(request.send()))",
                op.id
            );
        }
        out.push_str("}\n");
    }
    out.push_str("_ => Err(CallError::UnknownOperation { operation: id.to_owned() }),\n}\n}\n");
    Ok(out)
}

fn operations(document: &Value) -> Result<Vec<Operation>, String> {
    let Some(Value::Object(paths)) = document.get("paths") else {
        return Err("the document has no paths".to_owned());
    };
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let text = |key: &str| op.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            let id = text("operationId");
            let params = match op.get("parameters") {
                Some(Value::Array(params)) => params
                    .iter()
                    .filter(|p| p.get("name").and_then(Value::as_str) != Some("token"))
                    .map(|p| param(&id, p))
                    .collect::<Result<_, _>>()?,
                _ => Vec::new(),
            };
            let flag = |key: &str| op.get(key).and_then(Value::as_bool).unwrap_or(false);
            operations.push(Operation {
                id,
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text("summary"),
                deprecated: flag("deprecated"),
                hidden: flag("x-docs-hidden"),
                params,
            });
        }
    }
    Ok(operations)
}

fn param(operation: &str, p: &Value) -> Result<Param, String> {
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
    if location != "query" {
        return Err(format!(
            "{operation}: parameter {name} is in {location:?}; only query parameters are supported"
        ));
    }
    let schema = p.get("schema").cloned().unwrap_or(Value::Null);
    let format = schema.get("format").and_then(Value::as_str).map(str::to_owned);
    let (kind, rust_type) = match (schema.get("type").and_then(Value::as_str), format.as_deref()) {
        (Some("string"), _) => ("String", "String"),
        (Some("integer"), Some("int32")) => ("Integer", "i32"),
        (Some("integer"), _) => ("Integer", "i64"),
        (Some("boolean"), _) => ("Boolean", "bool"),
        (other, _) => {
            return Err(format!(
                "{operation}: parameter {name} has type {other:?}; only string, integer and boolean are supported"
            ));
        }
    };
    let enum_values = schema
        .get("x-justone-enum")
        .or_else(|| schema.get("enum"))
        .and_then(Value::as_array)
        .map(|values| values.iter().map(scalar_text).collect())
        .unwrap_or_default();
    let description = p
        .get("description")
        .or_else(|| schema.get("description"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Param {
        setter: heck_snake(&name),
        name,
        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
        kind,
        rust_type,
        format,
        enum_values,
        default: schema.get("default").map(scalar_text),
        description,
    })
}

/// A JSON scalar as the text a caller would type (`"a"` → `a`, `1` → `1`).
fn scalar_text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// progenitor's method and setter names: the snake case of the operationId
/// or parameter name (`getApiXV1` → `get_api_x_v1`, `noteId` → `note_id`),
/// with `_` after a keyword, as progenitor's `sanitize` spells them.
fn heck_snake(name: &str) -> String {
    let snake = heck::ToSnakeCase::to_snake_case(name);
    if syn::parse_str::<syn::Ident>(&snake).is_ok() {
        snake
    } else {
        format!("{snake}_")
    }
}
