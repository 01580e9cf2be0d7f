//! Configuring a [`Client`](crate::Client).

use std::time::Duration;

use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::retry_policy::RetryPolicy;

/// The environment variable the token is read from.
pub const TOKEN_ENV: &str = "JUST_ONE_API_TOKEN";
/// Also accepted, for compatibility with other Just One API tools.
pub const TOKEN_ENV_ALT: &str = "JUSTONEAPI_TOKEN";

/// The default cap on response bodies (the docs of `max_response_bytes`
/// say 32 MiB): a feed page is well under 1 MiB.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// Which of the provider's hosts to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.justoneapi.com`, the default.
    #[default]
    Global,
    /// `http://47.117.133.51:30015`, recommended by the provider for
    /// mainland China. Plain HTTP: the token crosses the network unencrypted.
    China,
}

impl Region {
    /// The base URL of the region's host.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Global => "https://api.justoneapi.com",
            Region::China => "http://47.117.133.51:30015",
        }
    }
}

/// Builds a [`Client`](crate::Client); see [`Client::builder`](crate::Client::builder).
/// `Clone`, so that one configuration can build several clients (each with
/// its own pool, limits and budget; for shared ones, see
/// [`Client::with_timeout`](crate::Client::with_timeout)).
#[derive(Default, Clone)]
#[must_use]
pub struct ClientBuilder {
    pub(crate) token: Option<SecretString>,
    pub(crate) region: Region,
    pub(crate) base_url: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) reqwest_client: Option<reqwest::Client>,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: Option<f64>,
    pub(crate) max_concurrency: Option<usize>,
    pub(crate) max_response_bytes: Option<u64>,
    pub(crate) cancel: Option<CancellationToken>,
    pub(crate) max_requests: Option<u64>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("region", &self.region)
            .field("base_url", &self.base_url.as_deref().map(shown_url))
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API token. It wins over the environment; without one,
    /// [`ClientBuilder::build`] reads `JUST_ONE_API_TOKEN`, then
    /// `JUSTONEAPI_TOKEN` (the first that is set and not blank, trimmed).
    ///
    /// [`build`](ClientBuilder::build) checks its form: at most 1024
    /// bytes, no whitespace, control characters, quotes or backslashes.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The provider host to use (default [`Region::Global`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// A custom base URL (a proxy, a mock server); overrides the region.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The most one attempt may take, from sending to the last byte of the
    /// answer (default 60 s, as the provider recommends); per call, see
    /// [`Client::with_timeout`](crate::Client::with_timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Send through this HTTP client (a [`reqwest::Client`], of the
    /// `reqwest` this crate re-exports) instead of one built here: its own
    /// timeouts, proxy and user agent apply; [`connect_timeout`](Self::connect_timeout)
    /// is then ignored, while [`timeout`](Self::timeout) still bounds each
    /// attempt.
    ///
    /// Start from [`reqwest_builder`](Self::reqwest_builder): with the
    /// rustls features this crate's `reqwest` has no process-wide crypto
    /// provider, so a plain `reqwest::Client::builder().build()` panics
    /// unless your application installs one.
    ///
    /// ```
    /// use justone_xhs::{Client, ClientBuilder};
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let http = ClientBuilder::reqwest_builder()?
    ///     .user_agent("my-harvester/1.0")
    ///     .build()?;
    /// let client = Client::builder().token("your-justoneapi-token-from-the-dashboard").reqwest_client(http).build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// # run().unwrap();
    /// ```
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// A `reqwest` builder set up with the TLS backend this crate's
    /// features chose (see [`reqwest_client`](Self::reqwest_client)); it
    /// changes no process-wide state.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] (`tls`) when the TLS configuration cannot
    /// be built (rustls: the platform's certificate verifier is unavailable).
    pub fn reqwest_builder() -> Result<reqwest::ClientBuilder, Error> {
        crate::tls::http_client_builder()
    }

    /// The retry schedule (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// At most this many requests per second, across all clones: one
    /// request every `1 / requests_per_second` seconds, with no initial
    /// burst, so `n` requests take at least `(n - 1) / requests_per_second`
    /// seconds. Any rate from one a day (`1.0 / 86400.0`) to a million per
    /// second; fractions are kept (1.4 is not 1).
    pub fn rate_limit(mut self, requests_per_second: f64) -> Self {
        self.rate_limit = Some(requests_per_second);
        self
    }

    /// At most this many requests in flight, across all clones.
    pub fn max_concurrency(mut self, requests: usize) -> Self {
        self.max_concurrency = Some(requests);
        self
    }

    /// The largest response body accepted (default 32 MiB). A larger one
    /// fails with [`Error::TooLarge`] without being read whole.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Send at most this many requests in all (every attempt counts,
    /// retries included), across all clones; after that every call fails
    /// with [`Error::BudgetSpent`] without sending anything. Every request
    /// is billed: this is a bound on the bill.
    pub fn max_requests(mut self, requests: u64) -> Self {
        self.max_requests = Some(requests);
        self
    }

    /// Stop the client with this token: once it is cancelled, no new
    /// request or retry starts (see [`Client::cancellation_token`](crate::Client::cancellation_token)). By
    /// default each client has its own token.
    pub fn cancellation_token(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

pub(crate) fn token_from_env() -> Option<SecretString> {
    [TOKEN_ENV, TOKEN_ENV_ALT]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
        .map(SecretString::from)
}

/// The longest token accepted, in bytes (the docs of `token` and `build`
/// say 1024). The provider's tokens are far shorter; the bound only keeps a
/// wrong file or variable from becoming a megabyte-long request.
pub(crate) const MAX_TOKEN_BYTES: usize = 1024;

pub(crate) fn check_token(token: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidSetting {
        name: "token",
        reason,
    };
    if token.is_empty() {
        return Err(invalid("is empty".to_owned()));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid(format!(
            "is {} bytes long, more than the {MAX_TOKEN_BYTES} a token can be",
            token.len()
        )));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "contains whitespace or control characters (was a file or variable with several lines used?)"
                .to_owned(),
        ));
    }
    // No token of the provider has them, and in an answer they are JSON's
    // own syntax: searching for them there could cut a string open.
    if token.contains(['"', '\\']) {
        return Err(invalid(
            "contains a quote or a backslash (was it copied with the quotes of a JSON or shell string?)"
                .to_owned(),
        ));
    }
    Ok(())
}

pub(crate) fn check_base_url(url: &str) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidBaseUrl {
        url: shown_url(url),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid("expected http(s)://host".to_owned()));
    }
    if parsed.query().is_some() {
        return Err(invalid("it must not have a query".to_owned()));
    }
    if parsed.fragment().is_some() {
        return Err(invalid("it must not have a #fragment".to_owned()));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// A URL fit to show: without user name and password (even when it does not
/// parse), `token=` values or control characters.
pub(crate) fn shown_url(url: &str) -> String {
    let without_userinfo = match url.find("://") {
        Some(scheme_end) => {
            let authority_start = scheme_end + 3;
            let authority_end = url[authority_start..]
                .find(['/', '?', '#'])
                .map_or(url.len(), |n| authority_start + n);
            match url[authority_start..authority_end].rfind('@') {
                Some(at) => format!("{}{}", &url[..authority_start], &url[authority_start + at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    };
    crate::redact::clean(&without_userinfo, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;

    /// The bounds are private; their values are stated in the docs of
    /// `token`, `build` and `max_response_bytes`.
    #[test]
    fn bounds_are_what_the_docs_say() {
        assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 32 * 1024 * 1024);
        let with_token = |len: usize| {
            Client::builder()
                .token("a".repeat(len))
                .base_url("http://127.0.0.1:9")
                .build()
        };
        assert!(with_token(1024).is_ok());
        assert!(with_token(1025).is_err());
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "ftp://example.com",
            "not a url",
            "https://x/?token=1",
            "https://x/#frag",
            "localhost:80",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(Error::InvalidBaseUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn shown_urls_never_carry_credentials() {
        let error = check_base_url("ftp://user:pa55@example.com/x?token=abc").unwrap_err();
        let text = error.to_string();
        assert!(
            !text.contains("pa55") && !text.contains("user") && !text.contains("abc"),
            "{text}"
        );
        assert!(text.contains("ftp://example.com/x?token=[redacted]"), "{text}");
        assert_eq!(shown_url("http://u:p@h:1/a@b"), "http://h:1/a@b");
        assert_eq!(shown_url("not a url"), "not a url");
        assert_eq!(shown_url("http://u:p w@h"), "http://h");
    }

    #[test]
    fn odd_tokens_are_rejected_without_being_shown() {
        let huge = "A".repeat(1 << 20);
        for token in [huge.as_str(), "tok\nSECRET", "tok SECRET", "tok\u{1b}SECRET", ""] {
            let error = Client::builder()
                .token(token)
                .base_url("http://127.0.0.1:9")
                .build()
                .unwrap_err();
            assert!(
                matches!(error, Error::InvalidSetting { name: "token", .. }),
                "{error:?}"
            );
            assert!(!error.to_string().contains("SECRET"), "{error}");
            assert!(error.to_string().len() < 200);
        }
        assert!(
            Client::builder()
                .token("a".repeat(MAX_TOKEN_BYTES) + "+/=%")
                .base_url("http://127.0.0.1:9")
                .build()
                .is_err()
        );
        assert!(
            Client::builder()
                .token("tok+SECRET/ab==%25")
                .base_url("http://127.0.0.1:9")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let builder = Client::builder().token("SECRET-TOKEN-1");
        assert!(!format!("{builder:?}").contains("SECRET-TOKEN-1"));
        let client = builder
            .base_url("http://proxy-user:pa55@127.0.0.1:9")
            .build()
            .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("SECRET-TOKEN-1"), "{shown}");
        assert!(
            !shown.contains("pa55") && !shown.contains("proxy-user"),
            "{shown}"
        );
        assert!(shown.contains("http://127.0.0.1:9"), "{shown}");
    }
}
