//! The demo server's answers for everything but the feed: the account
//! endpoints with fixed demo values, every paged operation with pages of
//! demo items that the library's page walk reads as it reads the
//! provider's, and every other operation with a placeholder `data` naming
//! it, so that `call_operation`, `operation_pages` and the CLI's `api`
//! command (with `--pages`) can be tried without a token.

use justone_gen::operations::{OPERATIONS, OperationInfo, Paging};

use super::demo_server::{Query, Reply};
use super::feed::envelope_with_id;

/// The balance the demo account has.
pub const DEMO_BALANCE: &str = r#"{"balance":"100.0000","currency":"CNY"}"#;

/// The demo account's usage summary (its real shape is undocumented).
pub const DEMO_USAGE_SUMMARY: &str =
    r#"{"demo":true,"currency":"CNY","totalCost":"0.0000","totalRequests":0}"#;

/// Items on each page of a paged operation.
const PAGE_ITEMS: u32 = 10;

/// The answer to a request for `path`, or a 404 for a path no operation has;
/// a paged operation has `pages` pages of items.
pub(super) fn answer(path: &str, query: &Query, pages: u32) -> Reply {
    let Some(operation) = OPERATIONS.iter().find(|op| op.path == path) else {
        return Reply {
            status: 404,
            content_type: "text/plain",
            retry_after: None,
            body: "no such path on the demo server".to_owned(),
        };
    };
    // Not "demo-…": the CLI's demo token is "demo", and the client scrubs
    // the token from every text it returns.
    let request_id = format!("req-{}", operation.id);
    if query.get("token").is_none_or(str::is_empty) {
        return envelope_with_id(100, "Invalid or Inactive Token", "null", &request_id);
    }
    let data = match path {
        "/user/get-balance" => DEMO_BALANCE.to_owned(),
        "/user/get-usage-summary" => DEMO_USAGE_SUMMARY.to_owned(),
        // The path is from the table: it needs no JSON escaping.
        _ => match operation.paging() {
            Paging::Single => format!(r#"{{"demo":true,"operation":"{path}"}}"#),
            paging => paged(operation, paging, query, pages),
        },
    };
    envelope_with_id(0, "success", &data, &request_id)
}

/// One page of a paged operation: which page is read from the page number
/// or from the cursor a previous page gave (`demo-cursor-N` after page N);
/// `has_more` until page `pages`, the next cursor as `cursor`, and the
/// e-commerce search's `search_id` where the operation takes one.
fn paged(operation: &OperationInfo, paging: Paging, query: &Query, pages: u32) -> String {
    let page = match paging {
        Paging::PageNumber { param } => query.get(param).and_then(|p| p.trim().parse::<u32>().ok()),
        Paging::Cursor { param } => match query.get(param).filter(|c| !c.is_empty()) {
            None => Some(1),
            Some(cursor) => cursor
                .strip_prefix("demo-cursor-")
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(|n| n.checked_add(1)),
        },
        _ => Some(1),
    }
    .unwrap_or(1);
    let count = if (1..=pages).contains(&page) {
        PAGE_ITEMS
    } else {
        0
    };
    let items: Vec<String> = (1..=count)
        .map(|i| format!(r#"{{"id":"demo-{page}-{i}","title":"demo item {i} of page {page}"}}"#))
        .collect();
    let search_id = if operation.param("searchId").is_some() {
        r#","search_id":"demo-search""#
    } else {
        ""
    };
    format!(
        r#"{{"demo":true,"operation":"{}","items":[{}],"has_more":{},"cursor":"demo-cursor-{page}"{search_id}}}"#,
        operation.path,
        items.join(","),
        page < pages
    )
}
