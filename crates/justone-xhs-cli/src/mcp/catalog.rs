//! What the server tells an agent about the provider's operations and the
//! channels, free of charge: the `list_operations` entries and the MCP
//! resources (the channel list, and each operation's parameters as a JSON
//! Schema). Everything comes from the operation table the library
//! generates from the provider's documents.

use justone_xhs::{Client, OperationInfo, ParamInfo};
use rmcp::model::{ErrorData, ListResourcesResult, ReadResourceResult, Resource, ResourceContents};
use rmcp::schemars;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::results::Channels;

/// The resource holding the channel list.
pub const CHANNELS_URI: &str = "justone-xhs://channels";
/// Where each operation's parameter schema is: this, then the operationId.
const OPERATION_URI: &str = "justone-xhs://operations/";

/// One operation, as `list_operations` shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OperationEntry {
    /// What call_operation's `operation` takes.
    operation: &'static str,
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    /// The provider's document marks it deprecated: it may be removed.
    deprecated: bool,
    /// The provider has hidden it from its documentation, which it does
    /// before removing an operation.
    hidden: bool,
    /// How its results are paged: by a page number (`page`, `pageNum`),
    /// by a cursor from the previous answer (`lastCursor`, `cursor`), or not.
    paging: Paging,
    params: Vec<ParamEntry>,
    /// The resource with its parameters as a JSON Schema.
    schema_resource: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Paging {
    PageNumber,
    Cursor,
    None,
}

/// One parameter.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ParamEntry {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    required: bool,
    /// The document's description, without its list of values.
    description: String,
    /// The values allowed and what each means; empty when any value of the
    /// type goes.
    #[serde(rename = "enum")]
    values: Vec<EnumValue>,
    /// The provider's default, as text.
    default: Option<&'static str>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
struct EnumValue {
    value: &'static str,
    /// What the document says it means (empty when it says nothing).
    meaning: String,
}

/// Every operation call_operation can send.
pub fn operations() -> Vec<OperationEntry> {
    Client::operations().iter().map(entry).collect()
}

fn entry(op: &OperationInfo) -> OperationEntry {
    OperationEntry {
        operation: op.id,
        method: op.method,
        path: op.path,
        summary: op.summary,
        deprecated: op.deprecated,
        hidden: op.hidden,
        paging: paging(op),
        params: op
            .params
            .iter()
            .map(|p| ParamEntry {
                name: p.name,
                kind: p.kind.name(),
                required: p.required,
                description: described(p).to_owned(),
                values: p
                    .value_meanings()
                    .into_iter()
                    .map(|(value, meaning)| EnumValue {
                        value,
                        meaning: meaning.to_owned(),
                    })
                    .collect(),
                default: p.default,
            })
            .collect(),
        schema_resource: format!("{OPERATION_URI}{}", op.id),
    }
}

/// The paging kind, as the library's one rule names it.
fn paging(op: &OperationInfo) -> Paging {
    match op.paging() {
        justone_xhs::Paging::PageNumber { .. } => Paging::PageNumber,
        justone_xhs::Paging::Cursor { .. } => Paging::Cursor,
        _ => Paging::None,
    }
}

/// A description without the "Available Values" list the documents
/// append (its meanings are in each value's entry).
fn described(p: &ParamInfo) -> &'static str {
    p.description
        .split_once("Available Values:")
        .map_or(p.description, |(text, _)| text)
        .trim()
}

/// The parameters of `op` as the JSON Schema of call_operation's `params`.
fn params_schema(op: &OperationInfo) -> Value {
    let mut properties = Map::new();
    for p in op.params {
        let mut property = json!({ "type": p.kind.name(), "description": described(p) });
        if !p.enum_values.is_empty() {
            property["enum"] = json!(p.enum_values);
        }
        if let Some(default) = p.default {
            property["default"] = json!(default);
        }
        properties.insert(p.name.to_owned(), property);
    }
    let required: Vec<&str> = op.params.iter().filter(|p| p.required).map(|p| p.name).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": op.id,
        "description": op.summary,
        "deprecated": op.deprecated,
        "x-paging": paging(op),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The resources: the channel list, then one per operation.
pub fn resources() -> ListResourcesResult {
    let channels = Resource::new(CHANNELS_URI, "channels")
        .with_description(
            "The feed channels: slug, oid, English label and Chinese name (what list_channels returns).",
        )
        .with_mime_type("application/json");
    let operations = Client::operations().iter().map(|op| {
        Resource::new(format!("{OPERATION_URI}{}", op.id), op.id)
            .with_description(format!(
                "The parameters of {} as a JSON Schema: {}",
                op.id, op.summary
            ))
            .with_mime_type("application/json")
    });
    let all = std::iter::once(channels).chain(operations).collect();
    ListResourcesResult::with_all_items(all)
}

/// The resource at `uri`.
pub fn read(uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let value = if uri == CHANNELS_URI {
        json!(Channels::all().channels)
    } else {
        let op = uri
            .strip_prefix(OPERATION_URI)
            .and_then(|id| Client::operations().iter().find(|op| op.id == id))
            .ok_or_else(|| {
                ErrorData::resource_not_found(format!("no resource {uri:?}; resources/list lists them"), None)
            })?;
        params_schema(op)
    };
    let text =
        serde_json::to_string_pretty(&value).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type("application/json"),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(id: &str) -> OperationEntry {
        operations()
            .into_iter()
            .find(|op| op.operation == id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    #[test]
    fn enum_values_come_with_their_meanings_and_paging_is_named() {
        let with_meanings = operations()
            .into_iter()
            .flat_map(|op| op.params)
            .flat_map(|p| p.values)
            .filter(|v| !v.meaning.is_empty())
            .count();
        assert!(with_meanings > 10, "{with_meanings}");
        assert_eq!(find("getApiXiaohongshuGetNoteDetailV1").paging, Paging::None);
        assert!(operations().iter().any(|op| op.paging == Paging::Cursor));
        assert!(operations().iter().any(|op| op.paging == Paging::PageNumber));
        assert!(operations().iter().any(|op| op.deprecated));
    }

    #[test]
    fn every_operation_has_a_schema_resource() {
        let listed = resources().resources;
        assert_eq!(listed.len(), 1 + Client::operations().len());
        let schema = read(&find("getApiXiaohongshuGetNoteDetailV1").schema_resource).unwrap();
        assert_eq!(schema.contents.len(), 1);
        assert!(read("justone-xhs://operations/nope").is_err());
    }
}
