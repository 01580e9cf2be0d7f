//! Turns the provider's OpenAPI 3.1 document into the OpenAPI 3.0 form that
//! progenitor 0.15 (through `openapiv3` 2.x and typify) accepts.
//!
//! Every rewrite is a named [`Rule`]. The committed raw document stays the
//! source of truth for drift reports and snapshots; only code generation sees
//! the normalized form, and the list of [`Rewrite`]s says exactly what changed.

use serde_json::{Map, Value};

use crate::document::{DocumentError, OpenApiVersion, openapi_version};

/// The OpenAPI version written into normalized documents.
pub const TARGET_VERSION: &str = "3.0.3";

/// A named rewrite applied by [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// `openapi: 3.1.x` becomes `3.0.3`: progenitor refuses any version that
    /// does not start with `3.0.`.
    DowngradeVersion,
    /// `type: [T, "null"]` becomes `type: T` plus `nullable: true`, the 3.0
    /// spelling; `openapiv3` cannot read a type array at all.
    NullableTypeArray,
    /// A `default` that is not one of its schema's own `enum` values is
    /// dropped: typify rejects the whole document otherwise. The provider
    /// applies its defaults server-side, so nothing is lost on the wire.
    DropDefaultOutsideEnum,
    /// The `enum` of `Result.code` is removed (and kept under
    /// `x-justone-enum`): a closed enum would make the generated client reject
    /// a response whose business code the provider added after generation.
    OpenBusinessCodeEnum,
    /// A string `enum` on a query parameter is removed (and kept under
    /// `x-justone-enum`): progenitor would otherwise generate a closed Rust
    /// enum, and a value the provider adds later (a new feed channel) could
    /// not be requested without a new release.
    OpenQueryParameterEnum,
    /// `Result.required` keeps only `code`: the provider's own documented
    /// example response carries just `code` and `data`, so a strict reading of
    /// `required: [code, data, message, recordTime]` would reject real pages.
    RelaxEnvelopeRequired,
    /// An `operationId` shared by several operations (or missing) is replaced
    /// by one spelled from the method and path, the provider's own convention
    /// (`GET /api/a-b/v1` → `getApiABV1`); a numeric suffix follows if that
    /// name is taken too. progenitor refuses duplicate operation IDs, and
    /// early versions of the provider's document reuse them (`searchV1` ×6).
    /// Every holder of a shared ID is renamed, not all but the first, so the
    /// result does not depend on the order of the paths.
    UniqueOperationId,
    /// A media type with no `schema` (version 07 of the provider's document
    /// has 206 `default` responses with only an `example`) gets `schema: {}`,
    /// which is what a missing schema means; progenitor panics with "not yet
    /// implemented: media type encoding, no schema" otherwise.
    SchemaForBareMediaType,
}

impl Rule {
    /// A short, stable name for reports and snapshots.
    pub fn name(self) -> &'static str {
        match self {
            Rule::DowngradeVersion => "downgrade-version",
            Rule::NullableTypeArray => "nullable-type-array",
            Rule::DropDefaultOutsideEnum => "drop-default-outside-enum",
            Rule::OpenBusinessCodeEnum => "open-business-code-enum",
            Rule::OpenQueryParameterEnum => "open-query-parameter-enum",
            Rule::RelaxEnvelopeRequired => "relax-envelope-required",
            Rule::UniqueOperationId => "unique-operation-id",
            Rule::SchemaForBareMediaType => "schema-for-bare-media-type",
        }
    }
}

/// One application of a [`Rule`] at a JSON pointer into the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rewrite {
    /// Which rule fired.
    pub rule: Rule,
    /// Where, as an RFC 6901 JSON pointer into the input document.
    pub pointer: String,
}

/// The result of [`normalize`].
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The OpenAPI 3.0 document.
    pub document: Value,
    /// Every rewrite applied, in document order.
    pub rewrites: Vec<Rewrite>,
}

/// The key under which opened enums keep their original values, so that the
/// normalized document still documents them.
pub const KEPT_ENUM_KEY: &str = "x-justone-enum";

/// Normalizes an OpenAPI 3.0 or 3.1 document; see [`Rule`] for each rewrite.
///
/// # Errors
/// [`DocumentError`] when the input is not an OpenAPI 3.x document (for
/// example a Swagger 2.0 file, an HTML page or an arbitrary JSON value).
pub fn normalize(input: &Value) -> Result<Normalized, DocumentError> {
    let version = openapi_version(input)?;
    let mut document = input.clone();
    let mut rewrites = Vec::new();

    if version == OpenApiVersion::V3_1 {
        document["openapi"] = Value::String(TARGET_VERSION.to_owned());
        rewrites.push(Rewrite {
            rule: Rule::DowngradeVersion,
            pointer: "/openapi".to_owned(),
        });
    }

    rewrite_schemas(&mut document, &mut String::new(), &mut rewrites);
    open_business_code(&mut document, &mut rewrites);
    relax_envelope_required(&mut document, &mut rewrites);
    open_query_enums(&mut document, &mut rewrites);
    unique_operation_ids(&mut document, &mut rewrites);
    schema_for_bare_media_types(&mut document, &mut rewrites);
    rewrites.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.rule.cmp(&b.rule)));
    Ok(Normalized { document, rewrites })
}

/// Applies the schema-local rules to every object in the tree.
fn rewrite_schemas(value: &mut Value, pointer: &mut String, out: &mut Vec<Rewrite>) {
    match value {
        Value::Object(map) => {
            nullable_type_array(map, pointer, out);
            drop_default_outside_enum(map, pointer, out);
            for (key, child) in map.iter_mut() {
                let len = pointer.len();
                push_token(pointer, key);
                rewrite_schemas(child, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                let len = pointer.len();
                push_token(pointer, &index.to_string());
                rewrite_schemas(child, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn nullable_type_array(map: &mut Map<String, Value>, pointer: &str, out: &mut Vec<Rewrite>) {
    let Some(Value::Array(types)) = map.get("type") else {
        return;
    };
    let non_null: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
    // Only the `[T, "null"]` shape has a 3.0 spelling; anything else is left
    // for openapiv3 to reject with its own message.
    if non_null.len() != 1 || types.len() != 2 {
        return;
    }
    let single = non_null[0].clone();
    map.insert("type".to_owned(), single);
    map.insert("nullable".to_owned(), Value::Bool(true));
    out.push(Rewrite {
        rule: Rule::NullableTypeArray,
        pointer: format!("{pointer}/type"),
    });
}

fn drop_default_outside_enum(map: &mut Map<String, Value>, pointer: &str, out: &mut Vec<Rewrite>) {
    let (Some(default), Some(Value::Array(values))) = (map.get("default"), map.get("enum")) else {
        return;
    };
    if values.contains(default) {
        return;
    }
    map.remove("default");
    out.push(Rewrite {
        rule: Rule::DropDefaultOutsideEnum,
        pointer: format!("{pointer}/default"),
    });
}

fn open_business_code(document: &mut Value, out: &mut Vec<Rewrite>) {
    let pointer = "/components/schemas/Result/properties/code";
    if let Some(Value::Object(code)) = document.pointer_mut(pointer)
        && move_enum(code)
    {
        out.push(Rewrite {
            rule: Rule::OpenBusinessCodeEnum,
            pointer: format!("{pointer}/enum"),
        });
    }
}

fn relax_envelope_required(document: &mut Value, out: &mut Vec<Rewrite>) {
    let pointer = "/components/schemas/Result/required";
    if let Some(Value::Array(required)) = document.pointer_mut(pointer)
        && required.iter().any(|r| r != "code")
    {
        required.retain(|r| r == "code");
        out.push(Rewrite {
            rule: Rule::RelaxEnvelopeRequired,
            pointer: pointer.to_owned(),
        });
    }
}

fn open_query_enums(document: &mut Value, out: &mut Vec<Rewrite>) {
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        for (method, operation) in item.iter_mut() {
            let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
                continue;
            };
            for (index, parameter) in parameters.iter_mut().enumerate() {
                if parameter.get("in").and_then(Value::as_str) != Some("query") {
                    continue;
                }
                let Some(Value::Object(schema)) = parameter.get_mut("schema") else {
                    continue;
                };
                if schema.get("type").and_then(Value::as_str) == Some("string") && move_enum(schema) {
                    let mut pointer = String::from("/paths");
                    push_token(&mut pointer, path);
                    push_token(&mut pointer, method);
                    out.push(Rewrite {
                        rule: Rule::OpenQueryParameterEnum,
                        pointer: format!("{pointer}/parameters/{index}/schema/enum"),
                    });
                }
            }
        }
    }
}

/// The HTTP methods an OpenAPI path item can hold operations under.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn unique_operation_ids(document: &mut Value, out: &mut Vec<Rewrite>) {
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    // progenitor turns IDs into snake_case method names, so `searchV1` and
    // `search_v1` collide as well: IDs are compared in that folded form.
    let fold = |id: &str| -> String {
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let mut uses: std::collections::BTreeMap<String, usize> = Default::default();
    for (_, operation) in operations(paths) {
        if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
            *uses.entry(fold(id)).or_default() += 1;
        }
    }
    // Only the IDs that stay are taken: the shared ones are all replaced.
    let mut taken: std::collections::BTreeSet<String> = uses
        .iter()
        .filter(|(_, n)| **n == 1)
        .map(|(id, _)| id.clone())
        .collect();
    for ((path, method), operation) in operations(paths) {
        let current = operation.get("operationId").and_then(Value::as_str);
        if current.is_some_and(|id| uses.get(&fold(id)) == Some(&1)) {
            continue;
        }
        let base = id_from_method_and_path(&method, &path);
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(fold(&id)) {
            id = format!("{base}{n}");
            n += 1;
        }
        operation.insert("operationId".to_owned(), Value::String(id));
        let mut pointer = String::from("/paths");
        push_token(&mut pointer, &path);
        push_token(&mut pointer, &method);
        out.push(Rewrite {
            rule: Rule::UniqueOperationId,
            pointer: format!("{pointer}/operationId"),
        });
    }
}

fn schema_for_bare_media_types(document: &mut Value, out: &mut Vec<Rewrite>) {
    let mut bodies: Vec<(String, &mut Map<String, Value>)> = Vec::new();
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for ((path, method), operation) in operations(paths) {
            let mut pointer = String::from("/paths");
            push_token(&mut pointer, &path);
            push_token(&mut pointer, &method);
            for (key, value) in operation.iter_mut() {
                match (key.as_str(), value) {
                    ("requestBody", Value::Object(body)) => {
                        bodies.push((format!("{pointer}/requestBody"), body));
                    }
                    ("responses", Value::Object(responses)) => {
                        for (status, response) in responses.iter_mut() {
                            if let Value::Object(response) = response {
                                bodies.push((format!("{pointer}/responses/{status}"), response));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for (pointer, body) in bodies {
        let Some(Value::Object(content)) = body.get_mut("content") else {
            continue;
        };
        for (media_type, media) in content.iter_mut() {
            if let Value::Object(media) = media
                && !media.contains_key("schema")
            {
                media.insert("schema".to_owned(), Value::Object(Map::new()));
                let mut at = format!("{pointer}/content");
                push_token(&mut at, media_type);
                out.push(Rewrite {
                    rule: Rule::SchemaForBareMediaType,
                    pointer: format!("{at}/schema"),
                });
            }
        }
    }
}

/// Every operation object under `paths`, with its path and method, in
/// document (sorted) order.
fn operations(
    paths: &mut Map<String, Value>,
) -> impl Iterator<Item = ((String, String), &mut Map<String, Value>)> {
    paths.iter_mut().flat_map(|(path, item)| {
        item.as_object_mut().into_iter().flat_map(move |item| {
            item.iter_mut().filter_map(move |(method, operation)| {
                let operation = operation.as_object_mut()?;
                METHODS
                    .contains(&method.as_str())
                    .then(|| ((path.clone(), method.clone()), operation))
            })
        })
    })
}

/// `get` + `/api/xiaohongshu/get-note-feed/v1` → `getApiXiaohongshuGetNoteFeedV1`.
pub(crate) fn id_from_method_and_path(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for word in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

/// Moves `enum` to [`KEPT_ENUM_KEY`]; returns whether there was one.
fn move_enum(schema: &mut Map<String, Value>) -> bool {
    match schema.remove("enum") {
        Some(values) => {
            schema.insert(KEPT_ENUM_KEY.to_owned(), values);
            true
        }
        None => false,
    }
}

/// Appends one RFC 6901 reference token, escaped.
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(n: &Normalized) -> Vec<(&'static str, &str)> {
        n.rewrites
            .iter()
            .map(|r| (r.rule.name(), r.pointer.as_str()))
            .collect()
    }

    #[test]
    fn downgrades_3_1_and_leaves_3_0_alone() {
        let n = normalize(&json!({"openapi": "3.1.0", "paths": {}})).unwrap();
        assert_eq!(n.document["openapi"], "3.0.3");
        assert_eq!(rules(&n), [("downgrade-version", "/openapi")]);

        let n = normalize(&json!({"openapi": "3.0.1", "paths": {}})).unwrap();
        assert_eq!(n.document["openapi"], "3.0.1");
        assert!(n.rewrites.is_empty());
    }

    #[test]
    fn rewrites_nullable_type_arrays_only_in_the_two_element_shape() {
        let input = json!({"openapi": "3.1.0", "components": {"schemas": {"R": {"properties": {
            "a": {"type": ["string", "null"]},
            "b": {"type": ["null", "integer"]},
            "c": {"type": ["string", "integer"]},
            "type": {"type": "string"}
        }}}}});
        let n = normalize(&input).unwrap();
        let props = &n.document["components"]["schemas"]["R"]["properties"];
        assert_eq!(props["a"], json!({"type": "string", "nullable": true}));
        assert_eq!(props["b"], json!({"type": "integer", "nullable": true}));
        assert_eq!(props["c"], json!({"type": ["string", "integer"]}));
        assert_eq!(props["type"], json!({"type": "string"}));
        assert_eq!(
            rules(&n),
            [
                ("nullable-type-array", "/components/schemas/R/properties/a/type"),
                ("nullable-type-array", "/components/schemas/R/properties/b/type"),
                ("downgrade-version", "/openapi"),
            ]
        );
    }

    #[test]
    fn drops_only_defaults_outside_their_enum() {
        let input = json!({"openapi": "3.0.3", "x": [
            {"default": "90", "enum": ["DAY_30", "DAY_90"]},
            {"default": "DAY_30", "enum": ["DAY_30", "DAY_90"]},
            {"default": 5}
        ]});
        let n = normalize(&input).unwrap();
        assert_eq!(n.document["x"][0], json!({"enum": ["DAY_30", "DAY_90"]}));
        assert_eq!(n.document["x"][1]["default"], "DAY_30");
        assert_eq!(n.document["x"][2]["default"], 5);
        assert_eq!(rules(&n), [("drop-default-outside-enum", "/x/0/default")]);
    }

    #[test]
    fn opens_the_business_code_enum_and_keeps_its_values() {
        let input = json!({"openapi": "3.0.3", "components": {"schemas": {"Result": {"properties": {
            "code": {"type": "integer", "format": "int32", "enum": [0, 100]}
        }}}}});
        let n = normalize(&input).unwrap();
        let code = &n.document["components"]["schemas"]["Result"]["properties"]["code"];
        assert_eq!(
            code,
            &json!({"type": "integer", "format": "int32", KEPT_ENUM_KEY: [0, 100]})
        );
        assert_eq!(
            rules(&n),
            [(
                "open-business-code-enum",
                "/components/schemas/Result/properties/code/enum"
            )]
        );
    }

    #[test]
    fn envelope_requires_only_the_code() {
        let input = json!({"openapi": "3.0.3", "components": {"schemas": {"Result": {
            "required": ["code", "data", "message", "recordTime"]
        }}}});
        let n = normalize(&input).unwrap();
        assert_eq!(
            n.document["components"]["schemas"]["Result"]["required"],
            json!(["code"])
        );
        assert_eq!(
            rules(&n),
            [("relax-envelope-required", "/components/schemas/Result/required")]
        );
    }

    #[test]
    fn opens_string_enums_on_query_parameters_only() {
        let input = json!({"openapi": "3.0.3", "paths": {"/a/b": {"get": {"operationId": "ab", "parameters": [
            {"in": "query", "name": "oid", "schema": {"type": "string", "enum": ["x", "y"]}},
            {"in": "path", "name": "p", "schema": {"type": "string", "enum": ["x"]}},
            {"in": "query", "name": "n", "schema": {"type": "integer", "enum": [1, 2]}}
        ]}}}});
        let n = normalize(&input).unwrap();
        let params = &n.document["paths"]["/a/b"]["get"]["parameters"];
        assert_eq!(
            params[0]["schema"],
            json!({"type": "string", KEPT_ENUM_KEY: ["x", "y"]})
        );
        assert_eq!(params[1]["schema"]["enum"], json!(["x"]));
        assert_eq!(params[2]["schema"]["enum"], json!([1, 2]));
        assert_eq!(
            rules(&n),
            [(
                "open-query-parameter-enum",
                "/paths/~1a~1b/get/parameters/0/schema/enum"
            )]
        );
    }

    #[test]
    fn shared_operation_ids_are_spelled_from_method_and_path() {
        let input = json!({"openapi": "3.0.3", "paths": {
            "/api/a/search/v1": {"get": {"operationId": "searchV1"}},
            "/api/b/search/v1": {"get": {"operationId": "searchV1"}, "post": {"operationId": "search_v1"}},
            "/api/c-d/v2": {"get": {"operationId": "unique"}, "parameters": []},
            "/api/e/v1": {"get": {}}
        }});
        let n = normalize(&input).unwrap();
        let id = |path: &str, method: &str| n.document["paths"][path][method]["operationId"].clone();
        assert_eq!(id("/api/a/search/v1", "get"), "getApiASearchV1");
        assert_eq!(id("/api/b/search/v1", "get"), "getApiBSearchV1");
        assert_eq!(id("/api/b/search/v1", "post"), "postApiBSearchV1");
        assert_eq!(id("/api/c-d/v2", "get"), "unique");
        assert_eq!(id("/api/e/v1", "get"), "getApiEV1");
        assert_eq!(
            rules(&n)
                .iter()
                .filter(|(rule, _)| *rule == "unique-operation-id")
                .count(),
            4
        );
    }

    #[test]
    fn a_derived_id_that_is_taken_gets_a_suffix() {
        let input = json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"operationId": "x"}, "post": {"operationId": "getA"}},
            "/b": {"get": {"operationId": "x"}}
        }});
        let n = normalize(&input).unwrap();
        let id = |path: &str, method: &str| n.document["paths"][path][method]["operationId"].clone();
        assert_eq!(id("/a", "get"), "getA2");
        assert_eq!(id("/a", "post"), "getA");
        assert_eq!(id("/b", "get"), "getB");
    }

    #[test]
    fn a_media_type_without_a_schema_gets_an_empty_one() {
        let input = json!({"openapi": "3.0.3", "paths": {"/a": {"get": {
            "operationId": "a",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"default": {"content": {"application/json": {"example": {"code": 0}}}}}
        }}}});
        let n = normalize(&input).unwrap();
        let op = &n.document["paths"]["/a"]["get"];
        assert_eq!(
            op["responses"]["default"]["content"]["application/json"],
            json!({"example": {"code": 0}, "schema": {}})
        );
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["type"],
            "object"
        );
        assert_eq!(
            rules(&n),
            [(
                "schema-for-bare-media-type",
                "/paths/~1a/get/responses/default/content/application~1json/schema"
            )]
        );
    }

    #[test]
    fn rejects_what_is_not_openapi_3() {
        let swagger = normalize(&json!({"swagger": "2.0", "paths": {}})).unwrap_err();
        assert!(swagger.to_string().contains("OpenAPI 2"), "{swagger}");
        let other = normalize(&json!(["not", "a", "document"])).unwrap_err();
        assert!(other.to_string().contains("not an OpenAPI document"), "{other}");
        let v4 = normalize(&json!({"openapi": "4.0.0"})).unwrap_err();
        assert!(v4.to_string().contains("4.0.0"), "{v4}");
    }

    #[test]
    fn is_idempotent() {
        let input = json!({"openapi": "3.1.0", "components": {"schemas": {"Result": {"properties": {
            "code": {"type": "integer", "enum": [0]}, "m": {"type": ["string", "null"]}
        }}}}});
        let once = normalize(&input).unwrap().document;
        let twice = normalize(&once).unwrap();
        assert_eq!(twice.document, once);
        assert!(twice.rewrites.is_empty());
    }
}
