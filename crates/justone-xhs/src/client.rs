//! The client and its request core: every operation's request takes the
//! same path through [`Client::execute`] (concurrency permit, shared
//! rate-limit pause, rate token, response capture and size cap, envelope
//! mapping, token scrubbing, retries, tracing). An endpoint module supplies
//! only how to send its request and how to decode its `data`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::api_response::ApiResponse;
use crate::client_builder::{
    ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, check_base_url, check_token, shown_url, token_from_env,
};
use crate::error::Error;
use crate::error_mapping::{RawResult, answer_without_token, map_result};
use crate::rate_limit::Limits;
use crate::retry_policy::RetryPolicy;

/// A Just One API client. Cheap to clone (an `Arc`); clones share the
/// connection pool, the rate limit, the concurrency cap and the
/// cancellation token. [`Client::with_cancellation`] makes a client that
/// shares all but the cancellation token, for work that is stopped alone.
///
/// ```no_run
/// use justone_xhs::{Channel, Client};
///
/// # async fn run() -> Result<(), justone_xhs::Error> {
/// let client = Client::builder().build()?; // token from JUST_ONE_API_TOKEN
/// let page = client.note_feed(&Channel::Food, 1).await?;
/// for item in &page.items {
///     println!("{:?} {:?} likes", item.title, item.likes);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// What stops this client and its clones; see [`Client::with_cancellation`].
    cancel: CancellationToken,
    /// Requests sent by this client and its clones since it was built or
    /// made by [`Client::with_cancellation`].
    scope_sent: Arc<AtomicU64>,
    /// The retries of this client; see [`Client::with_retry_policy`].
    retry: Arc<RetryPolicy>,
    /// The most one attempt may take; see [`Client::with_timeout`].
    timeout: Duration,
}

struct Inner {
    raw: justone_gen::Client,
    token: SecretString,
    base_url: String,
    limits: Limits,
    retries: AtomicU64,
    /// Attempts sent, and the most that may be sent.
    sent: AtomicU64,
    max_requests: Option<u64>,
    max_response_bytes: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &shown_url(&self.inner.base_url))
            .field("token", &"[redacted]")
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// How many requests (attempts, retries included) this client and its
    /// clones have sent so far.
    pub fn request_count(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// How many retries this client (and its clones) has sent so far (a
    /// retry the budget or a cancellation refused is not one).
    pub fn retry_count(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    /// The retry policy this client was built with (what bounds its
    /// retries: [`RetryPolicy::max_retries`] and
    /// [`RetryPolicy::max_total_delay`]).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The most requests this client and the clients it shares its budget
    /// with may send ([`ClientBuilder::max_requests`]); `None`: no bound.
    pub fn max_requests(&self) -> Option<u64> {
        self.inner.max_requests
    }

    /// How many more requests the budget allows; `None`: no bound.
    pub fn requests_left(&self) -> Option<u64> {
        self.inner
            .max_requests
            .map(|max| max.saturating_sub(self.request_count()))
    }

    /// The most one attempt may take, from sending to the last byte of the
    /// answer (60 s unless [`ClientBuilder::timeout`] or
    /// [`with_timeout`](Self::with_timeout) says otherwise).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A client that shares everything with this one (pool, rate limit,
    /// concurrency cap, budget, cancellation) but waits at most `timeout`
    /// for each attempt: for one call that needs more or less time than
    /// the rest.
    ///
    /// ```
    /// use std::time::Duration;
    /// use justone_xhs::{Client, RetryPolicy};
    ///
    /// # fn run() -> Result<(), justone_xhs::Error> {
    /// let client = Client::builder().token("your-justoneapi-token-from-the-dashboard").base_url("http://127.0.0.1:9").build()?;
    /// let patient = client.with_timeout(Duration::from_secs(120)).with_retry_policy(RetryPolicy::none());
    /// assert_eq!(patient.timeout(), Duration::from_secs(120));
    /// assert_eq!(client.timeout(), Duration::from_secs(60));
    /// # Ok(())
    /// # }
    /// # run().unwrap();
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            timeout,
            ..self.clone()
        }
    }

    /// A client that shares everything with this one but retries as
    /// `policy` says.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        Client {
            retry: Arc::new(policy),
            ..self.clone()
        }
    }

    /// The token that stops this client: once it is cancelled, no clone
    /// starts another request or retry (each call returns
    /// [`Error::Cancelled`] without sending anything, and waits for a
    /// permit, a rate-limit pause or a backoff end at once); requests
    /// already on the wire complete. Set your own with
    /// [`ClientBuilder::cancellation_token`].
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// A client that shares everything with this one (connection pool,
    /// rate limit, concurrency cap, retry policy, the
    /// [`max_requests`](ClientBuilder::max_requests) budget and
    /// [`request_count`](Self::request_count)) except what stops it: it stops
    /// when `cancel` is cancelled, as described at
    /// [`cancellation_token`](Self::cancellation_token), and this client does
    /// not. Its [`scope_request_count`](Self::scope_request_count) starts at 0.
    ///
    /// For one unit of work that can be called off alone, such as one tool
    /// call of a server. To stop it with this client too, pass a child of
    /// this client's token.
    ///
    /// ```
    /// use justone_xhs::Client;
    ///
    /// # fn run() -> Result<(), justone_xhs::Error> {
    /// let client = Client::builder().token("your-justoneapi-token-from-the-dashboard").base_url("http://127.0.0.1:9").build()?;
    /// let call = client.with_cancellation(client.cancellation_token().child_token());
    /// call.cancellation_token().cancel();
    /// assert!(!client.cancellation_token().is_cancelled());
    /// client.cancellation_token().cancel();
    /// # Ok(())
    /// # }
    /// # run().unwrap();
    /// ```
    pub fn with_cancellation(&self, cancel: CancellationToken) -> Client {
        Client {
            cancel,
            scope_sent: Arc::default(),
            ..self.clone()
        }
    }

    /// How many requests (attempts, retries included) this client and its
    /// clones have sent since it was built or made by
    /// [`with_cancellation`](Self::with_cancellation); unlike
    /// [`request_count`](Self::request_count), not those of the clients it
    /// shares its budget with.
    pub fn scope_request_count(&self) -> u64 {
        self.scope_sent.load(Ordering::Relaxed)
    }

    /// The request core: sends one operation's request through `send`
    /// (given the generated client and the token; boxed because the
    /// generated builder borrows the client), maps the envelope, and
    /// decodes its `data` with `decode`; retries what the retry policy
    /// allows (see [`Error::is_retryable`] and [`RetryPolicy::retry_uncertain`]).
    ///
    /// A rate limit (302, HTTP 429) pauses every request of this client and
    /// its clones, not only this one, for as long as this request waits (its
    /// `Retry-After` or backoff, at most the policy's `max_delay`); a request
    /// that is not retried (`RetryPolicy::none()`, retries used up) still
    /// pauses the client for its `Retry-After`, or else the policy's initial
    /// delay, so that the next call does not meet the same limit. When more
    /// rounds of rate limiting than the policy's retries follow each other
    /// without a success, the client stops retrying them: every request
    /// already under way fails with that rate-limit error without being sent
    /// again, and a request started later sends one attempt to probe.
    ///
    /// Errors are scrubbed of the token here, whatever `decode` returns.
    pub(crate) async fn execute<T, S, D>(
        &self,
        operation: &'static str,
        send: S,
        decode: D,
    ) -> Result<T, Error>
    where
        S: for<'a> Fn(&'a justone_gen::Client, &'a str) -> BoxFuture<'a, RawResult>,
        D: Fn(ApiResponse) -> Result<T, Error>,
    {
        let span = tracing::info_span!(
            "request",
            operation,
            attempts = tracing::field::Empty,
            code = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let (result, attempts) = self.with_retries(&send, &decode).instrument(span.clone()).await;
        span.record("attempts", attempts);
        if let Err(error) = &result {
            if let Some(code) = error.api_code() {
                span.record("code", code.code());
            }
            if let Some(id) = error.request_id() {
                span.record("request_id", id);
            }
        } else {
            span.record("code", 0);
        }
        result
    }

    /// The attempts of one request and the waits between them; returns the
    /// outcome and the number of attempts sent.
    async fn with_retries<T, S, D>(&self, send: &S, decode: &D) -> (Result<T, Error>, u32)
    where
        S: for<'a> Fn(&'a justone_gen::Client, &'a str) -> BoxFuture<'a, RawResult>,
        D: Fn(ApiResponse) -> Result<T, Error>,
    {
        let policy = &*self.retry;
        let limits = &self.inner.limits;
        let cancel = &self.cancel;
        let started = Instant::now();
        let mut schedule = policy.schedule();
        let mut attempt: u32 = 0;
        // The error of the attempt before a wait: what a refused retry reports.
        let mut last: Option<Error> = None;
        loop {
            let permit = match cancel
                .run_until_cancelled(limits.acquire(started, policy.max_retries))
                .await
            {
                Some(Ok(permit)) if !cancel.is_cancelled() => permit,
                Some(Ok(_)) | None => return (Err(Error::Cancelled), attempt),
                // Stopped by a rate limit that other requests kept hitting.
                Some(Err(error)) => return (Err(error), attempt),
            };
            if !self.take_request() {
                return (
                    Err(Error::BudgetSpent {
                        max_requests: self.inner.max_requests.unwrap_or_default(),
                        last_attempt: last.map(Box::new),
                    }),
                    attempt,
                );
            }
            // A retry counts once it is sent, not when it is planned: the
            // budget or a cancellation may refuse it.
            if attempt > 0 {
                self.inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            attempt += 1;
            self.scope_sent.fetch_add(1, Ordering::Relaxed);
            let sent_at = Instant::now();
            let error = match self.attempt(send, decode, attempt).await {
                Ok(value) => {
                    limits.succeeded();
                    return (Ok(value), attempt);
                }
                Err(error) => error,
            };
            let delay = policy
                .allows(&error)
                .then(|| schedule.next_delay(error.retry_after()))
                .flatten();
            if error.is_rate_limit() {
                // Set while this request still holds its permit, so that no
                // other request slips in before the pause is in place.
                let pause = delay.unwrap_or_else(|| error.retry_after().unwrap_or(policy.initial_delay));
                limits.rate_limited(sent_at, pause.min(policy.max_delay), &error);
            }
            drop(permit);
            let stop = limits.stopped(started, policy.max_retries) || cancel.is_cancelled();
            let Some(delay) = delay.filter(|_| !stop) else {
                return (Err(error), attempt);
            };
            tracing::warn!(error = %error, delay_ms = delay.as_millis() as u64, "retrying");
            // A cancelled client cuts the wait short; the loop then returns
            // `Cancelled` without sending.
            cancel.run_until_cancelled(tokio::time::sleep(delay)).await;
            last = Some(error);
        }
    }

    /// Counts one request against the budget; false when it is spent.
    fn take_request(&self) -> bool {
        let sent = &self.inner.sent;
        match self.inner.max_requests {
            None => {
                sent.fetch_add(1, Ordering::Relaxed);
                true
            }
            Some(max) => sent
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    (n < max).then_some(n + 1)
                })
                .is_ok(),
        }
    }

    async fn attempt<T, S, D>(&self, send: &S, decode: &D, attempt: u32) -> Result<T, Error>
    where
        S: for<'a> Fn(&'a justone_gen::Client, &'a str) -> BoxFuture<'a, RawResult>,
        D: Fn(ApiResponse) -> Result<T, Error>,
    {
        let token = self.inner.token.expose_secret();
        let started = std::time::Instant::now();
        // The timeout is the request core's, not the HTTP client's, so that
        // one client can give one call more time (`with_timeout`).
        let exchange = async {
            let (result, meta) =
                justone_gen::hooks::capture(self.inner.max_response_bytes, send(&self.inner.raw, token))
                    .await;
            (map_result(result, meta, token).await, meta)
        };
        let (response, meta) = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(done) => done,
            Err(_) => (
                Err(Error::timeout(format!(
                    "no complete answer within {:.1} s",
                    self.timeout.as_secs_f64()
                ))),
                None,
            ),
        };
        // Every error, whichever step made it (a serde message may quote the
        // body), leaves here scrubbed.
        let response = response
            .and_then(|r| answer_without_token(r, token))
            .map_err(|e| e.redacted(token));
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let status = meta.map(|m| m.status);
        // One line per attempt at DEBUG; the error's text is already free of
        // the token and of control characters.
        match &response {
            Ok(r) => tracing::debug!(
                attempt,
                ?status,
                elapsed_ms,
                request_id = r.request_id.as_deref(),
                outcome = "ok",
                "attempt succeeded"
            ),
            Err(e) => tracing::debug!(
                attempt,
                ?status,
                elapsed_ms,
                request_id = e.request_id(),
                outcome = if e.is_retryable() { "retryable error" } else { "error" },
                error = %e,
                "attempt failed"
            ),
        }
        response.and_then(|r| decode(r).map_err(|e| e.redacted(token)))
    }
}

impl ClientBuilder {
    /// Builds the client. Sends nothing.
    ///
    /// # Errors
    /// - [`Error::MissingToken`] when no token was given and neither
    ///   environment variable is set;
    /// - [`Error::InvalidSetting`] (`token`) for a token that is empty, longer
    ///   than 1024 bytes, or holds whitespace
    ///   or control characters (a token like that could only fail, as a
    ///   transport error retried for nothing), a quote or a backslash (no
    ///   token has them); the message never shows the token;
    /// - [`Error::InvalidBaseUrl`] when the base URL is not
    ///   `http(s)://host[:port][/path]` (no query, no fragment);
    /// - [`Error::InvalidSetting`] for a rate limit or concurrency cap out of
    ///   range, or when the HTTP client cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        let token = self.token.or_else(token_from_env).ok_or(Error::MissingToken)?;
        check_token(token.expose_secret())?;
        let base_url = self.base_url.unwrap_or_else(|| self.region.base_url().to_owned());
        let base_url = check_base_url(&base_url)?;
        let http = match self.reqwest_client {
            Some(client) => client,
            None => crate::tls::http_client_builder()?
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .user_agent(concat!("justone-xhs/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::InvalidSetting {
                    name: "reqwest_client",
                    reason: format!("cannot be built: {}", e.without_url()),
                })?,
        };
        let limits = Limits::new(self.rate_limit, self.max_concurrency)?;
        Ok(Client {
            inner: Arc::new(Inner {
                raw: justone_gen::Client::new_with_client(&base_url, http),
                token,
                base_url,
                limits,
                retries: AtomicU64::new(0),
                sent: AtomicU64::new(0),
                max_requests: self.max_requests,
                max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            }),
            cancel: self.cancel.unwrap_or_default(),
            scope_sent: Arc::default(),
            retry: Arc::new(self.retry),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }
}

/// The provider's recommendation for its slowest answers.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
