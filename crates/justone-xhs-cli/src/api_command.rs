//! `justone-xhs api`: any generated operation by operationId, with
//! parameters checked against the library's operation table before anything
//! is sent; `--list` prints the table; `--pages` walks a paged operation
//! (see [`crate::operation_walk`]).

use std::io::Write;

use clap::ArgMatches;
use justone_xhs::{Client, OperationInfo, Paging};

use crate::cli::{ApiArgs, ListFormat};
use crate::diagnostics;
use crate::exit_code::Exit;

/// Runs the command; `matches` are its own, for the continue command.
pub fn run(args: ApiArgs, matches: &ArgMatches) -> Result<(), Exit> {
    let Some(id) = args.operation.as_deref() else {
        return list(args.format).or_else(|e| crate::diagnostics::report_io(&e));
    };
    // Checked before the demo server starts or the token is looked for.
    let operation = Client::operation_info(id).map_err(|e| crate::diagnostics::report(&e))?;
    if let Err(e) = operation.check(&args.params) {
        return Err(refused(&e.to_string()));
    }
    if args.pages > 1 && operation.paging() == Paging::Single {
        return Err(refused(&format!(
            "{} answers in one page: --pages needs a paged operation",
            operation.id
        )));
    }
    if operation.deprecated || operation.hidden {
        diagnostics::say(format_args!("warning: {}", lifecycle_warning(operation)));
    }
    crate::operation_walk::run(args, matches, operation)
}

/// What a caller of a deprecated or hidden operation should know.
pub fn lifecycle_warning(operation: &OperationInfo) -> String {
    let state = match (operation.deprecated, operation.hidden) {
        (true, true) => "deprecated and hidden from the provider's documentation",
        (true, false) => "deprecated",
        _ => "hidden from the provider's documentation",
    };
    format!(
        "{} is {state}: the provider removes such operations; look for a newer version in `api --list`",
        operation.id
    )
}

fn list(format: ListFormat) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let all: Vec<serde_json::Value> = Client::operations().iter().map(operation_json).collect();
            serde_json::to_writer_pretty(&mut out, &all)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for op in Client::operations() {
                let params: Vec<String> = op
                    .params
                    .iter()
                    .map(|p| format!("{}{}", p.name, if p.required { "*" } else { "" }))
                    .collect();
                let marks = match (op.deprecated, op.hidden) {
                    (true, true) => " (deprecated, hidden)",
                    (true, false) => " (deprecated)",
                    (false, true) => " (hidden)",
                    _ => "",
                };
                writeln!(
                    out,
                    "{:<42} {:<4} {:<44} {:<11} {}{marks} [{}]",
                    op.id,
                    op.method,
                    op.path,
                    op.paging().name(),
                    op.summary,
                    params.join(" ")
                )?;
            }
        }
    }
    out.flush()
}

/// An operation as `api --list --format json` (and MCP) describe it.
pub fn operation_json(op: &OperationInfo) -> serde_json::Value {
    let params: Vec<serde_json::Value> = op
        .params
        .iter()
        .map(|p| {
            let values: Vec<serde_json::Value> = p
                .value_meanings()
                .into_iter()
                .map(|(value, meaning)| serde_json::json!({"value": value, "meaning": meaning}))
                .collect();
            serde_json::json!({
                "name": p.name,
                "required": p.required,
                "type": p.kind.name(),
                "format": p.format,
                "enum": values,
                "default": p.default,
                "description": p.description,
            })
        })
        .collect();
    serde_json::json!({
        "id": op.id,
        "method": op.method,
        "path": op.path,
        "summary": op.summary,
        "deprecated": op.deprecated,
        "hidden": op.hidden,
        "paging": {"kind": op.paging().name(), "param": op.paging().param()},
        "params": params,
    })
}

fn refused(message: &str) -> Exit {
    diagnostics::say(format_args!("error: {message}"));
    diagnostics::say(format_args!(
        "hint: `justone-xhs api --list` shows each operation's parameters and paging"
    ));
    Exit::Usage
}
