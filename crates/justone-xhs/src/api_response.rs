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
/// assert_eq!(response.data_str(), Some(r#"{"balance":"1.50"}"#));
/// assert_eq!(response.request_id.as_deref(), Some("r1"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse {
    /// `data`, byte for byte; `None` when the envelope had none. Read it
    /// with [`data_str`](Self::data_str), [`raw_data`](Self::raw_data) or
    /// [`json`](Self::json), so that its representation can change.
    pub(crate) data: Option<Box<RawValue>>,
    /// The provider's `requestId`.
    pub request_id: Option<String>,
    /// The provider's `recordTime`.
    pub record_time: Option<String>,
    /// The HTTP status that carried it (none for a body read from elsewhere).
    pub(crate) http_status: Option<u16>,
}

impl ApiResponse {
    /// `data` as JSON text, exactly as sent; `None` when the envelope had
    /// none.
    pub fn data_str(&self) -> Option<&str> {
        self.data.as_deref().map(RawValue::get)
    }

    /// `data` as sent, for a caller that keeps or forwards it unparsed.
    pub fn raw_data(&self) -> Option<&RawValue> {
        self.data.as_deref()
    }

    /// `data` decoded as `T` (`serde_json::Value` for any shape); a missing
    /// `data` decodes as `null`.
    ///
    /// ```
    /// use justone_xhs::ApiResponse;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Balance { balance: String }
    ///
    /// let answer = ApiResponse::from_json(br#"{"code":0,"data":{"balance":"1.50"}}"#).unwrap();
    /// assert_eq!(answer.json::<Balance>().unwrap().balance, "1.50");
    /// assert!(answer.json::<Vec<u8>>().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Decode`] when `data` is not a `T`, quoting its start.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        let text = self.data_str().unwrap_or("null");
        serde_json::from_str(text).map_err(|e| Error::Decode {
            reason: format!("data is not the type asked for: {e}"),
            excerpt: crate::redact::excerpt(text.as_bytes(), crate::redact::EXCERPT_CHARS, ""),
            http_status: self.http_status,
        })
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
