//! The one classification of errors: every [`Error`] has an [`ErrorClass`],
//! and whether it is retried, the CLI's exit code and the MCP server's error
//! code are lookups of it. One table, so that HTTP 408 (say) cannot be a
//! timeout in one place and a protocol error in another.

use crate::api_code::CodeClass;
use crate::error::Error;

/// What kind of failure an [`Error`] is.
///
/// | class | what | retried |
/// |---|---|---|
/// | `Auth` | code 100, 600; no token | no |
/// | `Quota` | code 303, 601, 602 | no |
/// | `RateLimited` | code 302, HTTP 429 | yes, honouring `Retry-After` |
/// | `Upstream` | code 301, 500, 503; HTTP 5xx | yes |
/// | `InvalidParameters` | code 400 | no |
/// | `Timeout` | no answer in time; HTTP 408 | yes |
/// | `Network` | a connection refused, reset or broken | yes |
/// | `HostNotFound` | the host name does not resolve (DNS) | no: a retry seconds later resolves no better |
/// | `Protocol` | an answer that is not the documented envelope; another HTTP status; an undocumented business code; a body over the size cap | no |
/// | `BudgetSpent` | `max_requests` reached: the request (or its retry) was not sent | no |
/// | `Cancelled` | the client was cancelled; nothing sent | no |
/// | `InvalidInput` | a setting, base URL, operation or parameter refused before sending | no |
///
/// A later release may add classes (it is `#[non_exhaustive]`); a new
/// error kind always gets one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The token is missing, invalid or lacks permission.
    Auth,
    /// The daily quota, the balance or the token's limit is used up.
    Quota,
    /// Too many requests.
    RateLimited,
    /// The provider failed.
    Upstream,
    /// The provider refused the parameters (code 400). Parameters this
    /// crate refuses before sending are [`InvalidInput`](Self::InvalidInput).
    InvalidParameters,
    /// No answer in time.
    Timeout,
    /// The connection could not be made or broke.
    Network,
    /// The host name does not resolve.
    HostNotFound,
    /// The answer is not what the API documents.
    Protocol,
    /// The client's request budget is spent.
    BudgetSpent,
    /// The client was cancelled.
    Cancelled,
    /// The caller's input was refused before anything was sent.
    InvalidInput,
}

impl ErrorClass {
    /// Whether an error of this class may succeed when tried again.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::RateLimited | ErrorClass::Upstream | ErrorClass::Timeout | ErrorClass::Network
        )
    }

    /// A stable upper-case name (`RATE_LIMITED`), for logs and machines.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Auth => "AUTH",
            ErrorClass::Quota => "QUOTA",
            ErrorClass::RateLimited => "RATE_LIMITED",
            ErrorClass::Upstream => "UPSTREAM",
            ErrorClass::InvalidParameters => "INVALID_PARAMETERS",
            ErrorClass::Timeout => "TIMEOUT",
            ErrorClass::Network => "NETWORK",
            ErrorClass::HostNotFound => "HOST_NOT_FOUND",
            ErrorClass::Protocol => "PROTOCOL",
            ErrorClass::BudgetSpent => "BUDGET_SPENT",
            ErrorClass::Cancelled => "CANCELLED",
            ErrorClass::InvalidInput => "INVALID_INPUT",
        }
    }
}

impl Error {
    /// This error's class: see [`ErrorClass`].
    ///
    /// ```
    /// use justone_xhs::{ApiResponse, ErrorClass};
    ///
    /// let error = ApiResponse::from_json(br#"{"code":302,"message":"slow down"}"#).unwrap_err();
    /// assert_eq!(error.class(), ErrorClass::RateLimited);
    /// assert!(error.is_retryable());
    /// ```
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Api { code, .. } => match code.class() {
                CodeClass::Auth => ErrorClass::Auth,
                CodeClass::Quota => ErrorClass::Quota,
                CodeClass::RateLimited => ErrorClass::RateLimited,
                CodeClass::Upstream => ErrorClass::Upstream,
                CodeClass::InvalidParameters => ErrorClass::InvalidParameters,
                _ => ErrorClass::Protocol,
            },
            Error::Http { status: 429, .. } => ErrorClass::RateLimited,
            Error::Http { status: 408, .. } => ErrorClass::Timeout,
            Error::Http { status, .. } if (500..600).contains(status) => ErrorClass::Upstream,
            Error::Http { .. } | Error::Decode { .. } | Error::TooLarge { .. } => ErrorClass::Protocol,
            Error::Timeout { .. } => ErrorClass::Timeout,
            Error::Connect { .. } => ErrorClass::Network,
            Error::HostNotFound { .. } => ErrorClass::HostNotFound,
            Error::MissingToken => ErrorClass::Auth,
            Error::InvalidBaseUrl { .. }
            | Error::InvalidSetting { .. }
            | Error::UnknownOperation { .. }
            | Error::InvalidParameter { .. } => ErrorClass::InvalidInput,
            Error::BudgetSpent { .. } => ErrorClass::BudgetSpent,
            Error::Cancelled => ErrorClass::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::api_code::ApiCode;
    use crate::api_response::ApiResponse;

    /// The business codes' own table (its "retried" column) and the class
    /// table agree for every code the provider documents and some it
    /// does not.
    #[test]
    fn every_business_code_is_retried_as_its_class_says() {
        for code in (0..=700).filter(|c| *c != 0) {
            let body = format!(r#"{{"code":{code}}}"#);
            let error = ApiResponse::from_json(body.as_bytes()).unwrap_err();
            assert_eq!(
                error.is_retryable(),
                ApiCode::from_code(code).is_retryable(),
                "code {code}: {:?}",
                error.class()
            );
        }
    }
}
