//! Keeping the token, and the provider's control characters, out of
//! everything this crate renders.
//!
//! The token travels in the query string, and `reqwest::Error` prints the
//! full URL. Every transport error is turned into text here, from
//! `without_url()` and its source chain, and then cleaned as a second line of
//! defence. Everything the provider sends that ends up in an error (its
//! `message`, a body excerpt, an HTML title, a request id) goes through
//! [`clean`] too, because a server or proxy may echo the request target back,
//! with the token in whatever encoding the URL carried it.
//!
//! A successful answer can echo the request target too (in a title, a URL,
//! the request id): [`answer_without_token`] takes this client's token out
//! of it before anything decodes or writes it.

use std::error::Error as _;

use serde_json::value::RawValue;

use crate::api_response::ApiResponse;
use crate::error::Error;

const REDACTED: &str = "[redacted]";

/// One line describing a transport error, without URL or token.
pub(crate) fn describe_reqwest(error: reqwest::Error, token: &str) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    clean(&text, token)
}

/// Text fit for an error message or a log line: every `token=` parameter
/// value and every wire form of the token replaced by `[redacted]`, every
/// control character (C0, C1, DEL) replaced by U+FFFD so that no escape
/// sequence reaches a terminal.
pub(crate) fn clean(text: &str, token: &str) -> String {
    let text = redact_token_params(text);
    let text = redact_token(&text, token);
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Replaces the value of every `token=` (any case) up to `&`, whitespace, a
/// quote or markup with `[redacted]`: whatever a server echoes of a request
/// target, the token's value never survives, whoever's token it is.
fn redact_token_params(text: &str) -> String {
    const KEY: &[u8] = b"token=";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + KEY.len() <= bytes.len() {
        if bytes[i..i + KEY.len()].eq_ignore_ascii_case(KEY) {
            let value_start = i + KEY.len();
            let value_end = text[value_start..]
                .find(|c: char| c == '&' || c.is_whitespace() || "\"'<>`".contains(c))
                .map_or(text.len(), |n| value_start + n);
            out.push_str(&text[copied..value_start]);
            if value_end > value_start {
                out.push_str(REDACTED);
            }
            copied = value_end;
            i = value_end.max(value_start);
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces every occurrence of the token in any of its wire forms: raw,
/// percent-encoded (either hex case, any mix of encoded and plain bytes),
/// form-urlencoded (`+` for a space).
fn redact_token(text: &str, token: &str) -> String {
    let (haystack, needle) = (text.as_bytes(), token.as_bytes());
    if needle.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < haystack.len() {
        match encoded_match(&haystack[i..], needle) {
            // A match starts and ends on byte sequences that are whole
            // characters of `text` (the needle is UTF-8 and `%XX` is ASCII),
            // so the slices below are on char boundaries.
            Some(len) => {
                out.push_str(&text[copied..i]);
                out.push_str(REDACTED);
                i += len;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether `text` holds the token in any of its wire forms. Fast on text
/// without it: only the token's first byte, `%` and `+` can start one.
fn contains_token(text: &str, token: &str) -> bool {
    let (haystack, needle) = (text.as_bytes(), token.as_bytes());
    let Some(&first) = needle.first() else {
        return false;
    };
    memchr::memchr3_iter(first, b'%', b'+', haystack).any(|i| encoded_match(&haystack[i..], needle).is_some())
}

/// A successful answer without this client's token in `data`, the request
/// id or the record time, in any wire form. `data` stays byte for byte as
/// sent wherever the token is not: `[redacted]` holds no quote or
/// backslash, so JSON text stays JSON. Unlike [`clean`], other `token=`
/// values are left alone: they are the provider's data, not our secret.
pub(crate) fn answer_without_token(mut response: ApiResponse, token: &str) -> Result<ApiResponse, Error> {
    let scrub = |text: &mut Option<String>| {
        if let Some(value) = text.as_mut().filter(|v| contains_token(v, token)) {
            *value = redact_token(value, token);
        }
    };
    scrub(&mut response.request_id);
    scrub(&mut response.record_time);
    if let Some(data) = response.data.take_if(|d| contains_token(d.get(), token)) {
        let cleaned = RawValue::from_string(redact_token(data.get(), token)).map_err(|e| Error::Decode {
            reason: format!("the answer holds the token and could not be cleaned: {e}"),
            excerpt: String::new(),
            http_status: response.http_status,
        })?;
        response.data = Some(cleaned);
    }
    Ok(response)
}

/// The length of the wire form of `needle` at the start of `text`, if any.
/// A `%` can stand for itself or start an escape, so both readings are
/// tried; `failed` remembers dead ends so that no text takes more than
/// `text.len() × needle.len()` steps.
fn encoded_match(text: &[u8], needle: &[u8]) -> Option<usize> {
    fn walk(
        text: &[u8],
        needle: &[u8],
        (at, matched): (usize, usize),
        failed: &mut std::collections::HashSet<(usize, usize)>,
    ) -> Option<usize> {
        let Some(&wanted) = needle.get(matched) else {
            return Some(at);
        };
        if failed.contains(&(at, matched)) {
            return None;
        }
        let &b = text.get(at)?;
        let mut readings = [None, None];
        if b == wanted || (b == b'+' && wanted == b' ') {
            readings[0] = Some(at + 1);
        }
        if b == b'%' && text.get(at + 1..at + 3).and_then(hex_byte) == Some(wanted) {
            readings[1] = Some(at + 3);
        }
        let found = readings
            .into_iter()
            .flatten()
            .find_map(|next| walk(text, needle, (next, matched + 1), failed));
        if found.is_none() {
            failed.insert((at, matched));
        }
        found
    }
    // Most positions fail on the first step; skip the bookkeeping for them.
    let first = *needle.first()?;
    let starts = match *text.first()? {
        b'%' => first == b'%' || text.get(1..3).and_then(hex_byte) == Some(first),
        b'+' => first == b' ' || first == b'+',
        b => b == first,
    };
    if !starts {
        return None;
    }
    // Without `%` or `+` in its first `needle.len()` bytes, a wire form can
    // only be the token itself: each of those bytes stands for itself.
    let span = &text[..needle.len().min(text.len())];
    if !span.contains(&b'%') && !span.contains(&b'+') {
        return (span == needle).then_some(needle.len());
    }
    walk(text, needle, (0, 0), &mut Default::default())
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
}

/// A short, safe description of a response body for an error message: for an
/// HTML page its `<title>` (or, without one, its text), never markup; for
/// anything else its first `max` characters, whitespace folded; always
/// [`clean`]ed. Bounded: never the whole body.
pub(crate) fn excerpt(body: &[u8], max: usize, token: &str) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(max * 16)]);
    let text = match html_summary(&head) {
        Some(summary) => summary,
        None => head.into_owned(),
    };
    let folded: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect();
    clean(&folded, token)
}

/// The title of an HTML page, or its text without tags when it has no
/// title; `None` when the body does not look like HTML.
fn html_summary(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.trim_start();
    let is_html = start.starts_with("<!doctype html") || start.starts_with("<html") || {
        start.starts_with('<') && (lower.contains("<body") || lower.contains("<title"))
    };
    if !is_html {
        return None;
    }
    // `to_ascii_lowercase` keeps byte offsets, so they index `text` too.
    if let Some(open) = lower.find("<title") {
        let content = lower[open..].find('>').map(|n| open + n + 1)?;
        let end = lower[content..]
            .find("</title")
            .map_or(lower.len(), |n| content + n);
        return Some(format!("an HTML page titled \"{}\"", text[content..end].trim()));
    }
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    Some(format!("an HTML page: \"{}\"", plain.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_form_of_the_token_is_redacted() {
        let token = "tok+SECRET/ab==";
        for form in [
            "tok+SECRET/ab==",
            "tok%2BSECRET%2Fab%3D%3D",
            "tok%2bSECRET%2fab%3d%3d",
            "tok%2BSECRET/ab%3D=",
            "%74ok%2BSECRET%2Fab%3D%3D",
        ] {
            let text = format!("echo {form} end");
            assert_eq!(clean(&text, token), "echo [redacted] end", "{form}");
        }
        let spaced = "tok SECRET %x";
        for form in ["tok SECRET %x", "tok+SECRET+%25x", "tok%20SECRET%20%25x"] {
            assert_eq!(clean(&format!("a {form} b"), spaced), "a [redacted] b", "{form}");
        }
    }

    #[test]
    fn token_parameters_are_redacted_whoever_owns_them() {
        assert_eq!(
            clean("GET /v1?oid=x&token=abc%2B1&page=2 HTTP/1.1", "other"),
            "GET /v1?oid=x&token=[redacted]&page=2 HTTP/1.1"
        );
        assert_eq!(clean("\"TOKEN=abc\" token=", ""), "\"TOKEN=[redacted]\" token=");
        assert_eq!(
            clean("<a href='x?token=abc'>", ""),
            "<a href='x?token=[redacted]'>"
        );
        assert_eq!(clean("nothing here", ""), "nothing here");
    }

    #[test]
    fn control_characters_never_survive() {
        assert_eq!(
            clean("\x1b[31mred\x7f\u{9b}2J", ""),
            "\u{FFFD}[31mred\u{FFFD}\u{FFFD}2J"
        );
    }

    #[test]
    fn excerpt_is_bounded_and_never_markup() {
        let body = "x".repeat(10_000);
        assert_eq!(excerpt(body.as_bytes(), 200, "t").len(), 200);
        assert_eq!(
            excerpt(
                b"<html>\r\n<head><title>502 Bad Gateway</title></head><body>TOKEN</body>",
                200,
                "TOKEN"
            ),
            "an HTML page titled \"502 Bad Gateway\""
        );
        assert_eq!(
            excerpt(b"<html>\n  <body><h1>Bad TOKEN</h1></body></html>", 200, "TOKEN"),
            "an HTML page: \"Bad [redacted]\""
        );
        assert_eq!(
            excerpt(b"plain\n\ttext \x1b[0m", 200, ""),
            "plain text \u{FFFD}[0m"
        );
    }
}
