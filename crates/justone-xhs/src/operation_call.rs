//! A call of any operation built step by step: the request builder behind
//! [`Client::operation`] and the typed methods of
//! [`crate::typed_operations`]. Sends through
//! [`call_operation`](Client::call_operation) or walks with
//! [`operation_pages`](Client::operation_pages), so every check, retry and
//! redaction applies.

use crate::api_response::ApiResponse;
use crate::client::Client;
use crate::error::Error;
use crate::operation_pages::OperationPages;

/// A call of one operation with its parameters, not yet sent.
///
/// ```no_run
/// use justone_xhs::{Client, ops};
///
/// # async fn run() -> Result<(), justone_xhs::Error> {
/// let client = Client::builder().build()?;
/// let answer = client
///     .operation(ops::GET_API_XIAOHONGSHU_SEARCH_NOTE_V2)
///     .param("keyword", "coffee")
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct OperationCall {
    client: Client,
    operation: String,
    params: Vec<(String, String)>,
}

impl Client {
    /// A call of `operation_id` (see [`ops`](crate::ops) for the ids),
    /// checked when it is sent.
    pub fn operation(&self, operation_id: &str) -> OperationCall {
        OperationCall {
            client: self.clone(),
            operation: operation_id.to_owned(),
            params: Vec::new(),
        }
    }
}

impl OperationCall {
    /// Sets the parameter `name` (a later value replaces an earlier one).
    pub fn param(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.params.retain(|(given, _)| given != name);
        self.params.push((name.to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Sends one request.
    ///
    /// # Errors
    /// As [`Client::call_operation`].
    pub async fn send(self) -> Result<ApiResponse, Error> {
        self.client.call_operation(&self.operation, &self.params).await
    }

    /// The walk over its pages (see [`Client::operation_pages`]).
    ///
    /// # Errors
    /// As [`Client::operation_pages`].
    pub fn pages(self) -> Result<OperationPages, Error> {
        self.client.operation_pages(&self.operation, &self.params)
    }
}
