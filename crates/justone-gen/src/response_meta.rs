//! Hand-written: what the generated client drops on some error paths.
//!
//! progenitor's `Error::InvalidResponsePayload` keeps the body but not the
//! HTTP status or headers, so a 503 with an HTML body would be
//! indistinguishable from a 200 with an HTML body. The generated code calls
//! [`ClientHooks::post`] with every response before decoding it; this
//! implementation records the status and `Retry-After` in a task-local slot
//! that [`capture`] opens around one request.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use progenitor_client::{ClientHooks, OperationInfo};

use crate::Client;

/// Status and headers of the last response seen inside [`capture`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseMeta {
    /// The HTTP status code.
    pub status: u16,
    /// The `Retry-After` header, when it was a number of seconds.
    pub retry_after: Option<Duration>,
}

tokio::task_local! {
    static LAST: Cell<Option<ResponseMeta>>;
}

/// Runs `request` (a generated `send()` future) and returns its output with
/// the metadata of the response it received, if any.
pub async fn capture<F: Future>(request: F) -> (F::Output, Option<ResponseMeta>) {
    LAST.scope(Cell::new(None), async {
        let output = request.await;
        (output, LAST.with(Cell::get))
    })
    .await
}

impl ClientHooks for Client {
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
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let meta = ResponseMeta {
                status: response.status().as_u16(),
                retry_after,
            };
            // Outside `capture` there is no slot, and nothing to record.
            let _ = LAST.try_with(|slot| slot.set(Some(meta)));
        }
        Ok(())
    }
}
