//! What the operation table says about each operation, and the check of a
//! call's parameters against it (hand-written; the table itself and
//! `send_by_id` are generated into `OUT_DIR` by the build script).

#![warn(missing_docs)]

use std::future::Future;
use std::pin::Pin;

use crate::{Error, ResponseValue, types};

/// One operation of the generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The operationId (`getApiXiaohongshuGetNoteDetailV1`).
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path (`/api/xiaohongshu/get-note-detail/v1`).
    pub path: &'static str,
    /// The document's one-line summary (may be empty).
    pub summary: &'static str,
    /// Whether the document marks it `deprecated` (it still works, but the
    /// provider may remove it).
    pub deprecated: bool,
    /// The parameters, without `token` (every operation's, given separately).
    pub params: &'static [ParamInfo],
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamInfo {
    /// The name on the wire (`noteId`).
    pub name: &'static str,
    /// Where it goes: always `query` for the generated operations.
    pub location: &'static str,
    /// Whether the operation needs it.
    pub required: bool,
    /// Its JSON type.
    pub kind: ParamKind,
    /// The JSON Schema `format` (`int32`), if any.
    pub format: Option<&'static str>,
    /// The documented values; empty when any value of the type goes.
    pub enum_values: &'static [&'static str],
    /// The provider's default, as text, if documented.
    pub default: Option<&'static str>,
    /// The document's description (Markdown; may be empty).
    pub description: &'static str,
}

/// The JSON type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Any text (or one of the enum values).
    String,
    /// A whole number in the range of the `format` (`int32`: `i32`, else `i64`).
    Integer,
    /// `true` or `false`.
    Boolean,
}

impl ParamKind {
    /// The JSON Schema name of the type.
    pub fn name(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "boolean",
        }
    }
}

/// What [`send_by_id`](crate::operations::send_by_id) returns: the request
/// under way.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ResponseValue<types::Result>, Error<types::Result>>> + Send + 'a>>;

/// A call that cannot be made as given; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallError {
    /// No operation has this operationId.
    UnknownOperation {
        /// The operationId given.
        operation: String,
    },
    /// A parameter is unknown, missing, repeated or has a value its type or
    /// enum does not allow.
    InvalidParameter {
        /// The operationId.
        operation: String,
        /// The parameter's name.
        name: String,
        /// What is wrong.
        reason: String,
        /// The values or names allowed, when there is a list of them.
        allowed: Vec<String>,
    },
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::UnknownOperation { operation } => write!(f, "no operation {operation:?}"),
            CallError::InvalidParameter {
                operation,
                name,
                reason,
                allowed,
            } => {
                write!(f, "{operation}: parameter {name:?} {reason}")?;
                if !allowed.is_empty() {
                    write!(f, " (allowed: {})", allowed.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for CallError {}

impl CallError {
    pub(crate) fn unknown_parameter(operation: &str, name: &str) -> CallError {
        let known = crate::operations::operation(operation)
            .map(|op| op.params.iter().map(|p| p.name.to_owned()).collect())
            .unwrap_or_default();
        CallError::InvalidParameter {
            operation: operation.to_owned(),
            name: name.to_owned(),
            reason: "is not a parameter of this operation".to_owned(),
            allowed: known,
        }
    }
}

/// Parses a value for `send_by_id`; `kind` names the type in the error.
pub(crate) fn parse_value<T: std::str::FromStr>(
    operation: &str,
    name: &str,
    value: &str,
    kind: &str,
) -> Result<T, CallError> {
    value.trim().parse().map_err(|_| CallError::InvalidParameter {
        operation: operation.to_owned(),
        name: name.to_owned(),
        reason: format!("must be {} ({kind}), got {value:?}", article(kind)),
        allowed: Vec::new(),
    })
}

fn article(kind: &str) -> &'static str {
    match kind {
        "Integer" => "a whole number in range",
        "Boolean" => "true or false",
        _ => "a value of its type",
    }
}

impl OperationInfo {
    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Checks a call's parameters against the table: each is known and given
    /// once, every required one is there, an enum value is one of the
    /// documented ones, a number parses in its format's range, a boolean is
    /// `true` or `false`. `token` is refused: the client supplies it.
    ///
    /// # Errors
    /// [`CallError::InvalidParameter`] for the first problem found.
    pub fn check(&self, params: &[(String, String)]) -> Result<(), CallError> {
        let invalid = |name: &str, reason: String, allowed: Vec<String>| CallError::InvalidParameter {
            operation: self.id.to_owned(),
            name: name.to_owned(),
            reason,
            allowed,
        };
        for (index, (name, value)) in params.iter().enumerate() {
            let Some(param) = self.param(name) else {
                return Err(CallError::unknown_parameter(self.id, name));
            };
            if params[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(invalid(name, "is given more than once".to_owned(), Vec::new()));
            }
            if !param.enum_values.is_empty() && !param.enum_values.contains(&value.as_str()) {
                let allowed = param.enum_values.iter().map(|v| (*v).to_owned()).collect();
                return Err(invalid(name, format!("cannot be {value:?}"), allowed));
            }
            match (param.kind, param.format) {
                (ParamKind::Integer, Some("int32")) => {
                    parse_value::<i32>(self.id, name, value, "Integer").map(drop)?
                }
                (ParamKind::Integer, _) => parse_value::<i64>(self.id, name, value, "Integer").map(drop)?,
                (ParamKind::Boolean, _) => parse_value::<bool>(self.id, name, value, "Boolean").map(drop)?,
                (ParamKind::String, _) => {}
            }
        }
        match self
            .params
            .iter()
            .find(|p| p.required && !params.iter().any(|(name, _)| name == p.name))
        {
            Some(missing) => Err(invalid(missing.name, "is required".to_owned(), Vec::new())),
            None => Ok(()),
        }
    }
}
