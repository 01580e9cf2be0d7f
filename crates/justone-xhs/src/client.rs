//! The client: one request, with retries, pacing and tracing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::channel::Channel;
use crate::client_builder::ClientBuilder;
use crate::error::Error;
use crate::error_mapping::{Request, map_result};
use crate::feed_page::FeedPage;
use crate::rate_limit::Limits;
use crate::retry_policy::RetryPolicy;

/// A Notes Feed client. Cheap to clone (an `Arc`); clones share the
/// connection pool, the rate limit and the concurrency cap.
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
}

pub(crate) struct Inner {
    pub(crate) raw: justone_gen::Client,
    pub(crate) token: SecretString,
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) limits: Limits,
    pub(crate) retries: AtomicU64,
    pub(crate) max_response_bytes: u64,
    pub(crate) cancel: CancellationToken,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_url",
                &crate::client_builder::shown_url(&self.inner.base_url),
            )
            .field("token", &"[redacted]")
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Inner) -> Client {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// How many retries this client (and its clones) has made so far.
    pub fn retry_count(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    /// The retry policy this client was built with (what bounds its
    /// retries: [`RetryPolicy::retry_limit`] and
    /// [`RetryPolicy::total_delay_limit`]).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The token that stops this client: once it is cancelled, no clone
    /// starts another request or retry (each call returns
    /// [`Error::Cancelled`] without sending anything, and waits for a
    /// permit, a rate-limit pause or a backoff end at once); requests
    /// already on the wire complete. Set your own with
    /// [`ClientBuilder::cancellation_token`].
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.inner.cancel
    }

    /// Fetches one page of a channel's feed, retrying what the retry policy
    /// allows (see [`Error::is_retryable`]).
    ///
    /// A rate limit (302, HTTP 429) pauses every request of this client and
    /// its clones, not only this one, for as long as this request waits (its
    /// `Retry-After` or backoff, at most the policy's `max_delay`). When more
    /// rounds of rate limiting than the policy's retries follow each other
    /// without a success, the client stops retrying them: every request
    /// already under way fails with that rate-limit error without being sent
    /// again, and a request started later sends one attempt to probe.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] (`page`) for a page number above
    /// `i32::MAX` (the API's type), without sending anything;
    /// [`Error::Cancelled`] when the client was cancelled before a request
    /// could be sent; otherwise the last attempt's [`Error`] when no attempt
    /// succeeded.
    pub async fn note_feed(&self, channel: &Channel, page: u32) -> Result<FeedPage, Error> {
        let wire_page = i32::try_from(page).map_err(|_| Error::InvalidSetting {
            name: "page",
            reason: format!("must be at most {}, got {page}", i32::MAX),
        })?;
        let span = tracing::info_span!(
            "note_feed",
            channel = channel.oid(),
            page,
            attempts = tracing::field::Empty,
            code = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let (result, attempts) = self
            .with_retries(channel, page, wire_page)
            .instrument(span.clone())
            .await;
        span.record("attempts", attempts);
        match &result {
            Ok(page) => {
                span.record("code", 0);
                if let Some(id) = &page.request_id {
                    span.record("request_id", id.as_str());
                }
            }
            Err(error) => {
                if let Some(code) = error.api_code() {
                    span.record("code", code.code());
                }
                if let Some(id) = error.request_id() {
                    span.record("request_id", id);
                }
            }
        }
        result
    }

    /// The attempts of one request and the waits between them; returns the
    /// outcome and the number of attempts sent.
    async fn with_retries(
        &self,
        channel: &Channel,
        page: u32,
        wire_page: i32,
    ) -> (Result<FeedPage, Error>, u32) {
        let policy = &self.inner.retry;
        let limits = &self.inner.limits;
        let cancel = &self.inner.cancel;
        let started = Instant::now();
        let mut schedule = policy.schedule();
        let mut attempt: u32 = 0;
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
            attempt += 1;
            let sent_at = Instant::now();
            let error = match self.attempt(channel, page, wire_page, attempt).await {
                Ok(page) => {
                    limits.succeeded();
                    return (Ok(page), attempt);
                }
                Err(error) => error,
            };
            let delay = error
                .is_retryable()
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
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %error, delay_ms = delay.as_millis() as u64, "retrying");
            // A cancelled client cuts the wait short; the loop then returns
            // `Cancelled` without sending.
            cancel.run_until_cancelled(tokio::time::sleep(delay)).await;
        }
    }

    async fn attempt(
        &self,
        channel: &Channel,
        page: u32,
        wire_page: i32,
        attempt: u32,
    ) -> Result<FeedPage, Error> {
        let token = self.inner.token.expose_secret();
        let started = std::time::Instant::now();
        let send = self
            .inner
            .raw
            .get_api_xiaohongshu_get_note_feed_v1()
            .token(token)
            .oid(channel.oid())
            .page(wire_page)
            .send();
        let (result, meta) = justone_gen::hooks::capture(self.inner.max_response_bytes, send).await;
        let request = Request { channel, page, token };
        let outcome = map_result(result, meta, &request).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let status = meta.map(|m| m.status);
        // One line per attempt at DEBUG; the error's text is already free of
        // the token and of control characters.
        match &outcome {
            Ok(p) => tracing::debug!(
                attempt,
                ?status,
                elapsed_ms,
                request_id = p.request_id.as_deref(),
                items = p.items.len(),
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
        outcome
    }
}
