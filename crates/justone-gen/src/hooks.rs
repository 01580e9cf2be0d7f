//! Hand-written hooks for the generated client (`progenitor_client::ClientHooks`).
//!
//! The generated code calls [`ClientHooks::exec`] to send each request and
//! [`ClientHooks::post`] with each response before decoding it. Two things
//! happen here, both scoped to one request by [`capture`]:
//!
//! - **Response metadata.** progenitor's `Error::InvalidResponsePayload` keeps
//!   the body but not the HTTP status or headers, so a 503 with an HTML body
//!   would look like a 200 with one. The status and `Retry-After` are recorded
//!   and returned by [`capture`].
//! - **A body size cap.** progenitor reads whole bodies into memory. A body
//!   announced larger than the cap fails before any of it is read; a body
//!   without a length fails as soon as the cap is passed, so at most the cap
//!   (plus one network chunk) is ever buffered. The failure is a body error
//!   whose source is [`BodyTooLarge`].

#![warn(missing_docs)]

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use progenitor_client::{ClientHooks, OperationInfo};

use crate::Client;

/// Status and headers of the last response seen inside [`capture`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseMeta {
    /// The HTTP status code.
    pub status: u16,
    /// The `Retry-After` header (seconds, or the time until its HTTP date).
    pub retry_after: Option<Duration>,
}

/// The response body was larger than the cap given to [`capture`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The cap, in bytes.
    pub limit: u64,
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the response body is larger than {} bytes", self.limit)
    }
}

impl std::error::Error for BodyTooLarge {}

struct Slot {
    meta: Cell<Option<ResponseMeta>>,
    max_body_bytes: u64,
}

tokio::task_local! {
    static SLOT: Slot;
}

/// Runs `request` (a generated `send()` future) with bodies capped at
/// `max_body_bytes`, and returns its output with the metadata of the
/// response it received, if any.
pub async fn capture<F: Future>(max_body_bytes: u64, request: F) -> (F::Output, Option<ResponseMeta>) {
    let slot = Slot {
        meta: Cell::new(None),
        max_body_bytes,
    };
    SLOT.scope(slot, async {
        let output = request.await;
        (output, SLOT.with(|slot| slot.meta.get()))
    })
    .await
}

impl ClientHooks for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        match SLOT.try_with(|slot| slot.max_body_bytes) {
            Ok(limit) if limit < u64::MAX => Ok(capped(response, limit)),
            _ => Ok(response),
        }
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if let Ok(response) = result {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after);
            let meta = ResponseMeta {
                status: response.status().as_u16(),
                retry_after,
            };
            // Outside `capture` there is no slot, and nothing to record.
            let _ = SLOT.try_with(|slot| slot.meta.set(Some(meta)));
        }
        Ok(())
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The same response with a body that fails once more than `limit` bytes
/// arrive (at once, if the announced length is already larger).
fn capped(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let (status, version, headers) = (response.status(), response.version(), response.headers().clone());
    let too_large = move || -> BoxError { Box::new(BodyTooLarge { limit }) };
    let body = if response.content_length().is_some_and(|length| length > limit) {
        reqwest::Body::wrap_stream(futures_util::stream::once(async move {
            Err::<bytes::Bytes, _>(too_large())
        }))
    } else {
        let chunks = response
            .bytes_stream()
            .scan((0u64, false), move |(seen, failed), chunk| {
                if *failed {
                    return std::future::ready(None);
                }
                let item = match chunk {
                    Ok(bytes) => {
                        *seen = seen.saturating_add(bytes.len() as u64);
                        if *seen > limit {
                            Err(too_large())
                        } else {
                            Ok(bytes)
                        }
                    }
                    Err(e) => Err(BoxError::from(e)),
                };
                *failed = item.is_err();
                std::future::ready(Some(item))
            });
        reqwest::Body::wrap_stream(chunks)
    };
    let mut capped = http::Response::new(body);
    *capped.status_mut() = status;
    *capped.version_mut() = version;
    *capped.headers_mut() = headers;
    reqwest::Response::from(capped)
}

/// A `Retry-After` value: a number of seconds or an HTTP date (RFC 9110
/// allows both); a date in the past asks for no wait.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds is still a number of seconds: as
        // long a wait as there is, not a value to ignore.
        return Some(value.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        assert_eq!(retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
        let wait = retry_after(&later).unwrap();
        assert!(
            wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
            "{wait:?}"
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after("-5"), None);
        assert_eq!(retry_after("18446744073709551616"), Some(Duration::MAX));
    }
}
