//! How a failure becomes an exit code, an `error:` line and a `hint:` line.

use justone_xhs::{ApiCode, Error, TOKEN_ENV};

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
    /// 4: quota or balance (303, 601).
    Quota = 4,
    /// 5: still rate limited after retries (302, HTTP 429).
    RateLimited = 5,
    /// 6: upstream failure after retries (301, 500, 5xx).
    Upstream = 6,
    /// 7: network failure or timeout.
    Network = 7,
    /// 8: protocol or decode error.
    Protocol = 8,
    /// 9: invalid parameters (400).
    InvalidParameters = 9,
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

/// The exit code for a library error.
pub fn classify(error: &Error) -> Exit {
    if error.is_rate_limit() {
        return Exit::RateLimited;
    }
    match error {
        Error::Api { code, .. } => match code {
            ApiCode::InvalidToken | ApiCode::PermissionDenied => Exit::Auth,
            ApiCode::DailyQuotaExceeded | ApiCode::InsufficientBalance => Exit::Quota,
            ApiCode::CollectionFailed | ApiCode::InternalError | ApiCode::ServiceUnavailable => {
                Exit::Upstream
            }
            ApiCode::InvalidParameters => Exit::InvalidParameters,
            _ => Exit::Protocol,
        },
        Error::Http { status, .. } if *status >= 500 => Exit::Upstream,
        Error::Http { .. } | Error::Decode { .. } | Error::TooLarge { .. } => Exit::Protocol,
        Error::Timeout { .. } | Error::Connect { .. } => Exit::Network,
        Error::Config(message) if message.contains("token") => Exit::Auth,
        _ => Exit::Other,
    }
}

/// The `(code N, request id R)` suffix, where known.
pub fn context(error: &Error) -> String {
    let mut parts = Vec::new();
    if let Some(code) = error.api_code() {
        parts.push(format!("code {}", code.code()));
    } else if let Some(status) = error.http_status() {
        parts.push(format!("HTTP {status}"));
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
        Exit::Auth if matches!(error, Error::Config(_)) => {
            format!("set {TOKEN_ENV} or pass --token-file, or try --demo")
        }
        Exit::Auth => format!("check the token in {TOKEN_ENV} (or --token-file) and its permissions"),
        Exit::Quota => "the daily quota or the balance is used up; top up or wait, then resume".to_owned(),
        Exit::RateLimited => "slow down with --rate or --concurrency, then resume".to_owned(),
        Exit::Upstream => {
            "the provider failed after retries; try again later or with more --retries".to_owned()
        }
        Exit::Network => {
            "check the network and --base-url/--region; a slow API may need a larger --timeout".to_owned()
        }
        Exit::Protocol => {
            "the response was not what the API documents; run with RUST_LOG=debug for details".to_owned()
        }
        Exit::InvalidParameters => "check --channel and --page".to_owned(),
        Exit::Other | Exit::Usage | Exit::Success | Exit::Interrupted | Exit::Terminated => {
            "see the message above".to_owned()
        }
    }
}
