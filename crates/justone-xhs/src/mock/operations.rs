//! The demo server's answers for everything but the feed: the account
//! endpoints with fixed demo values, and every other generated operation
//! with a placeholder `data` naming it, so that `call_operation` and the
//! CLI's `api` command can be tried without a token.

use justone_gen::operations::OPERATIONS;

use super::demo_server::{Query, Reply};
use super::feed::envelope_with_id;

/// The balance the demo account has.
pub const DEMO_BALANCE: &str = r#"{"balance":"100.0000","currency":"CNY"}"#;

/// The demo account's usage summary (its real shape is undocumented).
pub const DEMO_USAGE_SUMMARY: &str =
    r#"{"demo":true,"currency":"CNY","totalCost":"0.0000","totalRequests":0}"#;

/// The answer to a request for `path`, or a 404 for a path no operation has.
pub(super) fn answer(path: &str, query: &Query) -> Reply {
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
        _ => format!(r#"{{"demo":true,"operation":"{path}"}}"#),
    };
    envelope_with_id(0, "success", &data, &request_id)
}
