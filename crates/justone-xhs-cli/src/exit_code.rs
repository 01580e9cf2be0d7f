//! How a failure becomes an exit code, an `error:` line and a `hint:` line.

#[cfg(test)]
use justone_xhs::ApiCode;
use justone_xhs::{Error, ErrorClass, RetryPolicy, TOKEN_ENV};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything asked for was fetched and written (or the reader of
    /// stdout went away).
    Success = 0,
    /// 1: anything not listed below (e.g. the output cannot be written).
    Other = 1,
    /// 2: the command line asks for something that cannot work or would
    /// lose data; nothing was sent.
    Usage = 2,
    /// 3: auth or permission (100, 600, no token).
    Auth = 3,
    /// 4: quota or balance (303, 601, 602).
    Quota = 4,
    /// 5: still rate limited after retries (302, HTTP 429).
    RateLimited = 5,
    /// 6: upstream failure after retries (301, 500, 503, 5xx).
    Upstream = 6,
    /// 7: network failure or timeout.
    Network = 7,
    /// 8: protocol or decode error.
    Protocol = 8,
    /// 9: invalid parameters (400).
    InvalidParameters = 9,
    /// 10: stopped because the next request would pass --max-requests.
    BudgetSpent = 10,
    /// 130: stopped by SIGINT.
    Interrupted = 130,
    /// 143: stopped by SIGTERM.
    Terminated = 143,
}

impl Exit {
    /// The process exit status.
    pub fn status(self) -> u8 {
        self as u8
    }
}

/// The exit code for a library error: a lookup of its class, the
/// library's one classification.
pub fn classify(error: &Error) -> Exit {
    match error.class() {
        ErrorClass::Auth => Exit::Auth,
        ErrorClass::Quota => Exit::Quota,
        ErrorClass::RateLimited => Exit::RateLimited,
        ErrorClass::Upstream => Exit::Upstream,
        ErrorClass::InvalidParameters => Exit::InvalidParameters,
        ErrorClass::Timeout | ErrorClass::Network | ErrorClass::HostNotFound => Exit::Network,
        ErrorClass::Protocol => Exit::Protocol,
        ErrorClass::BudgetSpent => Exit::BudgetSpent,
        ErrorClass::InvalidInput => Exit::Usage,
        _ => Exit::Other,
    }
}

/// The `(code N, request id R)` suffix, where known and not already in the
/// error's own message (`Error::Http` and `Error::Decode` name their status).
pub fn context(error: &Error) -> String {
    let mut parts = Vec::new();
    if let Some(code) = error.api_code() {
        parts.push(format!("code {}", code.code()));
    }
    if let Some(id) = error.request_id() {
        parts.push(format!("request id {id}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// One line of advice.
pub fn hint(error: &Error) -> String {
    match classify(error) {
        Exit::Auth if matches!(error, Error::MissingToken) => {
            format!("set {TOKEN_ENV} or pass --token-file, or try --demo")
        }
        Exit::Auth => format!("check the token in {TOKEN_ENV} (or --token-file) and its permissions"),
        Exit::Quota => "the daily quota or the balance is used up; top up or wait, then resume".to_owned(),
        Exit::RateLimited => "slow down with --rate or --concurrency, then resume".to_owned(),
        Exit::Upstream => format!(
            "the provider failed after retries (at most --retries per page, and at most {} s of waiting per page); try again later",
            RetryPolicy::default().max_total_delay().as_secs()
        ),
        Exit::Network => {
            "check the network and --base-url/--region; a slow API may need a larger --timeout".to_owned()
        }
        Exit::Protocol => {
            "the response was not what the API documents; run with RUST_LOG=debug for details".to_owned()
        }
        Exit::InvalidParameters => "check --channel and --page".to_owned(),
        Exit::Usage => "check the option named above; see --help".to_owned(),
        Exit::BudgetSpent => "raise --max-requests, then continue".to_owned(),
        Exit::Other | Exit::Success | Exit::Interrupted | Exit::Terminated => {
            "see the message above".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64) -> Error {
        Error::api(ApiCode::from_code(code), None, Some("r-1"))
    }

    #[test]
    fn configuration_errors_are_classified_by_type_not_text() {
        assert_eq!(classify(&Error::MissingToken), Exit::Auth);
        assert!(hint(&Error::MissingToken).starts_with("set JUST_ONE_API_TOKEN"));
        let setting = Error::invalid_setting("token", "is empty");
        assert_eq!(classify(&setting), Exit::Usage);
        let url = justone_xhs::Client::builder()
            .token("justone-test-token-0001")
            .base_url("ftp://x")
            .build()
            .unwrap_err();
        assert!(matches!(url, Error::InvalidBaseUrl { .. }), "{url}");
        assert_eq!(classify(&url), Exit::Usage);
        assert_eq!(Exit::Usage as i32, 2);
    }

    /// The README's table of codes says what the library's one table says
    /// (name, retry rule) and gives each code its CLI exit code.
    #[test]
    fn the_readme_table_agrees_with_the_codes_and_the_exits() {
        let readme = include_str!("../../../README.md");
        for code in ApiCode::ALL.iter().filter(|c| c.code() != 0) {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", code.code())))
                .unwrap_or_else(|| panic!("README has no row for code {}", code.code()));
            assert!(row.contains(code.name()), "{row}");
            let retried = if code.is_retryable() { "yes" } else { "no" };
            assert!(row.contains(&format!("| {retried} |")), "{row}");
            let exit = classify(&api(code.code())) as u8;
            assert!(row.ends_with(&format!("| {exit} |")), "{row}");
        }
    }

    #[test]
    fn token_limit_exceeded_is_a_quota() {
        assert_eq!(classify(&api(602)), Exit::Quota);
    }

    /// HTTP 408 is a timeout everywhere: retried by the library, exit 7
    /// here, `TIMEOUT` in MCP (one class, looked up by each).
    #[test]
    fn http_408_is_a_retryable_timeout() {
        let error = Error::http(408, "Request Timeout");
        assert_eq!(error.class(), ErrorClass::Timeout);
        assert!(error.is_retryable());
        assert_eq!(classify(&error), Exit::Network);
    }

    #[test]
    fn the_status_is_named_once() {
        let decode = Error::decode("the body is not JSON", "oops", Some(200));
        let line = format!("{decode}{}", context(&decode));
        assert_eq!(line.matches("HTTP 200").count(), 1, "{line}");
        let http = Error::http(502, "");
        let line = format!("{http}{}", context(&http));
        assert_eq!(line.matches("HTTP 502").count(), 1, "{line}");
        assert_eq!(context(&api(303)), " (code 303, request id r-1)");
    }
}
