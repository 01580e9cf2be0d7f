//! The envelope step of every operation: turns what the generated client
//! returns (HTTP status, business code, body) into an [`ApiResponse`] or an
//! [`Error`]; the table in [`crate::error`] documents the outcome. Decoding
//! `data` is each endpoint's own business.

use std::borrow::Cow;

use justone_gen::hooks::ResponseMeta;
use justone_gen::types::Result as Envelope;
use justone_gen::{Error as RawError, ResponseValue};
use serde_json::value::RawValue;

use crate::api_response::ApiResponse;
use crate::error::{ApiCode, Error, ErrorSource};
use crate::json_text::JsonKind;
use crate::redact::{EXCERPT_CHARS, answer_text, clean, describe_reqwest, excerpt};

/// What the generated `send()` returns.
pub(crate) type RawResult = Result<ResponseValue<Envelope>, RawError<Envelope>>;

/// How much of an undocumented error response is read to look for an
/// envelope in it; the rest is not needed for the message.
const UNEXPECTED_BODY_LIMIT: usize = 64 * 1024;

/// Maps one attempt's outcome; `token` is scrubbed from every text.
pub(crate) async fn map_result(
    result: RawResult,
    meta: Option<ResponseMeta>,
    token: &str,
) -> Result<ApiResponse, Error> {
    let retry_after = meta.and_then(|m| m.retry_after);
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            check_envelope(response.into_inner(), Some(status), retry_after, token)
        }
        Err(RawError::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            match check_envelope(response.into_inner(), Some(status), retry_after, token) {
                Ok(_) => Err(Error::Http {
                    status,
                    body_excerpt: "an envelope with code 0".to_owned(),
                    retry_after,
                }),
                Err(e) => Err(e),
            }
        }
        Err(RawError::InvalidResponsePayload(body, reason)) => Err(undecodable(
            meta.map(|m| m.status),
            &body,
            &reason.to_string(),
            retry_after,
            token,
        )),
        Err(RawError::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            let body = read_prefix(response, UNEXPECTED_BODY_LIMIT).await;
            match serde_json::from_slice::<Envelope>(&body) {
                Ok(envelope) if envelope.code != 0 => {
                    check_envelope(envelope, Some(status), retry_after, token)
                }
                Ok(_) | Err(_) if (200..300).contains(&status) => Err(Error::Decode {
                    reason: format!("undocumented success status {status}"),
                    excerpt: excerpt(&body, EXCERPT_CHARS, token),
                    http_status: Some(status),
                }),
                _ => Err(Error::Http {
                    status,
                    body_excerpt: excerpt(&body, EXCERPT_CHARS, token),
                    retry_after,
                }),
            }
        }
        Err(
            RawError::CommunicationError(e) | RawError::ResponseBodyError(e) | RawError::InvalidUpgrade(e),
        ) => Err(transport(e, token)),
        // The generated client refused to build the request; the builder
        // and `note_feed` check everything it checks, so this is a bug.
        Err(RawError::InvalidRequest(reason) | RawError::Custom(reason)) => Err(Error::InvalidSetting {
            name: "request",
            reason: clean(&reason, token),
        }),
    }
}

/// A decoded envelope: a non-zero code is an [`Error::Api`], code 0 an
/// [`ApiResponse`] with `data` as sent.
pub(crate) fn check_envelope(
    envelope: Envelope,
    status: Option<u16>,
    retry_after: Option<std::time::Duration>,
    token: &str,
) -> Result<ApiResponse, Error> {
    // The message and request id come from the server, which may echo the
    // request target (and the token) or send escape codes.
    let request_id = envelope.request_id.map(|id| clean(&id, token));
    if envelope.code != 0 {
        return Err(Error::Api {
            code: ApiCode::from_code(i64::from(envelope.code)),
            message: envelope.message.map(|m| clean(&m, token)),
            request_id,
            http_status: status,
            retry_after,
        });
    }
    Ok(ApiResponse::new(
        envelope.data,
        request_id,
        envelope.record_time,
        status,
    ))
}

impl ApiResponse {
    /// Reads a saved response body as the client would: a non-zero business
    /// code is an [`Error::Api`], a broken envelope an [`Error::Decode`].
    /// (Here, in the envelope step, because it is the envelope step.)
    ///
    /// ```
    /// use justone_xhs::ApiResponse;
    ///
    /// let response = ApiResponse::from_json(br#"{"code":0,"data":{"balance":"1.50"},"requestId":"r1"}"#).unwrap();
    /// assert_eq!(response.data_str(), Some(r#"{"balance":"1.50"}"#));
    /// assert_eq!(response.request_id.as_deref(), Some("r1"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Api`] for a non-zero `code`, [`Error::Decode`] otherwise.
    pub fn from_json(body: &[u8]) -> Result<ApiResponse, Error> {
        match serde_json::from_slice(body) {
            Ok(envelope) => check_envelope(envelope, None, None, ""),
            Err(e) => Err(undecodable(None, body, &e.to_string(), None, "")),
        }
    }
}

/// A successful answer without this client's token in `data`, the request
/// id or the record time (see the module docs for what is matched). `data`
/// stays byte for byte as sent wherever the token is not: a match lies
/// inside one JSON string (it cannot hold an unescaped quote) and is
/// replaced by `[redacted]`, which holds no quote or backslash, so JSON
/// text stays JSON. Unlike [`clean`], other `token=` values are left alone:
/// they are the provider's data, not our secret.
pub(crate) fn answer_without_token(mut response: ApiResponse, token: &str) -> Result<ApiResponse, Error> {
    for text in [&mut response.request_id, &mut response.record_time] {
        if let Some(value) = text.as_mut()
            && let Cow::Owned(cleaned) = answer_text(value, token, false)
        {
            *value = cleaned;
        }
    }
    if let Some(data) = response.data.as_ref()
        && let Cow::Owned(cleaned) = answer_text(data.get(), token, true)
    {
        let cleaned = RawValue::from_string(cleaned).map_err(|e| Error::Decode {
            reason: format!("the answer holds the token and could not be cleaned: {e}"),
            excerpt: String::new(),
            http_status: response.http_status,
        })?;
        response.data = Some(cleaned);
    }
    Ok(response)
}

/// A body the generated client could not read as an envelope: for an error
/// status that is an HTTP error (a proxy's HTML page, say), otherwise a
/// protocol error.
pub(crate) fn undecodable(
    status: Option<u16>,
    body: &[u8],
    reason: &str,
    retry_after: Option<std::time::Duration>,
    token: &str,
) -> Error {
    let body_excerpt = excerpt(body, EXCERPT_CHARS, token);
    if let Some(status) = status.filter(|s| *s >= 400) {
        return Error::Http {
            status,
            body_excerpt,
            retry_after,
        };
    }
    let reason = match serde_json::from_slice::<serde_json::Value>(body) {
        Err(_) if body.is_empty() => "the body is empty".to_owned(),
        Err(_) => format!("the body is not JSON ({reason})"),
        Ok(serde_json::Value::Object(map)) if !map.contains_key("code") => {
            "the JSON object has no `code` field".to_owned()
        }
        Ok(serde_json::Value::Object(_)) => format!("the envelope has unexpected field types ({reason})"),
        Ok(_) => format!(
            "the body is {}, expected an object",
            JsonKind::of(&String::from_utf8_lossy(body))
        ),
    };
    Error::Decode {
        reason,
        excerpt: body_excerpt,
        http_status: status,
    }
}

fn transport(error: reqwest::Error, token: &str) -> Error {
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        if let Some(too_large) = cause.downcast_ref::<justone_gen::hooks::BodyTooLarge>() {
            return Error::TooLarge {
                limit: too_large.limit,
            };
        }
        source = cause.source();
    }
    // A request the HTTP stack would not build (a URL too long for it) was
    // never sent: the caller's input, not the network.
    if error.is_builder() {
        return Error::InvalidSetting {
            name: "request",
            reason: format!(
                "cannot be sent: {}",
                describe_reqwest(&error.without_url(), token)
            ),
        };
    }
    // Everything but a timeout and a name that does not resolve (refused,
    // reset, truncated body, TLS) is a broken connection as far as the
    // caller can act on it.
    let timed_out = error.is_timeout();
    // reqwest's "connect" errors come before anything was written.
    let request_sent = !error.is_connect();
    let unresolved = error.is_connect() && chain_says(&error, "dns error");
    let error = error.without_url();
    let detail = describe_reqwest(&error, token);
    let source = Some(ErrorSource::new(error));
    if timed_out {
        Error::Timeout { detail, source }
    } else if unresolved {
        Error::HostNotFound { detail, source }
    } else {
        Error::Connect {
            detail,
            request_sent,
            source,
        }
    }
}

/// Whether any error in `error`'s source chain describes itself as `what`
/// (hyper-util's connector names a failed lookup "dns error").
fn chain_says(error: &reqwest::Error, what: &str) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.to_string().starts_with(what) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Reads at most `limit` bytes of a body; a broken body yields what arrived.
async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(limit);
    body
}
