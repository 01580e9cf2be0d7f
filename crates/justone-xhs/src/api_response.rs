//! What every operation answers on success: the envelope's `data`, kept as
//! the provider sent it, with the envelope's `requestId` and `recordTime`.

use serde_json::value::RawValue;

use crate::error::Error;
use crate::json_text::JsonKind;

/// A successful answer (business code 0) of any operation.
///
/// ```
/// use justone_xhs::ApiResponse;
///
/// let response = ApiResponse::from_json(br#"{"code":0,"data":{"balance":"1.50"},"requestId":"r1"}"#).unwrap();
/// assert_eq!(response.data.unwrap().get(), r#"{"balance":"1.50"}"#);
/// assert_eq!(response.request_id.as_deref(), Some("r1"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse {
    /// `data`, byte for byte; `None` when the envelope had none.
    pub data: Option<Box<RawValue>>,
    /// The provider's `requestId`.
    pub request_id: Option<String>,
    /// The provider's `recordTime`.
    pub record_time: Option<String>,
    /// The HTTP status that carried it (none for a body read from elsewhere).
    pub(crate) http_status: Option<u16>,
}

impl ApiResponse {
    /// Reads a saved response body as the client would: a non-zero business
    /// code is an [`Error::Api`], a broken envelope an [`Error::Decode`].
    ///
    /// # Errors
    /// [`Error::Api`] for a non-zero `code`, [`Error::Decode`] otherwise.
    pub fn from_json(body: &[u8]) -> Result<ApiResponse, Error> {
        crate::error_mapping::from_body(body)
    }

    /// Whether `data` is missing or `null`.
    pub fn data_missing(&self) -> bool {
        self.data
            .as_deref()
            .is_none_or(|d| JsonKind::of(d.get()) == JsonKind::Null)
    }

    pub(crate) fn new(
        data: Option<Box<RawValue>>,
        request_id: Option<String>,
        record_time: Option<String>,
        http_status: Option<u16>,
    ) -> ApiResponse {
        ApiResponse {
            data,
            request_id,
            record_time,
            http_status,
        }
    }
}
