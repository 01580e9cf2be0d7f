//! Keeping the token, and the provider's control characters, out of
//! everything this crate renders.
//!
//! The token travels in the query string, and `reqwest::Error` prints the
//! full URL. Every transport error is turned into text here, from
//! `without_url()` and its source chain, and then cleaned as a second line of
//! defence. Everything the provider sends that ends up in an error (its
//! `message`, a body excerpt, an HTML title, a request id) goes through
//! [`clean`] too, because a server or proxy may echo the request target back,
//! with the token in whatever spelling the URL or a JSON encoder gave it.
//!
//! A successful answer can echo the request target too (in a title, a URL,
//! the request id): [`answer_text`] takes this client's token out of it,
//! and the envelope step applies it before anything decodes or writes it.
//!
//! Text only: this file knows no answer or error type, so that every other
//! step can use it.
//!
//! # What counts as the token
//! A match is what a reader could turn back into the token:
//! - each byte of the token written as itself, percent-encoded (either hex
//!   case), `+` for a space, or JSON-escaped (`\uXXXX`, a surrogate pair,
//!   `\/`, `\\`, `\"`), in any mix: what a URL, a form or a JSON encoder
//!   (PHP's `\/` included) makes of it; and a JSON escape percent-encoded
//!   (`%5Cu0053`, `%5C%2F`): JSON put into a URL;
//! - its base64 (standard or URL-safe alphabet, at any alignment inside a
//!   longer base64 text): the characters that only the token's bytes
//!   determine.
//!
//! Free text is searched only for a token of at least
//! [`MIN_SEARCHED_TOKEN_BYTES`] bytes: a shorter one (`demo`) is found in
//! ordinary words and request ids by coincidence, and replacing those would
//! corrupt answers without protecting anything. A `token=` parameter is
//! always redacted: in errors whatever its value, in successful answers
//! when its value is this client's token.

use std::borrow::Cow;
use std::error::Error as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use memchr::memmem::Finder;

use crate::safe_text::display_safe;

const REDACTED: &str = "[redacted]";

/// How much of a body an error message quotes.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// The shortest token searched for in free text (see the module docs).
pub(crate) const MIN_SEARCHED_TOKEN_BYTES: usize = 16;

/// One line describing a transport error (from which the caller took the
/// URL with `without_url`), without the token.
pub(crate) fn describe_reqwest(error: &reqwest::Error, token: &str) -> String {
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
/// value and every spelling of the token replaced by `[redacted]`, and every
/// character that could change what a terminal shows (controls, bidi
/// overrides, invisible characters) replaced by U+FFFD.
pub(crate) fn clean(text: &str, token: &str) -> String {
    let text = redact_token_params(text);
    let text = Spellings::of(token).redact(&text, Lexing::Plain);
    display_safe(&text).into_owned()
}

/// Replaces the value of every `token=` (any case) up to `&`, whitespace, a
/// quote or markup with `[redacted]`: whatever a server echoes of a request
/// target, the token's value never survives, whoever's token it is.
fn redact_token_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for value_start in param_values(text) {
        let value_end = text[value_start..]
            .find(|c: char| c == '&' || c.is_whitespace() || "\"'<>`".contains(c))
            .map_or(text.len(), |n| value_start + n);
        if value_start < copied {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        if value_end > value_start {
            out.push_str(REDACTED);
        }
        copied = value_end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the value of each `token=` (any case) starts.
fn param_values(text: &str) -> impl Iterator<Item = usize> + '_ {
    const KEY: &[u8] = b"token";
    memchr::memchr_iter(b'=', text.as_bytes()).filter_map(|eq| {
        let key = text.as_bytes().get(eq.checked_sub(KEY.len())?..eq)?;
        key.eq_ignore_ascii_case(KEY).then_some(eq + 1)
    })
}

/// `text` from a successful answer (its `data` when `json`, else a request
/// id or record time) without this client's token: see the module docs for
/// what is matched. Borrowed when nothing was; `[redacted]` holds no quote
/// or backslash, and a match lies inside one JSON string (it cannot hold an
/// unescaped quote), so JSON text stays JSON. Unlike [`clean`], other
/// `token=` values are left alone: they are the provider's data, not our
/// secret.
pub(crate) fn answer_text<'a>(text: &'a str, token: &str, json: bool) -> Cow<'a, str> {
    let lexing = if json { Lexing::Json } else { Lexing::Plain };
    Spellings::of(token).redact(text, lexing)
}

/// How the text being searched is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lexing {
    /// Any text: a match may start at any byte.
    Plain,
    /// JSON text: a match starts at a character, never inside an escape
    /// (`\\u0053` is a backslash and `u0053`), so replacing it keeps the
    /// JSON valid.
    Json,
}

/// Everything that spells one client's token.
struct Spellings<'t> {
    token: &'t [u8],
    /// Searched for anywhere, or only as a `token=` value.
    anywhere: bool,
    /// The base64 characters only the token's bytes determine, one per
    /// alignment and alphabet.
    base64: Vec<Finder<'static>>,
}

impl<'t> Spellings<'t> {
    fn of(token: &'t str) -> Spellings<'t> {
        let anywhere = token.len() >= MIN_SEARCHED_TOKEN_BYTES;
        let mut base64: Vec<Finder<'static>> = Vec::new();
        if anywhere {
            for skip in 0..3 {
                let whole = &token.as_bytes()[skip..];
                let whole = &whole[..whole.len() / 3 * 3];
                for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                    let core = engine.encode(whole);
                    if !base64.iter().any(|f| f.needle() == core.as_bytes()) {
                        base64.push(Finder::new(core.as_bytes()).into_owned());
                    }
                }
            }
        }
        Spellings {
            token: token.as_bytes(),
            anywhere,
            base64,
        }
    }

    /// `text` with every spelling of the token replaced, borrowed when it
    /// holds none.
    fn redact<'a>(&self, text: &'a str, lexing: Lexing) -> Cow<'a, str> {
        if self.token.is_empty() || !self.may_hold(text) {
            return Cow::Borrowed(text);
        }
        let mut spans = self.spelled_spans(text, lexing);
        for finder in &self.base64 {
            spans.extend(
                finder
                    .find_iter(text.as_bytes())
                    .map(|at| (at, at + finder.needle().len())),
            );
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (start, end) in spans {
            // Spans start and end on whole characters (the token is UTF-8,
            // escapes and base64 are ASCII); overlapping ones merge.
            if end <= copied {
                continue;
            }
            out.push_str(&text[copied..start.max(copied)]);
            if start >= copied {
                out.push_str(REDACTED);
            }
            copied = end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// A quick check that may say yes for nothing but never says no for a
    /// spelling: only the token's first byte, `%`, `+` and `\\` can start
    /// one.
    fn may_hold(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        if !self.anywhere {
            return param_values(text).next().is_some();
        }
        memchr::memchr3_iter(self.token[0], b'%', b'+', bytes)
            .chain(memchr::memchr_iter(b'\\', bytes))
            .any(|i| spelled_len(&bytes[i..], self.token).is_some())
            || self.base64.iter().any(|f| f.find(bytes).is_some())
    }

    /// The byte ranges of `text` that spell the token byte by byte.
    fn spelled_spans(&self, text: &str, lexing: Lexing) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut spans = Vec::new();
        if !self.anywhere {
            for start in param_values(text) {
                if let Some(len) = spelled_len(&bytes[start..], self.token)
                    && bytes.get(start + len).is_none_or(|&b| ends_param_value(b))
                {
                    spans.push((start, start + len));
                }
            }
            return spans;
        }
        let mut i = 0;
        while i < bytes.len() {
            if let Some(len) = spelled_len(&bytes[i..], self.token) {
                spans.push((i, i + len));
                i += len;
                continue;
            }
            i += match (lexing, bytes[i]) {
                (Lexing::Json, b'\\') => escape_len(&bytes[i..]),
                _ => 1,
            };
        }
        spans
    }
}

fn ends_param_value(b: u8) -> bool {
    b == b'&' || b.is_ascii_whitespace() || b"\"'<>`\\".contains(&b)
}

/// The length of a JSON escape at the start of `text` (2, or 6 for
/// `\\uXXXX`); at least 1.
fn escape_len(text: &[u8]) -> usize {
    match text.get(1) {
        Some(b'u') => 6.min(text.len()),
        Some(_) => 2,
        None => 1,
    }
}

/// The length of the spelling of `needle` at the start of `text`, if any.
/// A `%` or `\\` can stand for itself or start an escape, so every reading
/// is tried; `failed` remembers dead ends so that no text takes more than
/// `text.len() × needle.len()` steps.
fn spelled_len(text: &[u8], needle: &[u8]) -> Option<usize> {
    fn walk(
        text: &[u8],
        needle: &[u8],
        (at, matched): (usize, usize),
        failed: &mut std::collections::HashSet<(usize, usize)>,
    ) -> Option<usize> {
        let Some(rest) = needle.get(matched..).filter(|rest| !rest.is_empty()) else {
            return Some(at);
        };
        if failed.contains(&(at, matched)) {
            return None;
        }
        let found = readings(&text[at.min(text.len())..], rest)
            .into_iter()
            .flatten()
            .find_map(|(used, stands_for)| walk(text, needle, (at + used, matched + stands_for), failed));
        if found.is_none() {
            failed.insert((at, matched));
        }
        found
    }
    // Most positions fail on the first step; skip the bookkeeping for them.
    if readings(text, needle).iter().all(Option::is_none) {
        return None;
    }
    // Without an escape in its first `needle.len()` bytes, a spelling can
    // only be the token itself: each of those bytes stands for itself.
    let span = &text[..needle.len().min(text.len())];
    if !span.iter().any(|b| matches!(b, b'%' | b'+' | b'\\')) {
        return (span == needle).then_some(needle.len());
    }
    walk(text, needle, (0, 0), &mut Default::default())
}

/// The ways the start of `text` can spell the start of `rest`: (bytes of
/// text used, bytes of `rest` they stand for), for the byte itself, a `+`
/// for a space, a percent escape and a JSON escape.
fn readings(text: &[u8], rest: &[u8]) -> [Option<(usize, usize)>; 3] {
    let (Some(&b), Some(&wanted)) = (text.first(), rest.first()) else {
        return [None; 3];
    };
    let plain = (b == wanted || (b == b'+' && wanted == b' ')).then_some((1, 1));
    let percent = (b == b'%' && text.get(1..3).and_then(hex_byte) == Some(wanted)).then_some((3, 1));
    let json = json_escape(text)
        .filter(|(_, c)| {
            let mut buf = [0; 4];
            rest.starts_with(c.encode_utf8(&mut buf).as_bytes())
        })
        .map(|(used, c)| (used, c.len_utf8()));
    [plain, percent, json]
}

/// The character a JSON escape at the start of `text` stands for, and its
/// length. The escape may be percent-encoded (`%5Cu0053`, `%5C%2F`): JSON
/// put into a URL.
fn json_escape(text: &[u8]) -> Option<(usize, char)> {
    let (used, first) = escape_unit(text)?;
    if (0xD800..0xDC00).contains(&first) {
        let (low_used, second) = escape_unit(&text[used..])?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        let c = char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))?;
        return Some((used + low_used, c));
    }
    Some((used, char::from_u32(first)?))
}

/// One JSON escape at the start of `text` (`\uXXXX`, `\"`, `\\`, `\/`):
/// its length and the UTF-16 unit it stands for.
fn escape_unit(text: &[u8]) -> Option<(usize, u32)> {
    let (backslash, lead) = byte_at(text)?;
    let (kind, kind_len) = byte_at(&text[lead..]).filter(|_| backslash == b'\\')?;
    let at = lead + kind_len;
    match kind {
        b'"' | b'\\' | b'/' => Some((at, u32::from(kind))),
        b'u' => {
            // Four hex digits exactly (`from_str_radix` would take a `+`).
            let hex = text.get(at..at + 4)?;
            let unit = u32::from(hex_byte(&hex[..2])?) << 8 | u32::from(hex_byte(&hex[2..])?);
            Some((at + 4, unit))
        }
        _ => None,
    }
}

/// The byte at the start of `text`, written as itself or percent-encoded,
/// and its length.
fn byte_at(text: &[u8]) -> Option<(u8, usize)> {
    match text {
        [b'%', rest @ ..] if rest.len() >= 2 => hex_byte(&rest[..2]).map(|b| (b, 3)),
        [b, ..] => Some((*b, 1)),
        [] => None,
    }
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
    let cut = body.len().min(max * 16);
    let head = String::from_utf8_lossy(&body[..cut]);
    let text = match html_summary(&head) {
        Some(summary) => summary,
        None => head.into_owned(),
    };
    let mut folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if cut < body.len() {
        // A token cut in two at the head's end cannot be found whole: leave
        // out what could be its start (its longest spelling, `%5C%75XXXX`,
        // takes 10 characters per byte).
        let keep = folded.chars().count().saturating_sub(token.len() * 12);
        folded = folded.chars().take(keep).collect();
    }
    // Cleaned before it is cut to `max`: a token across the cut would not
    // be found, and its first part would be shown.
    clean(&folded, token).chars().take(max).collect()
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

    /// A token of realistic length, with bytes that URL and JSON encoders
    /// change (`+`, `/`, `=`).
    const TOKEN: &str = "S3cr3t+Tok/en=ZZ-long";

    /// `data` of an answer, cleaned, and checked to still be JSON.
    fn cleaned(data: &str, token: &str) -> String {
        let cleaned = answer_text(data, token, true).into_owned();
        serde_json::from_str::<serde_json::Value>(&cleaned).unwrap();
        cleaned
    }

    #[test]
    fn every_wire_form_of_the_token_is_redacted() {
        for form in [
            TOKEN,
            "S3cr3t%2BTok%2Fen%3DZZ-long",
            "S3cr3t%2bTok%2fen%3dZZ-long",
            "S3cr3t%2BTok/en%3DZZ-long",
            "%53%33cr3t%2BTok%2Fen%3DZZ-long",
            r"S3cr3t+Tok\/en=ZZ-long",
            r"\u0053\u0033cr3t\u002bTok\/en\u003dZZ-long",
            r"S3cr3t%2BTok\/en\u003DZZ-long",
            // JSON escapes put into a URL.
            r"%5Cu0053%5cu0033cr3t%5Cu002BTok%5C/en%5Cu003dZZ-long",
            r"S3cr3t%2BTok%5C%2Fen=ZZ-long",
        ] {
            let text = format!("echo {form} end");
            assert_eq!(clean(&text, TOKEN), "echo [redacted] end", "{form}");
        }
        let spaced = "tok SECRET %x and more";
        for form in [
            "tok SECRET %x and more",
            "tok+SECRET+%25x+and+more",
            "tok%20SECRET%20%25x and more",
        ] {
            assert_eq!(clean(&format!("a {form} b"), spaced), "a [redacted] b", "{form}");
        }
    }

    #[test]
    fn json_escapes_of_any_character_are_read_and_the_json_stays_valid() {
        let token = "ключ-😀-secret-token";
        let escaped = serde_json::to_string(token).unwrap();
        let ascii_only: String = token
            .encode_utf16()
            .map(|unit| format!("\\u{unit:04x}"))
            .collect();
        let in_a_url = ascii_only.replace('\\', "%5C");
        for form in [escaped.trim_matches('"').to_owned(), ascii_only, in_a_url] {
            let data = format!(r#"{{"title":"a {form} b","n":1}}"#);
            assert_eq!(
                cleaned(&data, token),
                r#"{"title":"a [redacted] b","n":1}"#,
                "{form}"
            );
        }
        // An escaped backslash followed by text that reads like an escape
        // is not an escape: nothing there spells the token.
        let data = r#"{"t":"\\u0053\\u0033cr3t+Tok/en=ZZ-lon"}"#;
        assert_eq!(cleaned(data, TOKEN), data);
        // Four hex digits or no escape: `\u+053` is not `S`.
        let text = r"echo \u+0533cr3t+Tok/en=ZZ-long end";
        assert_eq!(clean(text, TOKEN), text);
    }

    #[test]
    fn base64_of_the_token_is_redacted_at_every_alignment() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE};
        for prefix in ["", "x", "xy"] {
            for engine in [&STANDARD, &URL_SAFE] {
                let encoded = engine.encode(format!("{prefix}{TOKEN}tail"));
                let cleaned = clean(&encoded, TOKEN);
                assert!(cleaned.contains(REDACTED), "{prefix:?} {encoded}");
                // What is left is the few characters the neighbours share.
                assert!(cleaned.len() < REDACTED.len() + 16, "{cleaned}");
            }
        }
    }

    #[test]
    fn a_short_token_leaves_words_alone_but_not_its_parameter() {
        let data = r#"{"id":"demo-food-1","demo":true,"url":"x?token=demo&oid=1","other":"x?token=demos"}"#;
        assert_eq!(
            cleaned(data, "demo"),
            r#"{"id":"demo-food-1","demo":true,"url":"x?token=[redacted]&oid=1","other":"x?token=demos"}"#
        );
        assert_eq!(answer_text("req-demo-1", "demo", false), "req-demo-1");
        assert_eq!(clean("the balance is low", "e"), "the balance is low");
    }

    #[test]
    fn an_answer_without_the_token_is_untouched() {
        let data = r#"{"t":"S3cr3t+Tok/en=ZZ-lon\n\u00e9 %2B \\"}"#;
        assert_eq!(cleaned(data, TOKEN), data);
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
            clean("\x1b[31mred\x7f\u{9b}2J\u{202e}", ""),
            "\u{FFFD}[31mred\u{FFFD}\u{FFFD}2J\u{FFFD}"
        );
    }

    #[test]
    fn excerpt_is_bounded_and_never_markup() {
        let token = "TOKEN-LONG-ENOUGH-1";
        let body = "x".repeat(10_000);
        assert_eq!(excerpt(body.as_bytes(), 200, token).len(), 200);
        assert_eq!(
            excerpt(
                b"<html>\r\n<head><title>502 Bad Gateway</title></head><body>TOKEN-LONG-ENOUGH-1</body>",
                200,
                token
            ),
            "an HTML page titled \"502 Bad Gateway\""
        );
        assert_eq!(
            excerpt(
                b"<html>\n  <body><h1>Bad TOKEN-LONG-ENOUGH-1</h1></body></html>",
                200,
                token
            ),
            "an HTML page: \"Bad [redacted]\""
        );
        assert_eq!(
            excerpt(b"plain\n\ttext \x1b[0m", 200, ""),
            "plain text \u{FFFD}[0m"
        );
    }

    /// A token that straddles the excerpt's length, in any spelling, is
    /// redacted whole: no first part of it is shown.
    #[test]
    fn a_token_across_the_excerpts_end_shows_no_part_of_it() {
        let token = "tok-SECRET-0123456789abcdef";
        let spellings = [token.to_owned(), STANDARD_NO_PAD.encode(token)];
        for spelling in &spellings {
            for before in 150..=EXCERPT_CHARS + 10 {
                let body = format!("{}{spelling} tail", "E".repeat(before));
                let shown = excerpt(body.as_bytes(), EXCERPT_CHARS, token);
                for n in 8..=spelling.len() {
                    assert!(!shown.contains(&spelling[..n]), "{before}: {shown}");
                }
            }
        }
        let long = format!("{}{token}", " ".repeat(EXCERPT_CHARS * 16 - 5));
        assert!(!excerpt(long.as_bytes(), EXCERPT_CHARS, token).contains("tok"));
    }
}
