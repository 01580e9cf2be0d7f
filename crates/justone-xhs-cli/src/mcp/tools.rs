//! The MCP tools. Each is one `#[tool]` method of [`FeedTools`]: its input
//! schema comes from its argument struct (schemars), its description is what
//! an agent reads before calling it, so it says what a call may cost.
//! Adding a tool is one argument struct and one method here.

use futures::StreamExt;
use justone_xhs::{Channel, Client};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::ToolError;
use super::results;

/// The most pages one `get_feed_pages` call fetches: a bound on what one
/// call can cost (each page is one billed request, plus retries).
pub const MAX_PAGES_PER_CALL: u32 = 10;

/// The highest page the API takes (its `page` is an int32).
const LAST_PAGE: i64 = i32::MAX as i64;

// Argument descriptions shared by the tools; an agent reads them as one line
// each (a doc comment would keep its line breaks in the schema).
const CHANNEL: &str = "The channel: slug (`food`), oid (`homefeed_food_v3`), English label (`movie and tv`) or Chinese name (`美食`); see list_channels.";
const RAW: &str = "true: the provider's item objects unchanged, instead of normalized records.";

/// The MCP server: one client shared by every tool call.
#[derive(Clone)]
pub struct FeedTools {
    client: Client,
    tool_router: ToolRouter<FeedTools>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct GetFeedArgs {
    #[schemars(description = CHANNEL)]
    channel: String,
    /// The page, from 1.
    #[serde(default = "first_page")]
    #[schemars(range(min = 1, max = 2147483647))]
    page: i64,
    #[serde(default)]
    #[schemars(description = RAW)]
    raw: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct GetFeedPagesArgs {
    #[schemars(description = CHANNEL)]
    channel: String,
    /// The first page, from 1.
    #[serde(default = "first_page")]
    #[schemars(range(min = 1, max = 2147483647))]
    from_page: i64,
    /// How many pages, at most 10 per call; fewer when the feed ends.
    #[schemars(range(min = 1, max = MAX_PAGES_PER_CALL))]
    pages: i64,
    #[serde(default)]
    #[schemars(description = RAW)]
    raw: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CallOperationArgs {
    /// The operationId, from list_operations (`getApiXiaohongshuGetNoteDetailV1`).
    operation: String,
    /// The parameters by name, values as text or JSON numbers and booleans
    /// (`{"noteId": "…"}`); the token is added by the server.
    #[serde(default)]
    params: serde_json::Map<String, Value>,
}

fn first_page() -> i64 {
    1
}

#[tool_router]
impl FeedTools {
    pub fn new(client: Client) -> FeedTools {
        FeedTools {
            client,
            tool_router: FeedTools::tool_router(),
        }
    }

    #[tool(
        description = "List the feed channels: slug, oid, English label and Chinese name of each. Sends no request to the API, so this call is never billed.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_channels(&self) -> CallToolResult {
        CallToolResult::structured(json!({ "channels": crate::channels_json() }))
    }

    #[tool(
        description = "Fetch one page of a channel's Xiaohongshu (RedNote) notes feed. Each call sends one request to Just One API, which may be billed (retries of a failed request count too). Items are normalized records (channel, page, id, type, title, desc, likes, author, category, timestamp, is_ads, cover, fetched_at, request_id), or with raw: true the provider's objects unchanged. next_page is null when the feed has ended.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_feed(&self, Parameters(args): Parameters<GetFeedArgs>) -> Result<CallToolResult, ToolError> {
        let (channel, warning) = channel_named(&args.channel)?;
        let page = page_number("page", args.page)?;
        let fetched = self.client.note_feed(&channel, page).await?;
        let mut result = results::header(channel.oid(), warning);
        result.extend(results::page(&fetched, args.raw)?);
        // None at the end of the feed, and past the API's last page.
        let next = page
            .checked_add(1)
            .filter(|next| !fetched.is_end() && i64::from(*next) <= LAST_PAGE);
        result.insert("next_page".to_owned(), json!(next));
        Ok(CallToolResult::structured(Value::Object(result)))
    }

    #[tool(
        description = "Fetch up to 10 consecutive pages of a channel's Xiaohongshu (RedNote) notes feed in one call, stopping at the end of the feed. Each page is one request to Just One API, which may be billed (retries count too): a call costs at most `pages` requests plus retries. Items as in get_feed. next_page is where to continue, null when the feed has ended. If a page fails, the error comes with the pages fetched before it.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_feed_pages(
        &self,
        Parameters(args): Parameters<GetFeedPagesArgs>,
    ) -> Result<CallToolResult, ToolError> {
        let (channel, warning) = channel_named(&args.channel)?;
        let from = page_number("from_page", args.from_page)?;
        let count = match u32::try_from(args.pages) {
            Ok(count @ 1..=MAX_PAGES_PER_CALL) => count,
            _ => {
                return Err(ToolError::invalid_argument(format!(
                    "pages must be from 1 to {MAX_PAGES_PER_CALL}, got {}",
                    args.pages
                )));
            }
        };
        if i64::from(from) + i64::from(count) - 1 > LAST_PAGE {
            return Err(ToolError::invalid_argument(format!(
                "from_page + pages - 1 must not pass {LAST_PAGE}, the API's last page"
            )));
        }
        let mut result = results::header(channel.oid(), warning);
        result.insert("from_page".to_owned(), json!(from));
        // The library's page walk: one request at a time, nothing after the
        // page that ends the feed or fails.
        let mut walk = Box::pin(
            self.client
                .pages(channel)
                .start(from)
                .limit(count)
                .include_end(true)
                .stream(),
        );
        let mut pages = Vec::new();
        let mut ended = false;
        while let Some(fetched) = walk.next().await {
            match fetched {
                Ok(page) if page.is_end() => ended = true,
                Ok(page) => pages.push(Value::Object(results::page(&page, args.raw)?)),
                Err(error) => {
                    let failed = from + pages.len() as u32;
                    result.insert("pages".to_owned(), Value::Array(pages));
                    result.insert("next_page".to_owned(), json!(failed));
                    return Err(ToolError::from(error).with_partial(result));
                }
            }
        }
        let next = from
            .checked_add(pages.len() as u32)
            .filter(|next| !ended && i64::from(*next) <= LAST_PAGE);
        result.insert("pages".to_owned(), Value::Array(pages));
        result.insert("next_page".to_owned(), json!(next));
        Ok(CallToolResult::structured(Value::Object(result)))
    }

    #[tool(
        description = "List the provider's operations this server can call: the 28 Xiaohongshu (RedNote) operations of Just One API's public document, the Notes Feed and the account endpoints, each with its operationId, method, path, summary and parameters (name, type, required, allowed values). Sends no request, so this call is never billed.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_operations(&self) -> CallToolResult {
        let operations: Vec<Value> = Client::operations()
            .iter()
            .map(|op| {
                let params: Vec<Value> = op
                    .params
                    .iter()
                    .map(|p| {
                        json!({
                            "name": p.name,
                            "type": p.kind.name(),
                            "required": p.required,
                            "enum": p.enum_values,
                            "default": p.default,
                        })
                    })
                    .collect();
                json!({"operation": op.id, "method": op.method, "path": op.path, "summary": op.summary, "params": params})
            })
            .collect();
        CallToolResult::structured(json!({ "operations": operations }))
    }

    #[tool(
        description = "Call one of the provider's operations (see list_operations) with its parameters. Parameters are checked against the operation's documented list before anything is sent (unknown names, missing required ones and values outside the allowed ones are refused without cost). A call sends one request to Just One API, which may be billed (retries count too). Returns the provider's data unchanged and its request_id.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn call_operation(
        &self,
        Parameters(args): Parameters<CallOperationArgs>,
    ) -> Result<CallToolResult, ToolError> {
        let params = args
            .params
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name, text)),
                Value::Number(_) | Value::Bool(_) => Ok((name, value.to_string())),
                other => Err(ToolError::invalid_argument(format!(
                    "parameter {name}: a text, number or boolean is expected, got {other}"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let answer = self.client.call_operation(&args.operation, &params).await?;
        Ok(CallToolResult::structured(results::response(
            &args.operation,
            &answer,
        )?))
    }

    #[tool(
        description = "The Just One API account's balance, exactly as the provider states it (a decimal text such as \"100.0000\", and the currency). Sends one request, which may be billed.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_account_balance(&self) -> Result<CallToolResult, ToolError> {
        let balance = self.client.balance().await?;
        Ok(CallToolResult::structured(json!({
            "balance": balance.balance,
            "currency": balance.currency,
            "request_id": balance.request_id,
        })))
    }

    #[tool(
        description = "The Just One API account's usage summary, as the provider sends it (its shape is not documented). Sends one request, which may be billed.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_usage_summary(&self) -> Result<CallToolResult, ToolError> {
        let answer = self.client.usage_summary().await?;
        Ok(CallToolResult::structured(results::response(
            "getUserGetUsageSummary",
            &answer,
        )?))
    }
}

#[tool_handler(
    router = self.tool_router,
    name = "justone-xhs",
    instructions = "Xiaohongshu (RedNote) data through Just One API. list_channels and list_operations are free; every other tool sends requests that may be billed (get_feed_pages one per page)."
)]
impl rmcp::ServerHandler for FeedTools {}

/// The channel an agent named; see `crate::cli::channel_named`.
fn channel_named(name: &str) -> Result<(Channel, Option<String>), ToolError> {
    crate::cli::channel_named(name.trim()).map_err(ToolError::invalid_argument)
}

/// A page number the API takes (1 to 2147483647), or a refusal naming the
/// argument; nothing is sent for a refused one.
fn page_number(name: &str, page: i64) -> Result<u32, ToolError> {
    u32::try_from(page)
        .ok()
        .filter(|p| (1..=LAST_PAGE).contains(&i64::from(*p)))
        .ok_or_else(|| {
            ToolError::invalid_argument(format!("{name} must be from 1 to {LAST_PAGE}, got {page}"))
        })
}
