//! JSON text, handled as text.

use std::fmt;

/// The kind of a JSON value, read from its first character (the text is
/// known to be JSON, or the answer only names what it starts like).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Object,
    Array,
    String,
    Null,
    Boolean,
    Number,
    Nothing,
}

impl JsonKind {
    pub(crate) fn of(json: &str) -> JsonKind {
        match json.trim_start().as_bytes().first() {
            Some(b'{') => JsonKind::Object,
            Some(b'[') => JsonKind::Array,
            Some(b'"') => JsonKind::String,
            Some(b'n') => JsonKind::Null,
            Some(b't' | b'f') => JsonKind::Boolean,
            Some(_) => JsonKind::Number,
            None => JsonKind::Nothing,
        }
    }
}

impl fmt::Display for JsonKind {
    /// As a decode error names it: "an array", "null", …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonKind::Object => "an object",
            JsonKind::Array => "an array",
            JsonKind::String => "a string",
            JsonKind::Null => "null",
            JsonKind::Boolean => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::Nothing => "nothing",
        })
    }
}
