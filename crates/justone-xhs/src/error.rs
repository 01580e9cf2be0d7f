//! The one error type of this crate, and the provider's business codes.
//!
//! # Mapping
//!
//! | what happened | variant | [`Error::is_retryable`] |
//! |---|---|---|
//! | body `code` 100 (invalid token) | [`Error::Api`] with [`ApiCode::InvalidToken`] | no |
//! | `code` 301 (collection failed) | [`Error::Api`], [`ApiCode::CollectionFailed`] | **yes** |
//! | `code` 302 (rate limit) | [`Error::Api`], [`ApiCode::RateLimited`] | **yes**, honouring `Retry-After` |
//! | `code` 303 (daily quota) | [`Error::Api`], [`ApiCode::DailyQuotaExceeded`] | no |
//! | `code` 400 (bad parameters) | [`Error::Api`], [`ApiCode::InvalidParameters`] | no |
//! | `code` 500 (internal error) | [`Error::Api`], [`ApiCode::InternalError`] | **yes** |
//! | `code` 503 | [`Error::Api`], [`ApiCode::ServiceUnavailable`] | **yes** |
//! | `code` 600 (permission denied) | [`Error::Api`], [`ApiCode::PermissionDenied`] | no |
//! | `code` 601 (insufficient balance) | [`Error::Api`], [`ApiCode::InsufficientBalance`] | no |
//! | `code` 602 (token limit exceeded) | [`Error::Api`], [`ApiCode::TokenLimitExceeded`] | no |
//! | `code` 101, 202, 300, 404, or one not in the spec | [`Error::Api`] | no |
//! | HTTP 429 without a business code | [`Error::Http`] | **yes**, honouring `Retry-After` |
//! | HTTP 408 (request timeout) without a business code | [`Error::Http`] | **yes** |
//! | HTTP 5xx without a business code | [`Error::Http`] | **yes** |
//! | other HTTP status without a business code | [`Error::Http`] | no |
//! | no response in time | [`Error::Timeout`] | **yes** |
//! | connection refused / reset, TLS | [`Error::Connect`] | **yes** |
//! | the host name does not resolve (DNS) | [`Error::HostNotFound`] | no |
//! | body not JSON, not an object, no `code` | [`Error::Decode`] | no |
//! | body larger than the configured cap (32 MiB) | [`Error::TooLarge`] | no |
//! | no token | [`Error::MissingToken`] | no |
//! | base URL not `http(s)://host[/path]` | [`Error::InvalidBaseUrl`] | no |
//! | a setting, the token's form or a page number out of range | [`Error::InvalidSetting`] | no |
//! | the client's request budget is spent (nothing sent) | [`Error::BudgetSpent`] | no |
//! | the client was cancelled before sending | [`Error::Cancelled`] | no |
//! | [`Client::call_operation`](crate::Client::call_operation) with an unknown operationId (nothing sent) | [`Error::UnknownOperation`] | no |
//! | a parameter unknown, missing, repeated or out of its type or enum (nothing sent) | [`Error::InvalidParameter`] | no |
//!
//! An outcome is *uncertain* ([`Error::is_uncertain`]) when the request may
//! have reached the provider, and so may have been billed, without an answer
//! that says what became of it: an HTTP 5xx without a business code, business
//! code 500 or 503, a timeout, a connection that broke after the request was
//! written. [`RetryPolicy::retry_uncertain`](crate::RetryPolicy::retry_uncertain)
//! decides whether those are retried.
//!
//! A business code wins over the HTTP status: a 401 whose body says
//! `code: 100` is [`ApiCode::InvalidToken`].
//!
//! A rate limit (302 or HTTP 429) also pauses every request of the client
//! and its clones; see [`Client`](crate::Client) for how long, and for when
//! the client stops retrying rate limits altogether.
//!
//! All text from the provider in an error (its `message`, a body excerpt, a
//! page title, a request id) has the token, any `token=` value and every
//! control character removed.

use std::sync::Arc;
use std::time::Duration;

pub use crate::api_code::{ApiCode, CodeClass};

/// The error underneath an [`Error`] from the HTTP stack (reqwest, hyper,
/// the OS), with the request URL (and so the token) stripped: its
/// [`source`](std::error::Error::source) chain and
/// [`inner`](Self::inner) let a caller tell a refused connection from a TLS
/// failure. Shared, so that [`Error`] stays `Clone`.
#[derive(Clone)]
pub struct ErrorSource {
    inner: Arc<dyn std::error::Error + Send + Sync>,
}

impl ErrorSource {
    pub(crate) fn new(inner: impl std::error::Error + Send + Sync + 'static) -> ErrorSource {
        ErrorSource {
            inner: Arc::new(inner),
        }
    }

    /// The underlying error, for `downcast_ref`.
    pub fn inner(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.inner
    }
}

impl std::fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The Display text: a Debug form could carry fields this crate
        // never checked for the token.
        write!(f, "ErrorSource({})", self.inner)
    }
}

impl std::error::Error for ErrorSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

/// Everything that can go wrong. Never contains the API token.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider answered with a non-zero business `code`.
    #[error("the API refused the request: {}{}", describe(.code, .message), request(.request_id))]
    #[non_exhaustive]
    Api {
        /// The business code.
        code: ApiCode,
        /// The provider's message, when it sent one.
        message: Option<String>,
        /// The provider's `requestId`, for support requests.
        request_id: Option<String>,
        /// The HTTP status that carried the answer (none for a body read
        /// from elsewhere, see [`ApiResponse::from_json`](crate::ApiResponse::from_json)).
        http_status: Option<u16>,
        /// How long the provider asked us to wait, from `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// An HTTP error status without a business code in the body.
    #[error("HTTP {status} from the API: {}", body_text(.body_excerpt))]
    #[non_exhaustive]
    Http {
        /// The HTTP status.
        status: u16,
        /// What the body says: the title of an HTML page (never markup), or
        /// the first characters of any other body.
        body_excerpt: String,
        /// How long the server asked us to wait, from `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// No complete response within the request timeout.
    #[error("the request timed out: {detail}")]
    #[non_exhaustive]
    Timeout {
        /// What timed out, without the URL.
        detail: String,
        /// The HTTP stack's error (URL and token stripped).
        source: Option<ErrorSource>,
    },
    /// The connection could not be made or broke.
    #[error("connection failed: {detail}")]
    #[non_exhaustive]
    Connect {
        /// What failed, without the URL.
        detail: String,
        /// Whether the request may have been written before the connection
        /// broke (false: no connection was made, nothing was sent).
        request_sent: bool,
        /// The HTTP stack's error (URL and token stripped): downcast its
        /// chain to tell a refused connection from a TLS failure.
        source: Option<ErrorSource>,
    },
    /// The API's host name does not resolve (DNS). Nothing was sent, and
    /// it is not retried: a name that does not resolve now will not a
    /// second later.
    #[error("the host name does not resolve: {detail}")]
    #[non_exhaustive]
    HostNotFound {
        /// What failed, without the URL.
        detail: String,
        /// The HTTP stack's error (URL and token stripped).
        source: Option<ErrorSource>,
    },
    /// The response is not a valid envelope.
    #[error("cannot decode the response{}: {reason}{}", status(.http_status), quoted(.excerpt))]
    #[non_exhaustive]
    Decode {
        /// What is wrong.
        reason: String,
        /// What the body says: the title of an HTML page, or its first
        /// characters (never the whole body).
        excerpt: String,
        /// The HTTP status (none for a body read from elsewhere).
        http_status: Option<u16>,
    },
    /// The response body was larger than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes);
    /// it was not read whole.
    #[error("the response body is larger than the limit of {limit} bytes")]
    #[non_exhaustive]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// No API token was given, and neither `JUST_ONE_API_TOKEN` nor
    /// `JUSTONEAPI_TOKEN` is set (a Rust caller can also pass one to
    /// [`ClientBuilder::token`](crate::ClientBuilder::token)).
    #[error("no API token: set JUST_ONE_API_TOKEN or JUSTONEAPI_TOKEN")]
    MissingToken,
    /// The base URL is not `http(s)://host[:port][/path]` (no query, no
    /// fragment).
    #[error("invalid base URL {url:?}: {reason}")]
    #[non_exhaustive]
    InvalidBaseUrl {
        /// The URL as given, without user name, password or `token=` value.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting, the token's form, or an argument is out of range. Nothing
    /// was sent.
    #[error("invalid {name}: {reason}")]
    #[non_exhaustive]
    InvalidSetting {
        /// Which one: `token`, `rate_limit`, `max_concurrency`, `page`, …
        name: &'static str,
        /// What is wrong with it (never the token itself).
        reason: String,
    },
    /// Nothing was sent: the client already sent the most requests
    /// [`ClientBuilder::max_requests`](crate::ClientBuilder::max_requests)
    /// allows.
    #[error("{}", budget_spent(*.max_requests, .last_attempt.as_deref()))]
    #[non_exhaustive]
    BudgetSpent {
        /// The budget.
        max_requests: u64,
        /// When the budget refused a retry: the error of the call's last
        /// attempt, which was sent (and is also this error's `source()`).
        #[source]
        last_attempt: Option<Box<Error>>,
    },
    /// Nothing was sent: the client's cancellation token was cancelled
    /// (see [`Client::cancellation_token`](crate::Client::cancellation_token)).
    #[error("cancelled: nothing was sent after the cancellation")]
    Cancelled,
    /// Nothing was sent: no operation has this operationId (see
    /// [`Client::operations`](crate::Client::operations)).
    #[error("no operation {operation:?}{}; `Client::operations()` lists them", suggested(.suggestions))]
    #[non_exhaustive]
    UnknownOperation {
        /// The operationId given.
        operation: String,
        /// The closest operationIds, best first (may be empty).
        suggestions: Vec<String>,
    },
    /// Nothing was sent: a parameter is unknown, missing, given twice, or
    /// has a value its type or its documented values do not allow.
    #[error("invalid parameter {name:?} of {operation}: {reason}{}", allowed_list(.allowed))]
    #[non_exhaustive]
    InvalidParameter {
        /// The operationId.
        operation: String,
        /// The parameter's name.
        name: String,
        /// What is wrong with it.
        reason: String,
        /// The values (or, for an unknown parameter, the names) allowed, when
        /// there is a list of them.
        allowed: Vec<String>,
    },
}

fn allowed_list(allowed: &[String]) -> String {
    if allowed.is_empty() {
        String::new()
    } else {
        format!(" (allowed: {})", allowed.join(", "))
    }
}

fn suggested(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

fn status(http_status: &Option<u16>) -> String {
    http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

fn body_text(excerpt: &str) -> String {
    if excerpt.starts_with("an HTML page") {
        excerpt.to_owned()
    } else if excerpt.is_empty() {
        "empty body".to_owned()
    } else {
        format!("body starts with {excerpt:?}")
    }
}

/// The excerpt of a body that could not be decoded, when one was quoted.
fn quoted(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!("; {}", body_text(excerpt))
    }
}

fn describe(code: &ApiCode, message: &Option<String>) -> String {
    match message.as_deref().map(str::trim) {
        Some(message) if !message.is_empty() => format!("code {}: {message}", code.code()),
        _ => format!("code {}: {}", code.code(), code.description()),
    }
}

fn request(request_id: &Option<String>) -> String {
    request_id
        .as_ref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

fn budget_spent(max_requests: u64, last_attempt: Option<&Error>) -> String {
    match last_attempt {
        None => format!("not sent: the budget of {max_requests} requests is spent"),
        Some(last) => format!(
            "a retry was not sent: the budget of {max_requests} requests is spent; the last attempt failed: {last}"
        ),
    }
}

impl Error {
    /// The same error with `token`, `token=` values and control characters
    /// removed from every text that came from the server.
    pub(crate) fn redacted(self, token: &str) -> Error {
        use crate::redact::clean;
        match self {
            Error::Api {
                code,
                message,
                request_id,
                http_status,
                retry_after,
            } => Error::Api {
                code,
                message: message.map(|m| clean(&m, token)),
                request_id: request_id.map(|id| clean(&id, token)),
                http_status,
                retry_after,
            },
            Error::Decode {
                reason,
                excerpt,
                http_status,
            } => Error::Decode {
                reason: clean(&reason, token),
                excerpt: clean(&excerpt, token),
                http_status,
            },
            Error::Http {
                status,
                body_excerpt,
                retry_after,
            } => Error::Http {
                status,
                body_excerpt: clean(&body_excerpt, token),
                retry_after,
            },
            other => other,
        }
    }

    /// Whether trying again may succeed: a lookup of its
    /// [`class`](Self::class) (see [`ErrorClass`](crate::ErrorClass)).
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// A setting or an argument refused before anything was sent: for a
    /// caller that checks its own input (a token file, say) and reports it
    /// as this crate reports its own.
    pub fn invalid_setting(name: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidSetting {
            name,
            reason: reason.into(),
        }
    }

    // Constructors for the variants a dependent's tests need to build (the
    // variants are `#[non_exhaustive]`, so a struct expression cannot).

    /// An [`Error::Api`] as the provider would send it over HTTP 200.
    ///
    /// ```
    /// use justone_xhs::{ApiCode, Error, ErrorClass};
    ///
    /// let error = Error::api(ApiCode::DailyQuotaExceeded, Some("quota used up"), Some("req-1"));
    /// assert_eq!(error.class(), ErrorClass::Quota);
    /// assert_eq!(error.request_id(), Some("req-1"));
    /// // `Unknown` of a named code is that code, as an answer would give it:
    /// assert!(Error::api(ApiCode::Unknown(302), None, None).is_rate_limit());
    /// ```
    pub fn api(code: ApiCode, message: Option<&str>, request_id: Option<&str>) -> Error {
        Error::Api {
            code: ApiCode::from_code(code.code()),
            message: message.map(str::to_owned),
            request_id: request_id.map(str::to_owned),
            http_status: Some(200),
            retry_after: None,
        }
    }

    /// An [`Error::Http`]: `status` with a body that said `body_excerpt`.
    pub fn http(status: u16, body_excerpt: impl Into<String>) -> Error {
        Error::Http {
            status,
            body_excerpt: body_excerpt.into(),
            retry_after: None,
        }
    }

    /// An [`Error::Timeout`].
    pub fn timeout(detail: impl Into<String>) -> Error {
        Error::Timeout {
            detail: detail.into(),
            source: None,
        }
    }

    /// An [`Error::Connect`]; `request_sent`: whether the request may have
    /// been written before the connection broke.
    pub fn connect(detail: impl Into<String>, request_sent: bool) -> Error {
        Error::Connect {
            detail: detail.into(),
            request_sent,
            source: None,
        }
    }

    /// An [`Error::Decode`] of a response with `http_status`.
    pub fn decode(reason: impl Into<String>, excerpt: impl Into<String>, http_status: Option<u16>) -> Error {
        Error::Decode {
            reason: reason.into(),
            excerpt: excerpt.into(),
            http_status,
        }
    }

    /// Whether the request may have been received, and billed, by the
    /// provider although this error does not say so: an HTTP 5xx without a
    /// business code, business code 500 or 503, a timeout, or a connection
    /// that broke after the request was written; for a retry the budget
    /// refused ([`Error::BudgetSpent`] with `last_attempt`), whether that
    /// attempt's outcome was. A rate limit, a connection that was never
    /// made, and every other answer are certain: the provider said what it
    /// did, or nothing was sent.
    ///
    /// This is the one rule of the crate for it: the retry loop (with
    /// [`RetryPolicy::retry_uncertain`](crate::RetryPolicy::retry_uncertain)
    /// off) and callers that report "may have been billed" use it.
    ///
    /// ```
    /// use justone_xhs::Error;
    ///
    /// let error = justone_xhs::ApiResponse::from_json(br#"{"code":500}"#).unwrap_err();
    /// assert!(error.is_uncertain());
    /// let busy = justone_xhs::ApiResponse::from_json(br#"{"code":302}"#).unwrap_err();
    /// assert!(!busy.is_uncertain());
    /// ```
    pub fn is_uncertain(&self) -> bool {
        match self {
            Error::Api { code, .. } => {
                matches!(code, ApiCode::InternalError | ApiCode::ServiceUnavailable)
            }
            Error::Http { status, .. } => (500..600).contains(status),
            Error::Timeout { .. } => true,
            Error::Connect { request_sent, .. } => *request_sent,
            Error::BudgetSpent {
                last_attempt: Some(last),
                ..
            } => last.is_uncertain(),
            _ => false,
        }
    }

    /// The business code, for [`Error::Api`].
    pub fn api_code(&self) -> Option<ApiCode> {
        match self {
            Error::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The provider's request id, when the response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api { http_status, .. } | Error::Decode { http_status, .. } => *http_status,
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } | Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether this is a rate limit: business code 302 or HTTP 429.
    pub fn is_rate_limit(&self) -> bool {
        matches!(
            self,
            Error::Api {
                code: ApiCode::RateLimited,
                ..
            } | Error::Http { status: 429, .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_names_code_message_and_request_id() {
        let e = Error::Api {
            code: ApiCode::DailyQuotaExceeded,
            message: Some("quota used up".into()),
            request_id: Some("req-1".into()),
            http_status: Some(200),
            retry_after: None,
        };
        assert_eq!(
            e.to_string(),
            "the API refused the request: code 303: quota used up (request id req-1)"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn code_602_is_a_token_limit_and_not_retried() {
        assert_eq!(ApiCode::from_code(602), ApiCode::TokenLimitExceeded);
        assert!(!ApiCode::TokenLimitExceeded.is_retryable());
        assert_eq!(
            ApiCode::TokenLimitExceeded.to_string(),
            "602 (token limit exceeded)"
        );
    }

    #[test]
    fn bodies_are_quoted_but_html_titles_are_named() {
        let http = |body_excerpt: &str| Error::Http {
            status: 502,
            body_excerpt: body_excerpt.to_owned(),
            retry_after: None,
        };
        assert_eq!(
            http("an HTML page titled \"502 Bad Gateway\"").to_string(),
            "HTTP 502 from the API: an HTML page titled \"502 Bad Gateway\""
        );
        assert_eq!(
            http("oops").to_string(),
            "HTTP 502 from the API: body starts with \"oops\""
        );
        assert_eq!(http("").to_string(), "HTTP 502 from the API: empty body");
    }

    #[test]
    fn the_missing_token_message_speaks_to_users_not_rust_callers() {
        let text = Error::MissingToken.to_string();
        assert_eq!(text, "no API token: set JUST_ONE_API_TOKEN or JUSTONEAPI_TOKEN");
        assert!(!text.contains("ClientBuilder"));
    }
}
