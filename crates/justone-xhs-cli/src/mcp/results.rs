//! What each tool returns as `structuredContent`, as types: their JSON
//! Schemas are the tools' `outputSchema` (each with the error shape beside
//! it), so a result cannot drift from what the schema promises.

use std::sync::Arc;

use justone_xhs::{ApiResponse, Channel, Client, FeedPage};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::schemars::generate::SchemaSettings;
use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::errors::ToolError;
use super::size::{Count, Shape};
use crate::record::Record;

/// What a call cost: every billed tool's result (and error) carries it.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Cost {
    /// Requests this call sent, retries included; each may be billed.
    pub requests_sent: u64,
    /// Requests this server has sent since it started, every call included.
    pub session_requests_sent: u64,
    /// Requests the server's --max-requests budget still allows; null when
    /// it has none.
    pub budget_left: Option<u64>,
}

impl Cost {
    /// What `call` (a client made for one tool call) has cost so far.
    pub fn of(call: &Client, max_requests: Option<u64>) -> Cost {
        let session = call.request_count();
        Cost {
            requests_sent: call.scope_request_count(),
            session_requests_sent: session,
            budget_left: max_requests.map(|max| max.saturating_sub(session)),
        }
    }

    /// The cost as result fields, for an error's partial result.
    pub fn fields(self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        }
    }
}

/// `list_channels`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Channels {
    pub channels: Vec<ChannelEntry>,
}

/// One channel.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ChannelEntry {
    pub slug: &'static str,
    pub oid: &'static str,
    pub label: &'static str,
    pub label_zh: &'static str,
}

impl Channels {
    pub fn all() -> Channels {
        Channels {
            channels: Channel::ALL
                .iter()
                .map(|c| ChannelEntry {
                    slug: c.slug(),
                    oid: c.oid(),
                    label: c.label(),
                    label_zh: c.label_zh(),
                })
                .collect(),
        }
    }
}

/// The channel a feed result is of.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FeedChannel {
    /// The channel's oid.
    pub channel: String,
    /// Set for an oid this release does not list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// `get_feed`: one page.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FeedPageResult {
    #[serde(flatten)]
    pub channel: FeedChannel,
    #[serde(flatten)]
    pub page: PageItems,
    #[serde(flatten)]
    pub count: Count,
    /// The page to ask for next; null when the feed has ended.
    pub next_page: Option<u32>,
    #[serde(flatten)]
    pub cost: Cost,
}

/// `get_feed_pages`: consecutive pages.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FeedPagesResult {
    #[serde(flatten)]
    pub channel: FeedChannel,
    pub from_page: u32,
    pub pages: Vec<PageItems>,
    #[serde(flatten)]
    pub count: Count,
    /// Where to continue (from_page of the next call); null when the feed
    /// has ended.
    pub next_page: Option<u32>,
    #[serde(flatten)]
    pub cost: Cost,
}

/// One page's items.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PageItems {
    pub page: u32,
    /// The provider's `requestId`, for support requests.
    pub request_id: Option<String>,
    /// Normalized records, or with raw the provider's objects; only the
    /// `fields` asked for.
    pub items: Vec<Value>,
}

impl PageItems {
    /// The items of `page` as records or raw objects, with only the fields
    /// `shape` asks for.
    pub fn of(page: &FeedPage, raw: bool, shape: &Shape) -> Result<PageItems, ToolError> {
        let fetched_at = crate::utc_time::now();
        let items = page
            .items
            .iter()
            .map(|item| {
                if raw {
                    serde_json::to_value(item)
                } else {
                    serde_json::to_value(Record::new(page, item, &fetched_at))
                }
                .map(|item| shape.select(item))
            })
            .collect::<Result<_, _>>()
            .map_err(|e| {
                ToolError::protocol(format!("page {}: an item cannot be converted: {e}", page.page))
            })?;
        Ok(PageItems {
            page: page.page,
            request_id: page.request_id.clone(),
            items,
        })
    }
}

/// `call_operation` and `get_usage_summary`: an operation's answer.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OperationResult {
    pub operation: String,
    /// The provider's `requestId`, for support requests.
    pub request_id: Option<String>,
    /// The answer's `data` as the provider sent it (its list shaped by
    /// `fields` and `max_items`).
    pub data: Value,
    /// Where the list that `fields` and `max_items` shape is in `data` (a
    /// JSON pointer, `""` for `data` itself); null when `data` has none.
    pub items_at: Option<String>,
    /// The pages after the first, when `pages` asked for more, each shaped
    /// like the first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more_pages: Vec<MorePage>,
    /// The parameters of the next page, when the operation pages and the
    /// last answer says there is more: pass them as `params` to continue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_params: Option<Map<String, Value>>,
    /// Why there is no next page, or why the walk stopped early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paging_note: Option<String>,
    /// Set when the provider has deprecated the operation or hidden it from
    /// its documentation (it removes such operations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    #[serde(flatten)]
    pub count: Count,
    #[serde(flatten)]
    pub cost: Cost,
}

/// A page after the first of `call_operation` with `pages`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MorePage {
    pub request_id: Option<String>,
    pub data: Value,
    pub items_at: Option<String>,
}

/// One page's `data` with its list shaped, and what fitting it did.
struct Shaped {
    data: Value,
    items_at: Option<String>,
    kept: usize,
    left_out: usize,
    bytes: usize,
}

/// `answer`'s data with its list (`data` itself or its first array field)
/// shaped by `shape`, after `taken` items and `used` bytes of the result.
fn shaped(
    operation: &str,
    answer: &ApiResponse,
    shape: &Shape,
    taken: usize,
    used: usize,
) -> Result<Shaped, ToolError> {
    let mut data: Value = answer
        .json()
        .map_err(|e| ToolError::protocol(format!("{operation}: data cannot be read: {e}")))?;
    let items_at = match &mut data {
        Value::Array(_) => Some(String::new()),
        Value::Object(fields) => fields
            .iter()
            .find(|(_, value)| value.is_array())
            .map(|(name, _)| format!("/{}", name.replace('~', "~0").replace('/', "~1"))),
        _ => None,
    };
    let (mut kept, mut left_out, mut bytes) = (0, 0, 0);
    if let Some(list) = items_at.as_deref().and_then(|at| data.pointer_mut(at)) {
        let items: Vec<Value> = std::mem::take(list)
            .as_array_mut()
            .map(std::mem::take)
            .unwrap_or_default()
            .into_iter()
            .map(|item| shape.select(item))
            .collect();
        let fitted = shape.fit(items, taken, used);
        (kept, left_out, bytes) = (fitted.items.len(), fitted.left_out, fitted.bytes);
        *list = Value::Array(fitted.items);
    }
    Ok(Shaped {
        data,
        items_at,
        kept,
        left_out,
        bytes,
    })
}

impl OperationResult {
    /// `answer`'s data, its list (`data` itself or its first array field)
    /// shaped by `shape`.
    pub fn new(
        operation: &str,
        answer: &ApiResponse,
        shape: &Shape,
        cost: Cost,
    ) -> Result<OperationResult, ToolError> {
        let page = shaped(operation, answer, shape, 0, 0)?;
        let mut result = OperationResult {
            operation: operation.to_owned(),
            request_id: answer.request_id.clone(),
            data: page.data,
            items_at: page.items_at,
            more_pages: Vec::new(),
            next_params: None,
            paging_note: None,
            warning: None,
            count: Count::default(),
            cost,
        };
        result.counted(page.kept, page.left_out);
        Ok(result)
    }

    /// Adds a later page, shaped within what the result already holds;
    /// returns the bytes its items take.
    pub fn add_page(&mut self, answer: &ApiResponse, shape: &Shape, used: usize) -> Result<usize, ToolError> {
        let page = shaped(&self.operation, answer, shape, self.count.item_count, used)?;
        self.more_pages.push(MorePage {
            request_id: answer.request_id.clone(),
            data: page.data,
            items_at: page.items_at,
        });
        self.counted(page.kept, page.left_out);
        Ok(page.bytes)
    }

    /// Bytes the first page's items take (what a later page is fitted after).
    pub fn first_page_bytes(&self) -> usize {
        self.items_at
            .as_deref()
            .and_then(|at| self.data.pointer(at))
            .and_then(Value::as_array)
            .map_or(0, |items| {
                items.iter().map(|item| item.to_string().len() + 1).sum()
            })
    }

    fn counted(&mut self, kept: usize, left_out: usize) {
        self.count.item_count += kept;
        self.count.items_left_out += left_out;
        self.count.cut = self.count.items_left_out > 0;
        self.count.note = self.count.cut.then(|| {
            format!(
                "{} items left out by max_items or the ~100 KB bound; ask for fewer fields with `fields`",
                self.count.items_left_out
            )
        });
    }
}

/// `get_account_balance`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BalanceResult {
    /// The balance exactly as the provider states it (`"100.0000"`).
    pub balance: String,
    pub currency: String,
    pub request_id: Option<String>,
    #[serde(flatten)]
    pub cost: Cost,
}

/// `list_operations`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Operations {
    pub operations: Vec<super::catalog::OperationEntry>,
}

/// A failed call: the error, and what the call got before it failed
/// (pages already paid for, the cost).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Failure {
    pub error: ToolError,
}

/// `value` as a tool's successful result.
pub fn success(value: &impl Serialize) -> Result<CallToolResult, ToolError> {
    serde_json::to_value(value)
        .map(CallToolResult::structured)
        .map_err(|e| ToolError::protocol(format!("the result cannot be written: {e}")))
}

/// A tool's `outputSchema`: its result `T`, or a [`Failure`].
pub fn output_schema<T: JsonSchema>() -> Arc<JsonObject> {
    let mut generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    let success = generator.subschema_for::<T>();
    let failure = generator.subschema_for::<Failure>();
    let mut schema = Map::new();
    // MCP wants an object at the top.
    schema.insert("type".to_owned(), json!("object"));
    schema.insert("anyOf".to_owned(), json!([success, failure]));
    schema.insert("$defs".to_owned(), json!(generator.take_definitions(true)));
    Arc::new(schema)
}
