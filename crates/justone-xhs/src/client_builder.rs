//! Configuring a [`Client`].

use std::time::Duration;

use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::client::{Client, Inner};
use crate::error::Error;
use crate::rate_limit::Limits;
use crate::retry_policy::RetryPolicy;

/// The environment variable the token is read from.
pub const TOKEN_ENV: &str = "JUST_ONE_API_TOKEN";
/// Also accepted, for compatibility with other Just One API tools.
pub const TOKEN_ENV_ALT: &str = "JUSTONEAPI_TOKEN";

/// The default cap on response bodies: a feed page is well under 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

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

/// Builds a [`Client`]; see [`Client::builder`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    token: Option<SecretString>,
    region: Region,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    retry: RetryPolicy,
    rate_limit: Option<f64>,
    max_concurrency: Option<usize>,
    max_response_bytes: Option<u64>,
    cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API token. Without one, [`ClientBuilder::build`] reads
    /// `JUST_ONE_API_TOKEN`, then `JUSTONEAPI_TOKEN`.
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

    /// The whole-request timeout (default 60 s, as the provider recommends).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Use this `reqwest::Client` (its own timeouts and user agent apply;
    /// [`timeout`](Self::timeout) and [`connect_timeout`](Self::connect_timeout)
    /// are then ignored).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The retry schedule (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// At most this many requests per second, across all clones.
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

    /// Stop the client with this token: once it is cancelled, no new
    /// request or retry starts (see [`Client::cancellation_token`]). By
    /// default each client has its own token.
    pub fn cancellation_token(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no token, the base URL is not an
    /// `http(s)` URL, or a limit is out of range.
    pub fn build(self) -> Result<Client, Error> {
        let token = self.token.or_else(token_from_env).ok_or_else(|| {
            Error::Config(format!(
                "no API token: set {TOKEN_ENV} or pass one to ClientBuilder::token"
            ))
        })?;
        let base_url = self.base_url.unwrap_or_else(|| self.region.base_url().to_owned());
        let base_url = check_base_url(&base_url)?;
        let http = match self.http_client {
            Some(client) => client,
            None => {
                // reqwest is built without a default crypto provider so that
                // no C toolchain is needed (aws-lc); ring is ours. An error
                // only means the application installed a provider already.
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::builder()
                    .timeout(self.timeout.unwrap_or(Duration::from_secs(60)))
                    .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                    .user_agent(concat!("justone-xhs/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| {
                        Error::Config(format!("cannot build the HTTP client: {}", e.without_url()))
                    })?
            }
        };
        let limits = Limits::new(self.rate_limit, self.max_concurrency)?;
        Ok(Client::from_inner(Inner {
            raw: justone_gen::Client::new_with_client(&base_url, http),
            token,
            base_url,
            retry: self.retry,
            limits,
            retries: Default::default(),
            max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            cancel: self.cancel.unwrap_or_default(),
        }))
    }
}

fn token_from_env() -> Option<SecretString> {
    [TOKEN_ENV, TOKEN_ENV_ALT]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
        .map(SecretString::from)
}

fn check_base_url(url: &str) -> Result<String, Error> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| Error::Config(format!("invalid base URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::Config(format!(
            "invalid base URL {url:?}: expected http(s)://host"
        )));
    }
    if parsed.query().is_some() {
        return Err(Error::Config(format!(
            "invalid base URL {url:?}: it must not have a query"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(check_base_url("ftp://example.com").is_err());
        assert!(check_base_url("not a url").is_err());
        assert!(check_base_url("https://x/?token=1").is_err());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let builder = Client::builder().token("SECRET-TOKEN-1");
        assert!(!format!("{builder:?}").contains("SECRET-TOKEN-1"));
        let client = builder.base_url("http://127.0.0.1:9").build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("SECRET-TOKEN-1"), "{shown}");
        assert!(shown.contains("127.0.0.1:9"), "{shown}");
    }
}
