//! How fetched pages become a tool result's JSON: each item as the
//! normalized record `feed` writes in jsonl (`crate::record::Record`), or
//! with `raw` as the provider's object.

use justone_xhs::{ApiResponse, FeedPage};
use serde_json::{Map, Value, json};

use super::errors::ToolError;
use crate::record::Record;

/// One page: its number, the provider's `requestId` and its items.
pub fn page(page: &FeedPage, raw: bool) -> Result<Map<String, Value>, ToolError> {
    let mut fields = Map::new();
    fields.insert("page".to_owned(), json!(page.page));
    fields.insert("request_id".to_owned(), json!(page.request_id));
    fields.insert("items".to_owned(), Value::Array(items(page, raw)?));
    Ok(fields)
}

fn items(page: &FeedPage, raw: bool) -> Result<Vec<Value>, ToolError> {
    let fetched_at = crate::utc_time::now();
    page.items
        .iter()
        .map(|item| {
            if raw {
                serde_json::to_value(item)
            } else {
                serde_json::to_value(Record::new(page, item, &fetched_at))
            }
        })
        .collect::<Result<_, _>>()
        .map_err(|e| ToolError::protocol(format!("page {}: an item cannot be converted: {e}", page.page)))
}

/// The fields every feed result starts with: the channel requested and,
/// for an oid this release does not list, a warning.
pub fn header(oid: &str, warning: Option<String>) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("channel".to_owned(), json!(oid));
    if let Some(warning) = warning {
        fields.insert("warning".to_owned(), json!(warning));
    }
    fields
}

/// An operation's answer: `data` as the provider sent it, and its
/// `requestId`.
pub fn response(operation: &str, answer: &ApiResponse) -> Result<Value, ToolError> {
    let data = match answer.data.as_deref() {
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| ToolError::protocol(format!("{operation}: data cannot be read: {e}")))?,
        None => Value::Null,
    };
    Ok(json!({ "operation": operation, "request_id": answer.request_id, "data": data }))
}
