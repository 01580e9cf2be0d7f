//! Keeping the token out of everything this crate renders.
//!
//! The token travels in the query string, and `reqwest::Error` prints the
//! full URL. Every transport error is turned into text here, from
//! `without_url()` and its source chain, and then scrubbed of the token as a
//! second line of defence.

use std::error::Error as _;

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
    scrub(&text, token)
}

/// Replaces every occurrence of the token with `[redacted]`.
pub(crate) fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() || !text.contains(token) {
        return text.to_owned();
    }
    text.replace(token, "[redacted]")
}

/// The first `max` characters of a body, lossily decoded, whitespace folded,
/// token removed. Bounded: never the whole body.
pub(crate) fn excerpt(body: &[u8], max: usize, token: &str) -> String {
    let head = &body[..body.len().min(max * 4)];
    let text: String = String::from_utf8_lossy(head)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect();
    scrub(&text, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_occurrence() {
        assert_eq!(scrub("a SECRET b SECRET", "SECRET"), "a [redacted] b [redacted]");
        assert_eq!(scrub("nothing here", ""), "nothing here");
    }

    #[test]
    fn excerpt_is_bounded() {
        let body = "x".repeat(10_000);
        assert_eq!(excerpt(body.as_bytes(), 200, "t").len(), 200);
        assert_eq!(
            excerpt(b"<html>\n  <body>TOKEN</body>", 200, "TOKEN"),
            "<html> <body>[redacted]</body>"
        );
    }
}
