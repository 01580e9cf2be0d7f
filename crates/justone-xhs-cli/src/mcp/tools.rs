//! The MCP tools. Each is one `#[tool]` method of [`FeedTools`]: its
//! `inputSchema` is its argument struct's (`arguments.rs`), its
//! `outputSchema` its result type's (`results.rs`), and its description and
//! annotations are what an agent and its host read before calling it, so
//! they say what a call may cost: the billed tools are not read-only, which
//! makes hosts ask the person first.
//!
//! A call that sends requests runs on a client of its own
//! (`Client::with_cancellation`) that shares the session's limits and
//! budget and stops with the call's cancellation token (cancelled by
//! `notifications/cancelled`, a closed stdin or a signal): nothing more is
//! sent for it, and its request in flight is dropped, not retried.

use std::future::Future;

use futures::StreamExt;
use justone_xhs::{Client, Error, NextPage};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolResult, JsonObject, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, tool, tool_handler, tool_router};
use serde_json::{Map, Value, json};

use super::arguments::{
    self, CallOperationArgs, GetFeedArgs, GetFeedPagesArgs, LAST_PAGE, MAX_PAGES_PER_CALL, NoArgs,
    input_schema,
};
use super::catalog;
use super::errors::ToolError;
use super::progress::Progress;
use super::results::{
    self, BalanceResult, Channels, Cost, FeedChannel, FeedPageResult, FeedPagesResult, OperationResult,
    Operations, PageItems, output_schema,
};
use super::size::{Count, Shape, TEXT_BUDGET};
use crate::record_fields;

/// What every billed tool's description ends with: the billing rules.
macro_rules! billing_rules {
    () => {
        " Billing: every request to Just One API may be charged to the user's account. A failure that may already have been charged (HTTP 5xx, business code 500 or 503, a timeout, a connection broken after sending) is not sent again: its error says may_have_been_billed: true and retryable: false, and calling again may be charged again. Rate limits (code 302, HTTP 429) and code 301 are retried within the call. Every result and error says requests_sent (this call, retries included), session_requests_sent and budget_left."
    };
}

/// The MCP server: one client for the session, cloned per call.
#[derive(Clone)]
pub struct FeedTools {
    client: Client,
    /// The session's --max-requests, to say what is left of it.
    max_requests: Option<u64>,
    tool_router: ToolRouter<FeedTools>,
}

#[tool_router]
impl FeedTools {
    pub fn new(client: Client, max_requests: Option<u64>) -> FeedTools {
        let mut tool_router = FeedTools::tool_router();
        // Hosts show a tool's `title` (MCP 2025-06-18) or its annotations'
        // title (before): the same words in both, so that "billed" shows
        // whichever a host reads.
        for route in tool_router.map.values_mut() {
            route.attr.title = route.attr.annotations.as_ref().and_then(|a| a.title.clone());
        }
        FeedTools {
            client,
            max_requests,
            tool_router,
        }
    }

    #[tool(
        description = "List the feed channels: slug, oid, English label and Chinese name of each (also the resource justone-xhs://channels). Sends no request to the API, so this call is never billed.",
        input_schema = input_schema::<NoArgs>(),
        output_schema = output_schema::<Channels>(),
        annotations(title = "List feed channels (free)", read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn list_channels(&self, arguments: JsonObject) -> Result<CallToolResult, ToolError> {
        arguments::parse::<NoArgs>(arguments)?;
        results::success(&Channels::all())
    }

    #[tool(
        description = concat!(
            "Fetch one page of a channel's Xiaohongshu (RedNote) notes feed: one billed request. Items are normalized records (channel, page, id, type, title, desc, likes, author, category, timestamp, is_ads, cover), or with raw: true the provider's objects unchanged; `fields` keeps only some fields, `max_items` only the first items, and the result stays under about 100 KB (item_count, cut and note say what was left out). next_page is null when the feed has ended.",
            billing_rules!()
        ),
        input_schema = input_schema::<GetFeedArgs>(),
        output_schema = output_schema::<FeedPageResult>(),
        annotations(title = "Fetch a feed page (billed: one request)", read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = true)
    )]
    async fn get_feed(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let args: GetFeedArgs = arguments::parse(arguments)?;
        let (channel, warning) = arguments::channel::<GetFeedArgs>(&args.channel)?;
        let page = arguments::page_number::<GetFeedArgs>("page", args.page)?;
        let shape = shape(&args.fields, args.max_items, args.raw)?;
        let call = self.client.with_cancellation(context.ct.clone());
        let mut progress = Progress::new(&context, 1);
        until_cancelled(
            &context,
            async {
                let fetched = match call.note_feed(&channel, page).await {
                    Ok(fetched) => fetched,
                    Err(error) => return Err(self.failure(&call, error, Map::new())),
                };
                progress.page(page, &page_summary(fetched.items.len())).await;
                let mut items = PageItems::of(&fetched, args.raw, &shape)?;
                let fitted = shape.fit(std::mem::take(&mut items.items), 0, 0);
                items.items = fitted.items;
                let count = Count {
                    item_count: items.items.len(),
                    cut: fitted.left_out > 0,
                    items_left_out: fitted.left_out,
                    note: (fitted.left_out > 0).then(|| left_out_note(fitted.left_out, page)),
                };
                // None at the end of the feed, and past the API's last page.
                let next_page = page
                    .checked_add(1)
                    .filter(|next| !fetched.is_end() && i64::from(*next) <= LAST_PAGE);
                results::success(&FeedPageResult {
                    channel: FeedChannel {
                        channel: channel.oid().to_owned(),
                        warning,
                    },
                    page: items,
                    count,
                    next_page,
                    cost: self.cost(&call),
                })
            },
            || self.cancelled(&call, Map::new(), 0),
        )
        .await
    }

    #[tool(
        description = concat!(
            "Fetch up to 10 consecutive pages of a channel's Xiaohongshu (RedNote) notes feed in one call, one billed request per page, stopping at the end of the feed, at max_items, or before a page that would take the result past about 100 KB (so no page is paid for and then dropped). Items as in get_feed, with `fields` and `max_items`. next_page is where to continue (from_page of the next call), null when the feed has ended. If a page fails, the error comes with the pages fetched before it. With _meta.progressToken, a progress notification follows each page.",
            billing_rules!()
        ),
        input_schema = input_schema::<GetFeedPagesArgs>(),
        output_schema = output_schema::<FeedPagesResult>(),
        annotations(title = "Fetch feed pages (billed: one request per page)", read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = true)
    )]
    async fn get_feed_pages(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let args: GetFeedPagesArgs = arguments::parse(arguments)?;
        let (channel, warning) = arguments::channel::<GetFeedPagesArgs>(&args.channel)?;
        let from = arguments::page_number::<GetFeedPagesArgs>("from_page", args.from_page)?;
        let count = match u32::try_from(args.pages) {
            Ok(count @ 1..=MAX_PAGES_PER_CALL) => count,
            _ => {
                return Err(ToolError::invalid_argument(
                    "pages",
                    format!("pages must be from 1 to {MAX_PAGES_PER_CALL}, got {}", args.pages),
                    arguments::allowed::<GetFeedPagesArgs>("pages"),
                ));
            }
        };
        if i64::from(from) + i64::from(count) - 1 > LAST_PAGE {
            return Err(ToolError::invalid_argument(
                "from_page",
                format!("from_page + pages - 1 must not pass {LAST_PAGE}, the API's last page"),
                arguments::allowed::<GetFeedPagesArgs>("from_page"),
            ));
        }
        let shape = shape(&args.fields, args.max_items, args.raw)?;
        let call = self.client.with_cancellation(context.ct.clone());
        let mut progress = Progress::new(&context, count);
        // What the call has got so far, for the error a cancellation ends
        // it with: the pages already paid for are the agent's.
        let partial = |pages: &[PageItems], next_page: Option<u32>| {
            let mut partial = Map::new();
            partial.insert("channel".to_owned(), json!(channel.oid()));
            partial.insert("from_page".to_owned(), json!(from));
            partial.insert("pages".to_owned(), json!(pages));
            partial.insert("next_page".to_owned(), json!(next_page));
            partial
        };
        let so_far = std::sync::Mutex::new((partial(&[], Some(from)), 0));
        until_cancelled(
            &context,
            async {
                // The library's page walk: one request at a time, each made only
                // when pulled, so stopping early sends nothing more.
                let mut walk = Box::pin(
                    call.pages(&channel)
                        .start(from)
                        .limit(count)
                        .include_end(true)
                        .stream(),
                );
                let mut pages: Vec<PageItems> = Vec::new();
                let (mut taken, mut used, mut left_out, mut last_bytes) = (0, 0, 0, 0);
                let mut next_page = Some(from);
                let mut note = None;
                loop {
                    if let Some(stop) = early_stop(&shape, taken, used, last_bytes, left_out, &pages) {
                        note = Some(stop);
                        break;
                    }
                    let Some(fetched) = walk.next().await else {
                        break;
                    };
                    let fetched = match fetched {
                        Ok(page) => page,
                        Err(error) => return Err(self.failure(&call, error, partial(&pages, next_page))),
                    };
                    if fetched.is_end() {
                        progress.page(fetched.page, "the feed has ended").await;
                        next_page = None;
                        break;
                    }
                    progress
                        .page(fetched.page, &page_summary(fetched.items.len()))
                        .await;
                    let mut items = PageItems::of(&fetched, args.raw, &shape)?;
                    let fitted = shape.fit(std::mem::take(&mut items.items), taken, used);
                    taken += fitted.items.len();
                    used += fitted.bytes;
                    last_bytes = fitted.bytes;
                    left_out += fitted.left_out;
                    items.items = fitted.items;
                    pages.push(items);
                    next_page = fetched
                        .page
                        .checked_add(1)
                        .filter(|next| i64::from(*next) <= LAST_PAGE);
                    if let Ok(mut so_far) = so_far.lock() {
                        *so_far = (partial(&pages, next_page), pages.len() as u64);
                    }
                }
                results::success(&FeedPagesResult {
                    channel: FeedChannel {
                        channel: channel.oid().to_owned(),
                        warning,
                    },
                    from_page: from,
                    count: Count {
                        item_count: taken,
                        cut: left_out > 0,
                        items_left_out: left_out,
                        note,
                    },
                    pages,
                    next_page,
                    cost: self.cost(&call),
                })
            },
            || {
                let (partial, answered) = so_far.lock().map(|s| s.clone()).unwrap_or_default();
                self.cancelled(&call, partial, answered)
            },
        )
        .await
    }

    #[tool(
        description = "List the provider's operations call_operation can send: the 54 Xiaohongshu operations of Just One API's public document (RedNote, Creator Marketplace, e-commerce), the Notes Feed and the account endpoints. Each with its operationId, method, path, summary, whether it is deprecated, its paging (page-number, cursor or none) and its parameters (type, required, description, allowed values with their meanings, default); its parameters as a JSON Schema are the resource in schema_resource. Sends no request, so this call is never billed.",
        input_schema = input_schema::<NoArgs>(),
        output_schema = output_schema::<Operations>(),
        annotations(title = "List API operations (free)", read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn list_operations(&self, arguments: JsonObject) -> Result<CallToolResult, ToolError> {
        arguments::parse::<NoArgs>(arguments)?;
        results::success(&Operations {
            operations: catalog::operations(),
        })
    }

    #[tool(
        description = concat!(
            "Call one of the provider's operations (see list_operations) with its parameters: one billed request per page (`pages`, at most 10, for an operation that pages; the walk stops where the answers say there is no more, and `next_params` continues it). Parameters are checked against the operation's documented list before anything is sent (unknown names, missing required ones and values outside the allowed ones are refused without cost). Returns the provider's data and its request_id; `fields` and `max_items` shape the answer's list (data itself when it is an array, else its first array field, named by items_at), and the result stays under about 100 KB.",
            billing_rules!()
        ),
        input_schema = input_schema::<CallOperationArgs>(),
        output_schema = output_schema::<OperationResult>(),
        annotations(title = "Call an API operation (billed: one request)", read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = true)
    )]
    async fn call_operation(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let args: CallOperationArgs = arguments::parse(arguments)?;
        let params = args
            .params
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name, text)),
                Value::Number(_) | Value::Bool(_) => Ok((name, value.to_string())),
                other => Err(ToolError::invalid_argument(
                    format!("params.{name}"),
                    format!("parameter {name}: a text, number or boolean is expected, got {other}"),
                    json!({"type": ["string", "number", "boolean"]}),
                )
                .with_hint("list_operations")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let shape = Shape::new(args.fields, args.max_items);
        check_max_items(args.max_items)?;
        if !(1..=10).contains(&args.pages) {
            return Err(ToolError::invalid_argument(
                "pages",
                format!("pages must be 1 to 10, got {}", args.pages),
                arguments::allowed::<CallOperationArgs>("pages"),
            ));
        }
        let call = self.client.with_cancellation(context.ct.clone());
        // Checked before anything is sent, like a single call.
        let walk = call
            .operation_pages(&args.operation, &params)
            .map_err(|error| self.failure(&call, error, Map::new()))?
            .limit(args.pages);
        let operation = walk.operation();
        let mut progress = Progress::new(&context, args.pages);
        until_cancelled(
            &context,
            async {
                // The library's page walk: each page requested only when pulled,
                // so a result that is full sends nothing more.
                let mut pages = Box::pin(walk.stream());
                let mut result: Option<OperationResult> = None;
                let mut used = 0;
                let mut number = 0;
                let mut last_next = None;
                while let Some(fetched) = pages.next().await {
                    let page = match fetched {
                        Ok(page) => page,
                        Err(error) => {
                            let mut partial = Map::new();
                            if let Some(done) = result.take() {
                                partial.insert("pages_before_the_error".to_owned(), json!(done));
                            }
                            return Err(self.failure(&call, error, partial));
                        }
                    };
                    number += 1;
                    progress.page(number, "page received").await;
                    match result.as_mut() {
                        None => {
                            let first = OperationResult::new(
                                &args.operation,
                                &page.answer,
                                &shape,
                                self.cost(&call),
                            )?;
                            used = first.first_page_bytes();
                            result = Some(first);
                        }
                        Some(result) => used += result.add_page(&page.answer, &shape, used)?,
                    }
                    last_next = Some(page.next);
                    if shape.full(result.as_ref().map_or(0, |r| r.count.item_count)) || used >= TEXT_BUDGET {
                        break;
                    }
                }
                let Some(mut result) = result else {
                    return Err(ToolError::protocol(format!(
                        "{}: no page was received",
                        args.operation
                    )));
                };
                match last_next {
                    Some(NextPage::Params(next)) => {
                        result.next_params =
                            Some(next.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
                    }
                    Some(NextPage::End(why)) => result.paging_note = Some(why.to_owned()),
                    Some(NextPage::Unreadable(why)) => result.paging_note = Some(why),
                    _ => {}
                }
                if operation.deprecated || operation.hidden {
                    result.warning = Some(crate::api_command::lifecycle_warning(operation));
                }
                result.cost = self.cost(&call);
                results::success(&result)
            },
            || self.cancelled(&call, Map::new(), 0),
        )
        .await
    }

    #[tool(
        description = "The Just One API account's balance, exactly as the provider states it (a decimal text such as \"100.0000\", and the currency). Sends one request to the account endpoint, which the provider's own server treats as read-only; whether it is billed is not documented. The result says requests_sent, session_requests_sent and budget_left.",
        input_schema = input_schema::<NoArgs>(),
        output_schema = output_schema::<BalanceResult>(),
        annotations(title = "Account balance (one request)", read_only_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_account_balance(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        arguments::parse::<NoArgs>(arguments)?;
        let call = self.client.with_cancellation(context.ct.clone());
        until_cancelled(
            &context,
            async {
                match call.balance().await {
                    Ok(balance) => results::success(&BalanceResult {
                        balance: balance.balance,
                        currency: balance.currency,
                        request_id: balance.request_id,
                        cost: self.cost(&call),
                    }),
                    Err(error) => Err(self.failure(&call, error, Map::new())),
                }
            },
            || self.cancelled(&call, Map::new(), 0),
        )
        .await
    }

    #[tool(
        description = "The Just One API account's usage summary, as the provider sends it (its shape is not documented). Sends one request to the account endpoint, which the provider's own server treats as read-only; whether it is billed is not documented. The result says requests_sent, session_requests_sent and budget_left.",
        input_schema = input_schema::<NoArgs>(),
        output_schema = output_schema::<OperationResult>(),
        annotations(title = "Account usage summary (one request)", read_only_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_usage_summary(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        arguments::parse::<NoArgs>(arguments)?;
        let call = self.client.with_cancellation(context.ct.clone());
        until_cancelled(
            &context,
            async {
                match call.usage_summary().await {
                    Ok(answer) => results::success(&OperationResult::new(
                        "getUserGetUsageSummary",
                        &answer,
                        &Shape::default(),
                        self.cost(&call),
                    )?),
                    Err(error) => Err(self.failure(&call, error, Map::new())),
                }
            },
            || self.cancelled(&call, Map::new(), 0),
        )
        .await
    }
}

impl FeedTools {
    /// What `call` has cost so far.
    fn cost(&self, call: &Client) -> Cost {
        Cost::of(call, self.max_requests)
    }

    /// The error of a call its cancellation stopped: what it got before
    /// (`partial`), what it cost, and whether a request it sent went
    /// unanswered (`answered` answers came back), which may have been billed.
    fn cancelled(&self, call: &Client, mut partial: Map<String, Value>, answered: u64) -> ToolError {
        partial.extend(self.cost(call).fields());
        ToolError::cancelled()
            .with_may_have_been_billed(call.scope_request_count() > answered)
            .with_partial(partial)
    }

    /// `error` as the call's result, with what it got before (`partial`)
    /// and what it cost.
    fn failure(&self, call: &Client, error: Error, mut partial: Map<String, Value>) -> ToolError {
        partial.extend(self.cost(call).fields());
        let hint = matches!(error, Error::BudgetSpent { .. })
            .then_some("the server's --max-requests budget is spent: nothing more can be sent this session");
        let error = ToolError::from(error).with_partial(partial);
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl rmcp::ServerHandler for FeedTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().build())
            .with_server_info(rmcp::model::Implementation::new("justone-xhs", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Xiaohongshu (RedNote) data through Just One API. list_channels and list_operations are free; get_feed, get_feed_pages and call_operation send requests that may be billed (get_feed_pages one per page), and are not retried when a failure may already have been billed. Resources: justone-xhs://channels and justone-xhs://operations/{operationId}.".to_owned(),
            )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(catalog::resources())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        catalog::read(&request.uri).map(Into::into)
    }
}

/// Runs a call until it ends or is cancelled; a cancelled call's request in
/// flight is dropped and the call ends with `cancelled()` (an agent's cancel
/// gets no answer, as MCP asks; a signal or a closed stdin does).
async fn until_cancelled(
    context: &RequestContext<RoleServer>,
    work: impl Future<Output = Result<CallToolResult, ToolError>>,
    cancelled: impl FnOnce() -> ToolError,
) -> Result<CallToolResult, ToolError> {
    context
        .ct
        .run_until_cancelled(work)
        .await
        .unwrap_or_else(|| Err(cancelled()))
}

/// The fields and count asked for, refused when `fields` names something a
/// normalized record does not have (any name goes for raw objects).
fn shape(fields: &Option<Vec<String>>, max_items: Option<u32>, raw: bool) -> Result<Shape, ToolError> {
    check_max_items(max_items)?;
    let names: Vec<&str> = record_fields::RECORD.iter().map(|field| field.name()).collect();
    if !raw
        && let Some(unknown) = fields
            .iter()
            .flatten()
            .find(|name| !names.contains(&name.as_str()))
    {
        return Err(ToolError::invalid_argument(
            "fields",
            format!("a record has no field {unknown:?} (raw: true returns the provider's objects)"),
            json!(names),
        ));
    }
    Ok(Shape::new(fields.clone(), max_items))
}

fn check_max_items(max_items: Option<u32>) -> Result<(), ToolError> {
    if max_items == Some(0) {
        return Err(ToolError::invalid_argument(
            "max_items",
            "max_items must be at least 1",
            json!({"type": "integer", "minimum": 1}),
        ));
    }
    Ok(())
}

/// Why a page walk stops before its next page, if it does: `max_items` is
/// reached, the last page was cut, or the next page (as big as the last)
/// would take the result past [`TEXT_BUDGET`].
fn early_stop(
    shape: &Shape,
    taken: usize,
    used: usize,
    last_bytes: usize,
    left_out: usize,
    pages: &[PageItems],
) -> Option<String> {
    let after = pages.last()?.page;
    if left_out > 0 {
        return Some(left_out_note(left_out, after));
    }
    if shape.full(taken) {
        return Some(format!(
            "max_items reached after page {after}; continue with from_page: next_page"
        ));
    }
    (used + last_bytes > TEXT_BUDGET).then(|| {
        format!(
            "stopped after page {after} to keep the result under about 100 KB; continue with from_page: next_page, or ask for fewer fields with `fields`"
        )
    })
}

fn left_out_note(left_out: usize, page: u32) -> String {
    format!(
        "{left_out} items of page {page} left out by max_items or the ~100 KB bound; ask for fewer fields with `fields` (fetching the page again is billed again)"
    )
}

fn page_summary(items: usize) -> String {
    format!("{items} items")
}
