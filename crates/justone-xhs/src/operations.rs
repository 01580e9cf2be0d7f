//! Any generated operation by operationId, with parameters as text: checked
//! against the operation table before anything is sent, then sent through
//! the request core like every typed endpoint.

use justone_gen::operations::{self, CallError, OperationInfo};

use crate::api_response::ApiResponse;
use crate::client::Client;
use crate::error::Error;

impl Client {
    /// Every operation this client can send with
    /// [`call_operation`](Self::call_operation): operationId, method, path,
    /// summary and parameters (without `token`, which the client supplies).
    pub fn operations() -> &'static [OperationInfo] {
        operations::OPERATIONS
    }

    /// Sends the operation `operation_id` with `params` (`(name, value)`
    /// pairs, values as text) and returns its `data` losslessly with the
    /// `requestId`.
    ///
    /// Cursor-paged operations (`lastCursor`, `cursor`) have no page walk
    /// here: the documents do not say where in `data` the next cursor is, so
    /// pass it yourself from the previous answer.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), justone_xhs::Error> {
    /// let client = justone_xhs::Client::builder().build()?;
    /// let params = [("keyword".to_owned(), "coffee".to_owned()), ("sort".to_owned(), "time_descending".to_owned())];
    /// let answer = client.call_operation("getApiXiaohongshuSearchNoteV1", &params).await?;
    /// println!("{} {:?}", answer.data.map(|d| d.get().to_owned()).unwrap_or_default(), answer.request_id);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Before anything is sent: [`Error::UnknownOperation`]; and
    /// [`Error::InvalidParameter`] for a parameter the operation does not
    /// have (or `token`), one given twice, a required one missing, a value
    /// outside the documented ones, or a number or boolean that does not
    /// parse. Then as [`note_feed`](Self::note_feed).
    pub async fn call_operation(
        &self,
        operation_id: &str,
        params: &[(String, String)],
    ) -> Result<ApiResponse, Error> {
        let operation = operations::operation(operation_id).ok_or_else(|| Error::UnknownOperation {
            operation: operation_id.to_owned(),
        })?;
        operation.check(params).map_err(from_call_error)?;
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
        CallError::UnknownOperation { operation } => Error::UnknownOperation { operation },
        // `CallError` is non-exhaustive; a new kind is still a refusal.
        other => Error::InvalidSetting {
            name: "params",
            reason: other.to_string(),
        },
    }
}
