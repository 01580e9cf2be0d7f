//! Compact JSON text: the provider's spelling on one line.

use std::borrow::Cow;

/// Removes the insignificant whitespace (spaces, tabs, line breaks between
/// tokens) from JSON text, and nothing else.
///
/// Unlike parsing into `serde_json::Value` and writing it back, this keeps
/// the provider's exact spelling: key order, duplicate keys, number
/// spellings (`1.0`, `-0.0`, `1e-7`, integers beyond 64 bits) and string
/// escapes (`\u00e9`): a record or a line of `api` output is what the
/// provider sent, on one line. Text that is already compact is returned
/// borrowed.
///
/// The input should be valid JSON (a `RawValue` always is); for anything
/// else the result is the input with whitespace outside string literals
/// removed, and never a panic.
pub(crate) fn compact_json(text: &str) -> Cow<'_, str> {
    let mut scanner = Scanner::default();
    let Some(start) = text.bytes().position(|b| scanner.drops(b)) else {
        return Cow::Borrowed(text);
    };
    let mut out = text.as_bytes()[..start].to_vec();
    out.extend(text.bytes().skip(start + 1).filter(|&b| !scanner.drops(b)));
    // Only ASCII whitespace was dropped, so the rest is still valid UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Where a byte of JSON text is: inside a string literal (after a
/// backslash, or not) or between tokens.
#[derive(Default)]
struct Scanner {
    in_string: bool,
    escaped: bool,
}

impl Scanner {
    /// Whether `b`, the next byte, is insignificant whitespace.
    fn drops(&mut self, b: u8) -> bool {
        if self.in_string {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            false
        } else {
            self.in_string = b == b'"';
            matches!(b, b' ' | b'\t' | b'\n' | b'\r')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whitespace_between_tokens_goes() {
        let text = " {\r\n\t\"a b\" : [ 1.0 , -0.0,1e-7 ] ,\"s\":\"x \\\" y\\u00e9 \\\\\" , \"é\" : null } ";
        assert_eq!(
            compact_json(text),
            "{\"a b\":[1.0,-0.0,1e-7],\"s\":\"x \\\" y\\u00e9 \\\\\",\"é\":null}"
        );
    }

    #[test]
    fn compact_text_is_borrowed() {
        assert!(matches!(compact_json(r#"{"a":"b c"}"#), Cow::Borrowed(_)));
        assert!(matches!(compact_json("[1, 2]"), Cow::Owned(_)));
        assert_eq!(compact_json(""), "");
        assert_eq!(compact_json("\"unterminated  "), "\"unterminated  ");
    }
}
