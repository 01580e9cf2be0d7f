//! The tools' arguments: one struct per tool, whose JSON Schema is the
//! tool's `inputSchema` (`additionalProperties: false`), and the reading of
//! a call's arguments into it. A refused argument is an INVALID_ARGUMENT
//! tool error that names the field and what it allows, before anything is
//! sent.

use justone_xhs::Channel;
use rmcp::handler::server::common::schema_for_input;
use rmcp::model::JsonObject;
use rmcp::schemars::{self, JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::errors::ToolError;

/// The most pages one `get_feed_pages` call fetches: a bound on what one
/// call can cost (each page is one billed request).
pub const MAX_PAGES_PER_CALL: u32 = 10;

/// The highest page the API takes (its `page` is an int32).
pub const LAST_PAGE: i64 = i32::MAX as i64;

// Argument descriptions shared by the tools; an agent reads them as one line
// each (a doc comment would keep its line breaks in the schema).
const CHANNEL: &str = "The channel: slug (`food`), oid (`homefeed_food_v3`), English label (`movie and tv`) or Chinese name (`美食`); list_channels lists them.";
const RAW: &str = "true: the provider's item objects unchanged, instead of normalized records.";
const FIELDS: &str = "Only these fields of each item (`[\"id\", \"title\", \"likes\"]`): names of the normalized record (channel, page, id, type, title, desc, likes, author, category, timestamp, is_ads, cover, fetched_at, request_id), or with raw: true keys of the provider's item. Default: every field.";
const MAX_ITEMS: &str = "At most this many items in the result. Default: as many as fit in about 100 KB of text; the result says what was left out.";

// The item arguments (raw, fields, max_items) are repeated, not a flattened
// struct: serde's flatten hides which field a wrong value was in, and the
// INVALID_ARGUMENT error must name it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetFeedArgs {
    #[schemars(schema_with = "channel_schema")]
    pub channel: String,
    /// The page, from 1.
    #[serde(default = "first_page")]
    #[schemars(range(min = 1, max = 2147483647))]
    pub page: i64,
    #[serde(default)]
    #[schemars(description = RAW)]
    pub raw: bool,
    #[serde(default)]
    #[schemars(description = FIELDS)]
    pub fields: Option<Vec<String>>,
    #[serde(default)]
    #[schemars(description = MAX_ITEMS, range(min = 1))]
    pub max_items: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetFeedPagesArgs {
    #[schemars(schema_with = "channel_schema")]
    pub channel: String,
    /// The first page, from 1.
    #[serde(default = "first_page")]
    #[schemars(range(min = 1, max = 2147483647))]
    pub from_page: i64,
    /// How many pages, at most 10 per call; fewer when the feed ends or the
    /// result is full.
    #[schemars(range(min = 1, max = MAX_PAGES_PER_CALL))]
    pub pages: i64,
    #[serde(default)]
    #[schemars(description = RAW)]
    pub raw: bool,
    #[serde(default)]
    #[schemars(description = FIELDS)]
    pub fields: Option<Vec<String>>,
    #[serde(default)]
    #[schemars(description = MAX_ITEMS, range(min = 1))]
    pub max_items: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallOperationArgs {
    /// The operationId, from list_operations (`getApiXiaohongshuGetNoteDetailV1`).
    pub operation: String,
    /// The parameters by name, values as text or JSON numbers and booleans
    /// (`{"noteId": "…"}`); the token is added by the server.
    #[serde(default)]
    pub params: serde_json::Map<String, Value>,
    /// Only these fields of each item of the answer's list (the `data`
    /// array, or the first array in `data`). Default: every field.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    #[serde(default)]
    #[schemars(description = MAX_ITEMS, range(min = 1))]
    pub max_items: Option<u32>,
    /// For an operation that pages (list_operations says how): follow up
    /// to this many pages, one billed request each, stopping where the
    /// answers say there is no more. Default 1.
    #[serde(default = "one_page")]
    #[schemars(range(min = 1, max = 10))]
    pub pages: u32,
}

fn one_page() -> u32 {
    1
}

/// The arguments of a tool that takes none.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

fn first_page() -> i64 {
    1
}

/// What `channel` accepts: a slug, a label or Chinese name, or an oid
/// (including one newer than this release).
fn channel_schema(_: &mut SchemaGenerator) -> Schema {
    let slugs: Vec<&str> = Channel::ALL.iter().map(|c| c.slug()).collect();
    let mut names: Vec<&str> = Channel::ALL
        .iter()
        .flat_map(|c| [c.label(), c.label_zh()])
        .filter(|name| !slugs.contains(name))
        .collect();
    names.dedup();
    json_schema!({
        "description": CHANNEL,
        "anyOf": [
            {"type": "string", "enum": slugs, "description": "A slug."},
            {"type": "string", "enum": names, "description": "An English label or Chinese name."},
            {
                "type": "string",
                "pattern": "^homefeed[a-z0-9_.]{0,56}$",
                "description": "A provider oid; one this release does not list is requested as given, with a warning."
            }
        ]
    })
}

/// The `inputSchema` of a tool whose arguments are `T`.
pub fn input_schema<T: JsonSchema + 'static>() -> std::sync::Arc<JsonObject> {
    // The schemas are this file's structs: one that cannot be made is a bug
    // every test of the server shows at once.
    schema_for_input::<T>()
        .unwrap_or_else(|e| panic!("the input schema of {}: {e}", std::any::type_name::<T>()))
}

/// What the argument `field` of `T` allows: its JSON Schema.
pub fn allowed<T: JsonSchema + 'static>(field: &str) -> Value {
    input_schema::<T>()
        .get("properties")
        .and_then(|properties| properties.get(field))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The call's arguments as `T`, or the refusal of the first one that is
/// unknown, missing or of the wrong type.
pub fn parse<T: DeserializeOwned + JsonSchema + 'static>(arguments: JsonObject) -> Result<T, ToolError> {
    let schema = input_schema::<T>();
    let known: Vec<&String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().collect())
        .unwrap_or_default();
    if let Some(unknown) = arguments.keys().find(|name| !known.contains(name)) {
        return Err(ToolError::invalid_argument(
            unknown.as_str(),
            format!("unknown argument {unknown:?}"),
            json!(known),
        ));
    }
    let required = schema.get("required").and_then(Value::as_array);
    if let Some(missing) = required
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|name| !arguments.contains_key(*name))
    {
        return Err(ToolError::invalid_argument(
            missing,
            format!("the argument {missing:?} is required"),
            allowed::<T>(missing),
        ));
    }
    serde_path_to_error::deserialize(Value::Object(arguments)).map_err(|e| {
        let field = e.path().to_string();
        let top = field.split(['.', '[']).next().unwrap_or_default().to_owned();
        ToolError::invalid_argument(field, e.inner().to_string(), allowed::<T>(&top))
    })
}

/// A page number the API takes (1 to 2147483647), or the refusal of the
/// argument `field`.
pub fn page_number<T: JsonSchema + 'static>(field: &str, page: i64) -> Result<u32, ToolError> {
    u32::try_from(page)
        .ok()
        .filter(|p| (1..=LAST_PAGE).contains(&i64::from(*p)))
        .ok_or_else(|| {
            ToolError::invalid_argument(
                field,
                format!("{field} must be from 1 to {LAST_PAGE}, got {page}"),
                allowed::<T>(field),
            )
        })
}

/// The channel an agent named (see `crate::cli::channel_named`).
pub fn channel<T: JsonSchema + 'static>(name: &str) -> Result<(Channel, Option<String>), ToolError> {
    crate::cli::channel_named(name.trim(), "the list_channels tool").map_err(|message| {
        ToolError::invalid_argument("channel", message, allowed::<T>("channel")).with_hint("list_channels")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_schema_lists_every_slug_and_refuses_other_arguments() {
        let schema = Value::Object((*input_schema::<GetFeedArgs>()).clone());
        assert_eq!(schema["additionalProperties"], false);
        let slugs = &schema["properties"]["channel"]["anyOf"][0]["enum"];
        assert_eq!(slugs.as_array().map(Vec::len), Some(Channel::ALL.len()));
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        let field = |arguments: Value| {
            let Value::Object(arguments) = arguments else {
                unreachable!()
            };
            let error = parse::<GetFeedArgs>(arguments).unwrap_err();
            serde_json::to_value(&error).unwrap()["field"].clone()
        };
        assert_eq!(field(json!({"channel": "food", "page": "two"})), "page");
        assert_eq!(field(json!({"channel": "food", "raw": "yes"})), "raw");
        assert_eq!(field(json!({"channel": "food", "max_items": -1})), "max_items");
        assert_eq!(field(json!({"page": 2})), "channel");
    }
}
