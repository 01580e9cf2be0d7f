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
//! | connection refused / reset, DNS, TLS | [`Error::Connect`] | **yes** |
//! | body not JSON, not an object, no `code` | [`Error::Decode`] | no |
//! | body larger than the configured cap (32 MiB) | [`Error::TooLarge`] | no |
//! | no token | [`Error::MissingToken`] | no |
//! | base URL not `http(s)://host[/path]` | [`Error::InvalidBaseUrl`] | no |
//! | a setting, the token's form or a page number out of range | [`Error::InvalidSetting`] | no |
//! | the client was cancelled before sending | [`Error::Cancelled`] | no |
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

use std::fmt;
use std::time::Duration;

/// A business code from the `code` field of the provider's envelope.
///
/// The named variants are the values of the spec's `Result.code` enum. The
/// provider documents the meaning of 0, 100, 301, 302, 303, 400, 500, 600 and
/// 601 on the endpoint's page, and of 602 in its MCP server; the others are
/// named after the HTTP status with the same number or by their number alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiCode {
    /// 0: success.
    Success,
    /// 100: invalid or inactive token.
    InvalidToken,
    /// 101: in the spec, meaning not documented.
    Code101,
    /// 202: in the spec, meaning not documented.
    Code202,
    /// 300: in the spec, meaning not documented.
    Code300,
    /// 301: collection failed, please retry.
    CollectionFailed,
    /// 302: rate limit exceeded.
    RateLimited,
    /// 303: daily quota exceeded.
    DailyQuotaExceeded,
    /// 400: invalid parameters.
    InvalidParameters,
    /// 404: in the spec, meaning not documented (named after HTTP 404).
    NotFound,
    /// 500: internal server error.
    InternalError,
    /// 503: in the spec, meaning not documented (named after HTTP 503).
    ServiceUnavailable,
    /// 600: permission denied.
    PermissionDenied,
    /// 601: insufficient balance.
    InsufficientBalance,
    /// 602: token limit exceeded (the provider's MCP server calls it
    /// `TOKEN_LIMIT_EXCEEDED`); a quota, not retryable.
    TokenLimitExceeded,
    /// A code that is not in the spec.
    Unknown(i64),
}

impl ApiCode {
    /// The code for a number.
    pub fn from_code(code: i64) -> ApiCode {
        match code {
            0 => ApiCode::Success,
            100 => ApiCode::InvalidToken,
            101 => ApiCode::Code101,
            202 => ApiCode::Code202,
            300 => ApiCode::Code300,
            301 => ApiCode::CollectionFailed,
            302 => ApiCode::RateLimited,
            303 => ApiCode::DailyQuotaExceeded,
            400 => ApiCode::InvalidParameters,
            404 => ApiCode::NotFound,
            500 => ApiCode::InternalError,
            503 => ApiCode::ServiceUnavailable,
            600 => ApiCode::PermissionDenied,
            601 => ApiCode::InsufficientBalance,
            602 => ApiCode::TokenLimitExceeded,
            other => ApiCode::Unknown(other),
        }
    }

    /// The number.
    pub fn code(self) -> i64 {
        match self {
            ApiCode::Success => 0,
            ApiCode::InvalidToken => 100,
            ApiCode::Code101 => 101,
            ApiCode::Code202 => 202,
            ApiCode::Code300 => 300,
            ApiCode::CollectionFailed => 301,
            ApiCode::RateLimited => 302,
            ApiCode::DailyQuotaExceeded => 303,
            ApiCode::InvalidParameters => 400,
            ApiCode::NotFound => 404,
            ApiCode::InternalError => 500,
            ApiCode::ServiceUnavailable => 503,
            ApiCode::PermissionDenied => 600,
            ApiCode::InsufficientBalance => 601,
            ApiCode::TokenLimitExceeded => 602,
            ApiCode::Unknown(code) => code,
        }
    }

    /// Whether the provider asks to retry: collection failures, rate limits
    /// and server-side errors.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ApiCode::CollectionFailed
                | ApiCode::RateLimited
                | ApiCode::InternalError
                | ApiCode::ServiceUnavailable
        )
    }

    /// The provider's documented meaning, when there is one.
    pub fn description(self) -> &'static str {
        match self {
            ApiCode::Success => "success",
            ApiCode::InvalidToken => "invalid or inactive token",
            ApiCode::CollectionFailed => "collection failed, please retry",
            ApiCode::RateLimited => "rate limit exceeded",
            ApiCode::DailyQuotaExceeded => "daily quota exceeded",
            ApiCode::InvalidParameters => "invalid parameters",
            ApiCode::InternalError => "internal server error",
            ApiCode::ServiceUnavailable => "service unavailable",
            ApiCode::PermissionDenied => "permission denied",
            ApiCode::InsufficientBalance => "insufficient balance",
            ApiCode::NotFound => "not found",
            ApiCode::TokenLimitExceeded => "token limit exceeded",
            _ => "undocumented business code",
        }
    }
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.description())
    }
}

/// Everything that can go wrong. Never contains the API token.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider answered with a non-zero business `code`.
    #[error("the API refused the request: {}{}", describe(.code, .message), request(.request_id))]
    Api {
        /// The business code.
        code: ApiCode,
        /// The provider's message, when it sent one.
        message: Option<String>,
        /// The provider's `requestId`, for support requests.
        request_id: Option<String>,
        /// The HTTP status that carried the answer.
        http_status: u16,
        /// How long the provider asked us to wait, from `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// An HTTP error status without a business code in the body.
    #[error("HTTP {status} from the API: {}", body_text(.body_excerpt))]
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
    Timeout {
        /// What timed out, without the URL.
        detail: String,
    },
    /// The connection could not be made or broke.
    #[error("connection failed: {detail}")]
    Connect {
        /// What failed, without the URL.
        detail: String,
    },
    /// The response is not a valid envelope.
    #[error("cannot decode the response (HTTP {http_status}): {reason}; {}", body_text(.excerpt))]
    Decode {
        /// What is wrong.
        reason: String,
        /// What the body says: the title of an HTML page, or its first
        /// characters (never the whole body).
        excerpt: String,
        /// The HTTP status.
        http_status: u16,
    },
    /// The response body was larger than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes);
    /// it was not read whole.
    #[error("the response body is larger than the limit of {limit} bytes")]
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
    InvalidBaseUrl {
        /// The URL as given, without user name, password or `token=` value.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting, the token's form, or an argument is out of range. Nothing
    /// was sent.
    #[error("invalid {name}: {reason}")]
    InvalidSetting {
        /// Which one: `token`, `rate_limit`, `max_concurrency`, `page`, …
        name: &'static str,
        /// What is wrong with it (never the token itself).
        reason: String,
    },
    /// Nothing was sent: the client's cancellation token was cancelled
    /// (see [`Client::cancellation_token`](crate::Client::cancellation_token)).
    #[error("cancelled before the request was sent")]
    Cancelled,
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

impl Error {
    /// Whether trying again may succeed; see the table in the module docs.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { code, .. } => code.is_retryable(),
            Error::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            Error::Timeout { .. } | Error::Connect { .. } => true,
            Error::Decode { .. }
            | Error::TooLarge { .. }
            | Error::MissingToken
            | Error::InvalidBaseUrl { .. }
            | Error::InvalidSetting { .. }
            | Error::Cancelled => false,
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
            Error::Api { http_status, .. } | Error::Decode { http_status, .. } => Some(*http_status),
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
    fn codes_round_trip_and_classify() {
        for code in [
            0, 100, 101, 202, 300, 301, 302, 303, 400, 404, 500, 503, 600, 601, 602, 777,
        ] {
            assert_eq!(ApiCode::from_code(code).code(), code);
        }
        let retryable: Vec<i64> = [100, 301, 302, 303, 400, 500, 503, 600, 601]
            .into_iter()
            .filter(|c| ApiCode::from_code(*c).is_retryable())
            .collect();
        assert_eq!(retryable, [301, 302, 500, 503]);
        assert_eq!(ApiCode::from_code(777), ApiCode::Unknown(777));
    }

    #[test]
    fn api_error_names_code_message_and_request_id() {
        let e = Error::Api {
            code: ApiCode::DailyQuotaExceeded,
            message: Some("quota used up".into()),
            request_id: Some("req-1".into()),
            http_status: 200,
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
