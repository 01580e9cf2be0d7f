//! Turns what the generated client returns into a [`FeedPage`] or an
//! [`Error`]; the table in [`crate::error`] documents the outcome.

use justone_gen::hooks::ResponseMeta;
use justone_gen::types::Result as Envelope;
use justone_gen::{Error as RawError, ResponseValue};

use crate::channel::Channel;
use crate::error::{ApiCode, Error};
use crate::feed_item::kind_of;
use crate::feed_page::{FeedPage, decode_items};
use crate::redact::{clean, describe_reqwest, excerpt};

/// What the generated `send()` returns.
pub(crate) type RawResult = Result<ResponseValue<Envelope>, RawError<Envelope>>;

/// How much of a body an error message quotes.
const EXCERPT_CHARS: usize = 200;

/// How much of an undocumented error response is read to look for an
/// envelope in it; the rest is not needed for the message.
const UNEXPECTED_BODY_LIMIT: usize = 64 * 1024;

/// The request that produced a response, for the page it becomes.
pub(crate) struct Request<'a> {
    pub channel: &'a Channel,
    pub page: u32,
    pub token: &'a str,
}

pub(crate) async fn map_result(
    result: RawResult,
    meta: Option<ResponseMeta>,
    request: &Request<'_>,
) -> Result<FeedPage, Error> {
    let retry_after = meta.and_then(|m| m.retry_after);
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            envelope_to_page(response.into_inner(), status, retry_after, request)
        }
        Err(RawError::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            match envelope_to_page(response.into_inner(), status, retry_after, request) {
                Ok(_) => Err(Error::Http {
                    status,
                    body_excerpt: "an envelope with code 0".to_owned(),
                    retry_after,
                }),
                Err(e) => Err(e),
            }
        }
        Err(RawError::InvalidResponsePayload(body, reason)) => {
            let status = meta.map_or(0, |m| m.status);
            Err(undecodable(
                status,
                &body,
                &reason.to_string(),
                retry_after,
                request.token,
            ))
        }
        Err(RawError::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            let body = read_prefix(response, UNEXPECTED_BODY_LIMIT).await;
            match serde_json::from_slice::<Envelope>(&body) {
                Ok(envelope) if envelope.code != 0 => {
                    envelope_to_page(envelope, status, retry_after, request)
                }
                Ok(_) | Err(_) if (200..300).contains(&status) => Err(Error::Decode {
                    reason: format!("undocumented success status {status}"),
                    excerpt: excerpt(&body, EXCERPT_CHARS, request.token),
                    http_status: status,
                }),
                _ => Err(Error::Http {
                    status,
                    body_excerpt: excerpt(&body, EXCERPT_CHARS, request.token),
                    retry_after,
                }),
            }
        }
        Err(
            RawError::CommunicationError(e) | RawError::ResponseBodyError(e) | RawError::InvalidUpgrade(e),
        ) => Err(transport(e, request.token)),
        // The generated client refused to build the request; the builder
        // and `note_feed` check everything it checks, so this is a bug.
        Err(RawError::InvalidRequest(reason) | RawError::Custom(reason)) => Err(Error::InvalidSetting {
            name: "request",
            reason: clean(&reason, request.token),
        }),
    }
}

pub(crate) fn envelope_to_page(
    envelope: Envelope,
    status: u16,
    retry_after: Option<std::time::Duration>,
    request: &Request<'_>,
) -> Result<FeedPage, Error> {
    if envelope.code != 0 {
        return Err(Error::Api {
            code: ApiCode::from_code(i64::from(envelope.code)),
            // The message and request id come from the server, which may
            // echo the request target (and the token) or send escape codes.
            message: envelope.message.map(|m| clean(&m, request.token)),
            request_id: envelope.request_id.map(|id| clean(&id, request.token)),
            http_status: status,
            retry_after,
        });
    }
    let data_missing = envelope
        .data
        .as_deref()
        .is_none_or(|d| kind_of(d.get()) == "null");
    if data_missing {
        tracing::warn!(
            channel = request.channel.oid(),
            page = request.page,
            request_id = envelope.request_id.as_deref(),
            "code 0 without `data`: an empty page that is not the end of the feed"
        );
    }
    let items = decode_items(envelope.data.as_deref()).map_err(|reason| Error::Decode {
        reason,
        excerpt: envelope
            .data
            .as_deref()
            .map(|d| excerpt(d.get().as_bytes(), EXCERPT_CHARS, request.token))
            .unwrap_or_default(),
        http_status: status,
    })?;
    Ok(FeedPage {
        channel: request.channel.clone(),
        page: request.page,
        items,
        request_id: envelope.request_id,
        record_time: envelope.record_time,
        data_missing,
    })
}

/// A body the generated client could not read as an envelope: for an error
/// status that is an HTTP error (a proxy's HTML page, say), otherwise a
/// protocol error.
pub(crate) fn undecodable(
    status: u16,
    body: &[u8],
    reason: &str,
    retry_after: Option<std::time::Duration>,
    token: &str,
) -> Error {
    let body_excerpt = excerpt(body, EXCERPT_CHARS, token);
    if status >= 400 {
        return Error::Http {
            status,
            body_excerpt,
            retry_after,
        };
    }
    let reason = match serde_json::from_slice::<serde_json::Value>(body) {
        Err(_) => format!("the body is not JSON ({reason})"),
        Ok(serde_json::Value::Object(map)) if !map.contains_key("code") => {
            "the JSON object has no `code` field".to_owned()
        }
        Ok(serde_json::Value::Object(_)) => format!("the envelope has unexpected field types ({reason})"),
        Ok(_) => format!(
            "the body is {}, expected an object",
            kind_of(&String::from_utf8_lossy(body))
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
    // Everything but a timeout (refused, reset, truncated body, TLS) is a
    // broken connection as far as the caller can act on it.
    let timed_out = error.is_timeout();
    let detail = describe_reqwest(error, token);
    if timed_out {
        Error::Timeout { detail }
    } else {
        Error::Connect { detail }
    }
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
