//! How a failure becomes a structured tool error (`isError: true`): a
//! stable code name an agent can branch on, the provider's message and
//! `requestId`, whether the failed call may have been billed, whether
//! trying again may succeed, and for a refused argument which one and what
//! it allows.
//!
//! Business codes keep the names the provider's own MCP server uses
//! (`ApiCode::name`: `INVALID_TOKEN`, `DAILY_QUOTA_EXCEEDED`, …). Failures
//! that carry no business code get names of ours, documented in the README's
//! "Agents (MCP)" section.

use justone_xhs::{Error, ErrorClass};
use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::schemars;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// An argument the tool cannot use (an unknown channel, a page out of
/// range); nothing was sent.
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
/// HTTP 429 without a business code: the same advice as code 302.
const RATE_LIMITED: &str = "RATE_LIMITED";
/// HTTP 5xx without a business code, after retries.
const UPSTREAM_ERROR: &str = "UPSTREAM_ERROR";
/// No complete response within `--timeout`, after retries.
const TIMEOUT: &str = "TIMEOUT";
/// The connection could not be made or broke, after retries.
const NETWORK_ERROR: &str = "NETWORK_ERROR";
/// The response was not what the API documents (another HTTP status, a
/// body that is not the envelope, a body over the size cap).
pub const PROTOCOL_ERROR: &str = "PROTOCOL_ERROR";
/// `--max-requests` is spent; nothing was sent.
const BUDGET_SPENT: &str = "BUDGET_SPENT";
/// Anything else the client refused before sending.
const CLIENT_ERROR: &str = "CLIENT_ERROR";
/// The call was cancelled (`notifications/cancelled`, stdin closed, a
/// signal); no request was sent after that.
const CANCELLED: &str = "CANCELLED";

/// A failed tool call, as the agent sees it under `error`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ToolError {
    /// The stable name to branch on.
    code: &'static str,
    /// The provider's business code, when it sent one.
    api_code: Option<i64>,
    /// The HTTP status, when there was a response.
    http_status: Option<u16>,
    /// The provider's message, or what went wrong (never the token).
    message: String,
    /// The provider's `requestId`, for support requests.
    request_id: Option<String>,
    /// Whether the same call may succeed later, at the cost of another
    /// request (the server has already retried what it could). False for a
    /// call that may have been billed: whether to pay again is the agent's
    /// (or its user's) choice.
    retryable: bool,
    /// Whether the request may have reached the provider, and been billed,
    /// although it failed: an HTTP 5xx, business code 500 or 503, a
    /// timeout, a connection that broke after sending. Such a request is not
    /// sent again unless the server runs with --retry-uncertain.
    may_have_been_billed: bool,
    /// Which argument was refused and what it allows (INVALID_ARGUMENT);
    /// boxed, as most errors have none.
    #[serde(flatten)]
    refusal: Option<Box<Refusal>>,
    /// Which tool helps (`list_channels`, `list_operations`).
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'static str>,
    /// What the call got before it failed (pages already paid for), beside
    /// `error` in the result.
    #[serde(skip)]
    partial: Box<Map<String, Value>>,
}

/// The argument a call got wrong.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Refusal {
    /// The argument (`page`, `params.noteId`).
    field: String,
    /// What it allows: its JSON Schema, or the names or values allowed.
    allowed: Value,
}

impl ToolError {
    /// A refused argument: nothing was sent.
    pub fn invalid_argument(
        field: impl Into<String>,
        message: impl Into<String>,
        allowed: Value,
    ) -> ToolError {
        ToolError {
            refusal: Some(Box::new(Refusal {
                field: field.into(),
                allowed,
            })),
            ..ToolError::named(INVALID_ARGUMENT, message.into())
        }
    }

    /// A call stopped by its cancellation.
    pub fn cancelled() -> ToolError {
        ToolError::named(CANCELLED, Error::Cancelled.to_string())
    }

    /// Says whether the call may have been billed for a request it got no
    /// answer to (a cancellation drops the request in flight).
    pub fn with_may_have_been_billed(mut self, maybe: bool) -> ToolError {
        self.may_have_been_billed = maybe;
        self
    }

    /// Names the tool that helps with this error.
    pub fn with_hint(mut self, hint: &'static str) -> ToolError {
        self.hint = Some(hint);
        self
    }

    /// A response that cannot be turned into a result.
    pub fn protocol(message: impl Into<String>) -> ToolError {
        ToolError::named(PROTOCOL_ERROR, message.into())
    }

    fn named(code: &'static str, message: String) -> ToolError {
        ToolError {
            code,
            api_code: None,
            http_status: None,
            message,
            request_id: None,
            retryable: false,
            may_have_been_billed: false,
            refusal: None,
            hint: None,
            partial: Box::default(),
        }
    }

    /// Adds what the call got before it failed to the result.
    pub fn with_partial(mut self, partial: Map<String, Value>) -> ToolError {
        *self.partial = partial;
        self
    }
}

impl From<Error> for ToolError {
    fn from(error: Error) -> ToolError {
        // The provider's own name for a business code; else a lookup of the
        // library's one classification.
        let code = match &error {
            Error::Api { code, .. } => code.name(),
            other => match other.class() {
                ErrorClass::RateLimited => RATE_LIMITED,
                ErrorClass::Upstream => UPSTREAM_ERROR,
                ErrorClass::Protocol => PROTOCOL_ERROR,
                ErrorClass::Timeout => TIMEOUT,
                ErrorClass::Network | ErrorClass::HostNotFound => NETWORK_ERROR,
                ErrorClass::BudgetSpent => BUDGET_SPENT,
                ErrorClass::Cancelled => CANCELLED,
                // The settings a tool call passes: a page number, an
                // operation and its parameters; all refused before sending.
                ErrorClass::InvalidInput => INVALID_ARGUMENT,
                _ => CLIENT_ERROR,
            },
        };
        let message = match &error {
            // The provider's own words (already scrubbed of the token by the
            // library), else the documented meaning of the code.
            Error::Api { code, message, .. } => message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .unwrap_or(code.description())
                .to_owned(),
            // The library's message names its Rust list; an agent has a tool.
            Error::UnknownOperation {
                operation,
                suggestions,
                ..
            } if suggestions.is_empty() => format!("no operation {operation:?}"),
            Error::UnknownOperation {
                operation,
                suggestions,
                ..
            } => format!(
                "no operation {operation:?}; did you mean {}?",
                suggestions.join(", ")
            ),
            other => other.to_string(),
        };
        let refusal = match &error {
            Error::UnknownOperation { .. } => Some(Refusal {
                field: "operation".to_owned(),
                allowed: json!("an operationId from list_operations"),
            }),
            Error::InvalidParameter { name, allowed, .. } => Some(Refusal {
                field: format!("params.{name}"),
                allowed: if allowed.is_empty() {
                    Value::Null
                } else {
                    json!(allowed)
                },
            }),
            _ => None,
        };
        ToolError {
            code,
            api_code: error.api_code().map(|c| c.code()),
            http_status: error.http_status(),
            message,
            request_id: error.request_id().map(str::to_owned),
            retryable: error.is_retryable() && !error.is_uncertain(),
            may_have_been_billed: error.is_uncertain(),
            hint: refusal.is_some().then_some(LIST_OPERATIONS),
            refusal: refusal.map(Box::new),
            partial: Box::default(),
        }
    }
}

/// The hint for an operation or parameter refused.
const LIST_OPERATIONS: &str = "list_operations lists the operations and their parameters (or read the resource justone-xhs://operations/{operationId})";

impl IntoCallToolResult for ToolError {
    fn into_call_tool_result(mut self) -> Result<CallToolResponse, rmcp::ErrorData> {
        let partial = std::mem::take(&mut *self.partial);
        let mut result = Map::new();
        result.insert("error".to_owned(), json!(self));
        result.extend(partial);
        Ok(CallToolResult::structured_error(Value::Object(result)).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name of ours has a row in the README's "Agents (MCP)" section.
    #[test]
    fn the_readme_documents_every_name_of_ours() {
        let readme = include_str!("../../../../README.md");
        let section = readme
            .split("## Agents (MCP)")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        for name in [
            INVALID_ARGUMENT,
            RATE_LIMITED,
            UPSTREAM_ERROR,
            TIMEOUT,
            NETWORK_ERROR,
            PROTOCOL_ERROR,
            BUDGET_SPENT,
            CLIENT_ERROR,
            CANCELLED,
        ] {
            assert!(
                section.contains(&format!("| `{name}` |")),
                "README: no row for {name}"
            );
        }
    }

    #[test]
    fn a_business_code_keeps_the_providers_name_message_and_request_id() {
        let error = ToolError::from(Error::api(
            justone_xhs::ApiCode::from_code(602),
            Some("  "),
            Some("r-9"),
        ));
        assert_eq!(error.code, "TOKEN_LIMIT_EXCEEDED");
        assert_eq!(error.api_code, Some(602));
        // A blank message gives way to the documented meaning.
        assert_eq!(error.message, "token limit exceeded");
        assert_eq!(error.request_id.as_deref(), Some("r-9"));
        assert!(!error.retryable);
        assert!(!error.may_have_been_billed);
    }

    #[test]
    fn an_uncertain_failure_says_it_may_have_been_billed_and_is_not_offered_for_retry() {
        let error = ToolError::from(Error::timeout("after 60 s"));
        assert_eq!(error.code, "TIMEOUT");
        assert!(error.may_have_been_billed);
        assert!(!error.retryable);
        let refused = ToolError::from(Error::connect("refused", false));
        assert!(!refused.may_have_been_billed);
        assert!(refused.retryable);
        let slow = ToolError::from(Error::http(408, ""));
        assert_eq!(slow.code, "TIMEOUT");
    }
}
