//! `justone-xhs api`: any generated operation by operationId, with
//! parameters checked against the library's operation table before anything
//! is sent; `--list` prints the table; `--pages` walks a paged operation
//! (see [`crate::operation_walk`]).

use std::io::Write;
use std::path::PathBuf;

use clap::{ArgMatches, Args, ValueEnum};
use justone_xhs::{Client, OperationInfo, Paging};

use crate::connection::ConnectionArgs;
use crate::diagnostics;
use crate::exit_code::Exit;

/// Call an operation: `justone-xhs api getApiXiaohongshuGetNoteDetailV1 --param noteId=…`.
///
/// Writes each page's `data` on stdout (or --output) exactly as the provider
/// sent it, one JSON line per page, and `request id: …` on stderr for a
/// single call. Parameters are checked before any request: an unknown
/// operation or parameter, a missing required one, a value outside the
/// documented ones or a number that does not parse exits 2 and names what is
/// allowed. A deprecated operation, or one the provider has hidden from its
/// documentation (it is about to be removed), is called with a warning.
///
/// --pages N follows the operation's paging: page numbers (`page`,
/// `pageNum`) add one; cursors (`lastCursor`, `cursor`) take the answer's
/// `cursor` / `next_cursor` field, else the last item's `cursor`. The walk
/// ends when `has_more` is false, the list is empty or no cursor follows,
/// never with a request past the end; a page whose shape does not say what
/// follows ends it with a warning (--cursor-field names the cursor's place).
/// With --output FILE a run resumes exactly once (--resume) after SIGINT,
/// SIGTERM or kill -9, as `feed` does.
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ApiArgs {
    /// The operationId (see --list).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub operation: Option<String>,
    /// List the operations: operationId, method, path, paging, summary, and
    /// the parameters (* marks a required one); deprecated and hidden ones
    /// are marked.
    #[arg(long)]
    pub list: bool,
    /// How --list prints: aligned text, or JSON with every parameter's
    /// type, enum values and their meanings, default and description.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, requires = "list")]
    pub format: ListFormat,
    /// A parameter as NAME=VALUE; repeat for several.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = name_value)]
    pub params: Vec<(String, String)>,
    /// Pages to fetch (fewer if the answers say there are no more).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub pages: u32,
    /// Where the next cursor is in `data`, as a JSON pointer
    /// (`/page_info/end_cursor`), for answers the paging rule does not read.
    #[arg(long, value_name = "POINTER", value_parser = json_pointer)]
    pub cursor_field: Option<String>,
    /// Write to this file instead of stdout (`-` is stdout). An existing
    /// non-empty file is left alone unless --overwrite or --resume is given.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing --output file.
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Continue an interrupted or failed run of the same command into the
    /// same --output file: only the pages not yet in it are fetched.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Send at most N requests in all (retries count); the run then stops
    /// cleanly (exit 10) with the command that continues it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Print what the run would fetch and the most requests it could send,
    /// then exit without sending any.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How `api --list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One aligned line per operation.
    Text,
    /// A JSON array with every parameter's details.
    Json,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

fn json_pointer(text: &str) -> Result<String, String> {
    if text.is_empty() || text.starts_with('/') {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "a JSON pointer starts with `/` (e.g. /page_info/end_cursor), got {text:?}"
        ))
    }
}

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
