//! What a command says on stderr when it fails or warns: one line each,
//! never the token, never a raw control character from the provider. A
//! leaf: everything that reports uses it, and it uses nothing of the CLI
//! but the exit codes.

use std::io::Write;

use justone_xhs::{Error, display_safe};

use crate::exit_code::{Exit, classify, context, hint};
use crate::output::OpenError;

/// Writes one line to stderr. A closed or full stderr must not turn a
/// documented exit code into a panic, so errors are ignored.
pub fn say(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The error's own words, with the provider's message made safe to print.
pub fn message(error: &Error) -> String {
    display_safe(&match error {
        Error::Api { code, message, .. } => {
            let message = message.as_deref().map(str::trim).filter(|m| !m.is_empty());
            format!(
                "the API refused the request: {}",
                message.unwrap_or(code.description())
            )
        }
        other => other.to_string(),
    })
    .into_owned()
}

/// Prints `error: message` for a command line that cannot work.
pub fn usage(message: &str) -> Exit {
    say(format_args!("error: {message}"));
    Exit::Usage
}

/// Reports an output that could not be opened.
pub fn open_failed(error: OpenError) -> Exit {
    match error {
        OpenError::Usage(message) => usage(&message),
        OpenError::RunInProgress(message) => {
            say(format_args!("error: {message}"));
            say(format_args!("hint: {}", crate::output_lock::BUSY_HINT));
            Exit::Usage
        }
        OpenError::Io(message) => {
            say(format_args!("error: {message}"));
            say(format_args!(
                "hint: check that the directory exists and is writable"
            ));
            Exit::Other
        }
    }
}

/// Prints the `error:` and `hint:` lines of a failure before the harvest
/// and returns the exit code.
pub fn report(error: &Error) -> Exit {
    say(format_args!("error: {}{}", message(error), context(error)));
    say(format_args!("hint: {}", hint(error)));
    classify(error)
}

/// A write failure is an error, except a closed pipe: `| head` has all it
/// wanted, and the run stops quietly.
pub fn report_io(error: &std::io::Error) -> Result<(), Exit> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    say(format_args!("error: cannot write the output: {error}"));
    say(format_args!("hint: check the output file or pipe"));
    Err(Exit::Other)
}
