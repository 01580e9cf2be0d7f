//! Any generated operation by operationId, with parameters as text: checked
//! against the operation table before anything is sent, then sent through
//! the request core like every typed endpoint.

use justone_gen::operations::{self, CallError, OperationInfo};

use crate::api_response::ApiResponse;
use crate::client::Client;
use crate::error::Error;
use crate::operation_pages::{IntoParam, owned};

impl Client {
    /// Every operation this client can send with
    /// [`call_operation`](Self::call_operation): operationId, method, path,
    /// summary, whether it is deprecated or hidden, how it pages, and its
    /// parameters (without `token`, which the client supplies).
    pub fn operations() -> &'static [OperationInfo] {
        operations::OPERATIONS
    }

    /// The operation `operation_id` of [`operations`](Self::operations).
    ///
    /// # Errors
    /// [`Error::UnknownOperation`], with the closest operationIds.
    pub fn operation_info(operation_id: &str) -> Result<&'static OperationInfo, Error> {
        operations::operation(operation_id).ok_or_else(|| unknown(operation_id))
    }

    /// Sends the operation `operation_id` with `params` (`(name, value)`
    /// pairs, values as text) and returns its `data` losslessly with the
    /// `requestId`. A deprecated operation, or one the provider has hidden
    /// from its documentation (which it does before removing one), is sent
    /// with a `WARN` log event saying so. To walk pages, see
    /// [`operation_pages`](Self::operation_pages).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), justone_xhs::Error> {
    /// let client = justone_xhs::Client::builder().build()?;
    /// let answer = client
    ///     .call_operation("getApiXiaohongshuSearchNoteV2", [("keyword", "coffee"), ("sort", "time_descending")])
    ///     .await?;
    /// let data: serde_json::Value = answer.json()?;
    /// println!("{data} {:?}", answer.request_id);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Before anything is sent: [`Error::UnknownOperation`] (with the
    /// closest operationIds); and [`Error::InvalidParameter`] for a
    /// parameter the operation does not have (or `token`), one given twice,
    /// a required one missing, a value outside the documented ones, a number
    /// or boolean that does not parse, or parameters too long for a URL.
    /// Then as [`note_feed`](Self::note_feed).
    pub async fn call_operation<I>(&self, operation_id: &str, params: I) -> Result<ApiResponse, Error>
    where
        I: IntoIterator,
        I::Item: IntoParam,
    {
        let params = owned(params);
        let operation = self.checked_operation(operation_id, &params)?;
        self.send_operation(operation, &params).await
    }

    /// The operation `operation_id`, once `params` pass its checks.
    pub(crate) fn checked_operation(
        &self,
        operation_id: &str,
        params: &[(String, String)],
    ) -> Result<&'static OperationInfo, Error> {
        let operation = Client::operation_info(operation_id)?;
        operation.check(params).map_err(from_call_error)?;
        Ok(operation)
    }

    /// Sends a checked call through the request core.
    pub(crate) async fn send_operation(
        &self,
        operation: &'static OperationInfo,
        params: &[(String, String)],
    ) -> Result<ApiResponse, Error> {
        if operation.deprecated || operation.hidden {
            tracing::warn!(
                operation = operation.id,
                deprecated = operation.deprecated,
                hidden = operation.hidden,
                "the provider has deprecated or hidden this operation; it may be removed"
            );
        }
        self.execute(
            operation.id,
            |raw, token| match operations::send_by_id(raw, operation.id, token, params) {
                Ok(request) => request,
                // Not reached after `check`; reported as the generated
                // client reports a builder error, without sending.
                Err(e) => Box::pin(std::future::ready(Err(justone_gen::Error::InvalidRequest(
                    e.to_string(),
                )))),
            },
            Ok,
        )
        .await
    }
}

/// An unknown operationId, with the closest known ones.
fn unknown(operation: &str) -> Error {
    let mut scored: Vec<(f64, &str)> = operations::OPERATIONS
        .iter()
        .map(|op| {
            (
                strsim::jaro_winkler(&op.id.to_lowercase(), &operation.to_lowercase()),
                op.id,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Error::UnknownOperation {
        operation: operation.chars().take(80).collect(),
        suggestions: scored.iter().take(3).map(|(_, id)| (*id).to_owned()).collect(),
    }
}

fn from_call_error(error: CallError) -> Error {
    match error {
        CallError::InvalidParameter {
            operation,
            name,
            reason,
            allowed,
        } => Error::InvalidParameter {
            operation,
            name,
            reason,
            allowed,
        },
        CallError::UnknownOperation { operation } => unknown(&operation),
        // `CallError` is non-exhaustive; a new kind is still a refusal.
        other => Error::InvalidSetting {
            name: "params",
            reason: other.to_string(),
        },
    }
}
