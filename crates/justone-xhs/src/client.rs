//! The client: one request, with retries, pacing and tracing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use backon::Retryable;
use secrecy::{ExposeSecret, SecretString};
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
            .field("base_url", &self.inner.base_url)
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

    /// The token that stops this client: once it is cancelled, no clone
    /// starts another request or retry (each call returns
    /// [`Error::Cancelled`] without sending anything); requests already on
    /// the wire complete. Set your own with
    /// [`ClientBuilder::cancellation_token`].
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.inner.cancel
    }

    /// Fetches one page of a channel's feed, retrying what the retry policy
    /// allows (see [`Error::is_retryable`]).
    ///
    /// # Errors
    /// The last attempt's [`Error`] when no attempt succeeded;
    /// [`Error::Cancelled`] when the client was cancelled before a request
    /// could be sent.
    pub async fn note_feed(&self, channel: &Channel, page: u32) -> Result<FeedPage, Error> {
        let span = tracing::info_span!(
            "note_feed",
            channel = channel.oid(),
            page,
            attempts = tracing::field::Empty,
            code = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let attempt = AtomicU32::new(0);
        let policy = &self.inner.retry;
        let cancel = self.inner.cancel.clone();
        let result = (|| async {
            let n = attempt.fetch_add(1, Ordering::Relaxed) + 1;
            self.attempt(channel, page, n).await
        })
        .retry(policy.backoff())
        // A cancelled client cuts a backoff wait short; the next attempt
        // then returns `Cancelled` without sending.
        .sleep(move |delay| {
            let cancel = cancel.clone();
            async move {
                cancel.run_until_cancelled(tokio::time::sleep(delay)).await;
            }
        })
        .when(|error| error.is_retryable() && !self.inner.cancel.is_cancelled())
        .adjust(|error, delay| policy.next_delay(delay, error.retry_after()))
        .notify(|error, delay| {
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %error, delay_ms = delay.as_millis() as u64, "retrying");
        })
        .instrument(span.clone())
        .await;
        span.record("attempts", attempt.load(Ordering::Relaxed));
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

    async fn attempt(&self, channel: &Channel, page: u32, attempt: u32) -> Result<FeedPage, Error> {
        let cancel = &self.inner.cancel;
        let Some(_permit) = cancel.run_until_cancelled(self.inner.limits.acquire()).await else {
            return Err(Error::Cancelled);
        };
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let token = self.inner.token.expose_secret();
        let started = Instant::now();
        let send = self
            .inner
            .raw
            .get_api_xiaohongshu_get_note_feed_v1()
            .token(token)
            .oid(channel.oid())
            .page(i32::try_from(page).unwrap_or(i32::MAX))
            .send();
        let (result, meta) = justone_gen::hooks::capture(self.inner.max_response_bytes, send).await;
        let request = Request { channel, page, token };
        let outcome = map_result(result, meta, &request).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let status = meta.map(|m| m.status);
        match &outcome {
            Ok(p) => tracing::debug!(
                attempt,
                ?status,
                elapsed_ms,
                items = p.items.len(),
                "page received"
            ),
            Err(e) => tracing::debug!(attempt, ?status, elapsed_ms, error = %e, "attempt failed"),
        }
        outcome
    }
}
