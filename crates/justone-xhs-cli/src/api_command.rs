//! `justone-xhs api`: any generated operation by operationId, with
//! parameters checked against the library's operation table before anything
//! is sent; `--list` prints the table.

use std::io::Write;

use clap::Args;
use justone_xhs::{Client, Error, display_safe};

use crate::connection::{self, ConnectionArgs};
use crate::exit_code::Exit;
use crate::report;

/// Call an operation: `justone-xhs api getApiXiaohongshuGetNoteDetailV1 --param noteId=…`.
///
/// Prints the answer's `data` on stdout exactly as the provider sent it (one
/// JSON value, then a newline) and `request id: …` on stderr. Parameters are
/// checked before any request: an unknown operation or parameter, a missing
/// required one, a value outside the documented ones or a number that does
/// not parse exits 2 and names what is allowed. There is no --pages: the
/// documents do not say where in `data` a cursor-paged operation's next
/// cursor is, so pass `lastCursor`/`cursor` from the previous answer.
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ApiArgs {
    /// The operationId (see --list).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub operation: Option<String>,
    /// List the operations: operationId, method, path, summary, and the
    /// parameters (* marks a required one).
    #[arg(long)]
    pub list: bool,
    /// A parameter as NAME=VALUE; repeat for several.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = name_value)]
    pub params: Vec<(String, String)>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

/// Runs the command.
pub fn run(args: ApiArgs) -> Result<(), Exit> {
    match &args.operation {
        Some(operation) => connection::run(call(operation, &args)),
        None => list().or_else(|e| crate::report_io(&e)),
    }
}

fn list() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for op in Client::operations() {
        let params: Vec<String> = op
            .params
            .iter()
            .map(|p| format!("{}{}", p.name, if p.required { "*" } else { "" }))
            .collect();
        writeln!(
            out,
            "{:<42} {:<4} {:<44} {} [{}]",
            op.id,
            op.method,
            op.path,
            op.summary,
            params.join(" ")
        )?;
    }
    out.flush()
}

async fn call(operation: &str, args: &ApiArgs) -> Result<(), Exit> {
    // Checked before the demo server starts or the token is looked for.
    if let Some(info) = Client::operations().iter().find(|op| op.id == operation) {
        if let Err(e) = info.check(&args.params) {
            return Err(refused(&e.to_string()));
        }
    } else {
        return Err(crate::report(&Error::UnknownOperation {
            operation: operation.to_owned(),
        }));
    }
    let demo = connection::start_demo(&args.connection)?;
    let client = connection::client_builder(&args.connection, demo.as_ref())
        .and_then(justone_xhs::ClientBuilder::build)
        .map_err(|e| crate::report(&e))?;
    let answer = client
        .call_operation(operation, &args.params)
        .await
        .map_err(|e| crate::report(&e))?;
    if let Some(id) = &answer.request_id {
        report::say(format_args!("request id: {}", display_safe(id)));
    }
    let data = answer.data.as_deref().map_or("null", |d| d.get());
    let data = crate::for_stdout(data);
    crate::write_stdout(format!("{data}\n").as_bytes()).or_else(|e| crate::report_io(&e))
}

fn refused(message: &str) -> Exit {
    report::say(format_args!("error: {message}"));
    report::say(format_args!(
        "hint: `justone-xhs api --list` shows each operation's parameters"
    ));
    Exit::Usage
}
