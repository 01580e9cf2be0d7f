//! The provider's business codes, described once: [`ApiCode`]'s number,
//! name, meaning, retry rule and class all come from the one table in this
//! file, and so does the table in its documentation.

use std::fmt;

/// What kind of failure a business code is: what a caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeClass {
    /// Code 0.
    Success,
    /// The token is invalid or lacks permission: no request can succeed.
    Auth,
    /// The quota, the balance or the token's limit is used up: no request
    /// can succeed until it is topped up or renewed.
    Quota,
    /// Too many requests: slow down and retry.
    RateLimited,
    /// The provider failed: retrying may succeed.
    Upstream,
    /// The request's parameters were refused.
    InvalidParameters,
    /// A code the provider does not document (or not in the spec at all).
    Undocumented,
}

macro_rules! api_codes {
    ($( $variant:ident = $code:literal, $name:literal, $meaning:literal, $retry:tt, $class:ident; )*) => {
        /// A business code from the `code` field of the provider's envelope.
        ///
        /// The named variants are the values of the spec's `Result.code`
        /// enum. The provider documents the meaning of 0, 100, 301, 302, 303,
        /// 400, 500, 600 and 601 on the endpoint's page, and of 602 in its MCP
        /// server; the others are named after the HTTP status with the same
        /// number or by their number alone. `name` is the stable name the
        /// provider's MCP server uses.
        ///
        /// | code | variant | name | meaning | retried | class |
        /// |---|---|---|---|---|---|
        $(
            #[doc = concat!("| ", $code, " | [`ApiCode::", stringify!($variant), "`] | `", $name, "` | ", $meaning, " | ", api_codes!(@yes $retry), " | [`CodeClass::", stringify!($class), "`] |")]
        )*
        /// | any other | [`ApiCode::Unknown`] | `UNKNOWN_CODE` | not in the spec | no | [`CodeClass::Undocumented`] |
        ///
        /// Two codes are equal when their numbers are: `Unknown(100)` is
        /// [`ApiCode::InvalidToken`] and answers every method as it does.
        /// A later release that names a new code makes
        /// [`from_code`](Self::from_code) return its variant instead of
        /// `Unknown`; comparisons and [`code`](Self::code) see no change,
        /// but a `match` arm on `ApiCode::Unknown(n)` no longer sees it.
        ///
        /// ```
        /// use justone_xhs::{ApiCode, CodeClass};
        ///
        /// assert_eq!(ApiCode::from_code(303), ApiCode::DailyQuotaExceeded);
        /// assert_eq!(ApiCode::Unknown(303), ApiCode::DailyQuotaExceeded);
        /// assert_eq!(ApiCode::Unknown(303).class(), CodeClass::Quota);
        /// assert_eq!(ApiCode::from_code(777).class(), CodeClass::Undocumented);
        /// ```
        #[derive(Debug, Clone, Copy)]
        #[non_exhaustive]
        pub enum ApiCode {
            $(
                #[doc = concat!($code, ": ", $meaning, ".")]
                $variant,
            )*
            /// A code that is not in the spec.
            Unknown(i64),
        }

        impl ApiCode {
            /// Every code in the spec, in order.
            pub const ALL: &'static [ApiCode] = &[$(ApiCode::$variant),*];

            /// The code for a number.
            pub fn from_code(code: i64) -> ApiCode {
                match code {
                    $($code => ApiCode::$variant,)*
                    other => ApiCode::Unknown(other),
                }
            }

            /// The number.
            pub fn code(self) -> i64 {
                match self {
                    $(ApiCode::$variant => $code,)*
                    ApiCode::Unknown(code) => code,
                }
            }

            /// A stable upper-case name (`DAILY_QUOTA_EXCEEDED`), the one the
            /// provider's own MCP server uses where it names the code.
            pub fn name(self) -> &'static str {
                match self.documented() {
                    $(ApiCode::$variant => $name,)*
                    ApiCode::Unknown(_) => "UNKNOWN_CODE",
                }
            }

            /// The provider's documented meaning, when there is one.
            pub fn description(self) -> &'static str {
                match self.documented() {
                    $(ApiCode::$variant => $meaning,)*
                    ApiCode::Unknown(_) => "not in the spec",
                }
            }

            /// Whether the provider asks to retry: collection failures, rate
            /// limits and server-side errors.
            pub fn is_retryable(self) -> bool {
                match self.documented() {
                    $(ApiCode::$variant => $retry,)*
                    ApiCode::Unknown(_) => false,
                }
            }

            /// What kind of failure this is.
            pub fn class(self) -> CodeClass {
                match self.documented() {
                    $(ApiCode::$variant => CodeClass::$class,)*
                    ApiCode::Unknown(_) => CodeClass::Undocumented,
                }
            }
        }
    };
    (@yes true) => { "**yes**" };
    (@yes false) => { "no" };
}

api_codes! {
    Success = 0, "SUCCESS", "success", false, Success;
    InvalidToken = 100, "INVALID_TOKEN", "invalid or inactive token", false, Auth;
    Code101 = 101, "CODE_101", "in the spec, meaning not documented", false, Undocumented;
    Code202 = 202, "CODE_202", "in the spec, meaning not documented", false, Undocumented;
    Code300 = 300, "CODE_300", "in the spec, meaning not documented", false, Undocumented;
    CollectionFailed = 301, "COLLECT_FAILED", "collection failed, please retry", true, Upstream;
    RateLimited = 302, "RATE_LIMITED", "rate limit exceeded", true, RateLimited;
    DailyQuotaExceeded = 303, "DAILY_QUOTA_EXCEEDED", "daily quota exceeded", false, Quota;
    InvalidParameters = 400, "VALIDATION_ERROR", "invalid parameters", false, InvalidParameters;
    NotFound = 404, "NOT_FOUND", "in the spec, meaning not documented (named after HTTP 404)", false, Undocumented;
    InternalError = 500, "INTERNAL_ERROR", "internal server error", true, Upstream;
    ServiceUnavailable = 503, "SERVICE_UNAVAILABLE", "in the spec, meaning not documented (named after HTTP 503)", true, Upstream;
    PermissionDenied = 600, "PERMISSION_DENIED", "permission denied", false, Auth;
    InsufficientBalance = 601, "INSUFFICIENT_BALANCE", "insufficient balance", false, Quota;
    TokenLimitExceeded = 602, "TOKEN_LIMIT_EXCEEDED", "token limit exceeded", false, Quota;
}

impl ApiCode {
    /// This code, or for `Unknown` of a named number that number's variant.
    fn documented(self) -> ApiCode {
        ApiCode::from_code(self.code())
    }
}

impl PartialEq for ApiCode {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for ApiCode {}

impl std::hash::Hash for ApiCode {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_classify() {
        for code in ApiCode::ALL {
            assert_eq!(ApiCode::from_code(code.code()), *code);
        }
        assert_eq!(ApiCode::from_code(777), ApiCode::Unknown(777));
        let retryable: Vec<i64> = ApiCode::ALL
            .iter()
            .filter(|c| c.is_retryable())
            .map(|c| c.code())
            .collect();
        assert_eq!(retryable, [301, 302, 500, 503]);
        assert_eq!(ApiCode::TokenLimitExceeded.class(), CodeClass::Quota);
        assert_eq!(ApiCode::from_code(602).name(), "TOKEN_LIMIT_EXCEEDED");
    }
}
