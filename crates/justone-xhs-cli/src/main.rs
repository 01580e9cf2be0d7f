//! `justone-xhs`: the Notes Feed from the command line. All API logic lives
//! in the `justone-xhs` library; this binary parses, drives and prints.

mod api_command;
mod balance_command;
mod checkpoint;
mod cli;
mod command_line;
mod connection;
mod diagnostics;
mod duration_arg;
mod exit_code;
mod feed_command;
mod file_sink;
mod harvest;
#[cfg(feature = "mcp")]
mod mcp;
mod operation_walk;
mod outcome;
mod output;
mod output_lock;
mod page_sink;
mod progress;
mod record;
mod record_fields;
mod record_schema;
mod render;
mod repeated_harvest;
mod report;
mod signals;
#[cfg(feature = "sqlite")]
mod store;
mod token_file;
#[cfg(feature = "sqlite")]
mod trends;
#[cfg(feature = "charts")]
mod trends_chart;
#[cfg(feature = "sqlite")]
mod trends_command;
mod utc_time;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use justone_xhs::Channel;
#[cfg(feature = "demo")]
use justone_xhs::mock::DemoServer;

use crate::cli::{ChannelsFormat, Cli, Command, Format, SchemaKind};
use crate::diagnostics::report_io;
use crate::exit_code::Exit;

/// Built without the `demo` feature there is no demo server, and `--demo` is
/// refused before one would be needed: a type without values.
#[cfg(not(feature = "demo"))]
enum DemoServer {}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let format_given = matches
        .subcommand_matches("feed")
        .and_then(|m| m.value_source("format"))
        .is_some_and(|source| source != ValueSource::DefaultValue);
    init_tracing();
    match cli.command {
        Command::Channels { .. } if stdout_is_closed() => exit(Err(closed_stdout())),
        Command::Channels { format } => exit(print_channels(format).or_else(|e| report_io(&e))),
        Command::Completions { .. } | Command::Man | Command::Schema { .. } if stdout_is_closed() => {
            exit(Err(closed_stdout()))
        }
        Command::Schema {
            what: SchemaKind::Record,
        } => exit(write_stdout(record_schema::record_schema().as_bytes()).or_else(|e| report_io(&e))),
        Command::Completions { shell } => {
            // Rendered in memory: the generators panic on a write error.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "justone-xhs", &mut script);
            exit(write_stdout(&script).or_else(|e| report_io(&e)))
        }
        Command::Man => exit(
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .or_else(|e| report_io(&e)),
        ),
        Command::Api(args) => {
            let own = matches.subcommand_matches("api").cloned().unwrap_or_default();
            exit(api_command::run(args, &own))
        }
        #[cfg(feature = "sqlite")]
        Command::Trends(args) => exit(trends_command::run(args)),
        Command::Balance(args) => exit(balance_command::run(args)),
        Command::Feed(mut args) => {
            args.format = args.effective_format(format_given);
            let conflict = if args.raw && matches!(args.format, Format::Csv | Format::Table | Format::Sqlite)
            {
                Some("--raw works with --format jsonl or json")
            } else if args.fields.is_some() && args.format == Format::Sqlite {
                Some("--fields works with --format jsonl, json, csv or table (a database keeps every field)")
            } else {
                None
            };
            if let Some(message) = conflict {
                let mut command = Cli::command();
                let feed = command
                    .find_subcommand_mut("feed")
                    .map(std::mem::take)
                    .unwrap_or_default();
                feed.bin_name("justone-xhs feed")
                    .error(clap::error::ErrorKind::ArgumentConflict, message)
                    .exit();
            }
            if args.out.output.as_deref().is_none_or(|p| p == Path::new("-")) && stdout_is_closed() {
                return exit(Err(closed_stdout()));
            }
            let own = matches.subcommand_matches("feed").cloned().unwrap_or_default();
            exit(feed_command::run(args, &own))
        }
        #[cfg(feature = "mcp")]
        Command::Mcp(args) => exit(connection::run(mcp::serve(args))),
    }
}

/// Whether stdout was closed when the program started (`>&-`). Rust's
/// runtime then opens `/dev/null` read-write in its place, so that nothing
/// else gets descriptor 1, and every write "succeeds". A shell's
/// `>/dev/null` opens it write-only, so the two can be told apart (Linux).
fn stdout_is_closed() -> bool {
    let null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|target| target == Path::new("/dev/null"));
    null && std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
        info.lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
            .is_some_and(|flags| flags & 0o3 == 0o2)
    })
}

/// JSON text as it goes to stdout: exactly as given into a pipe or a file;
/// on a terminal on one line and through the scrubber, so that no escape
/// sequence, bidi override or invisible character the provider put in a
/// string reaches the screen (the JSON stays valid: only characters inside
/// strings change).
fn for_stdout(json: &str) -> std::borrow::Cow<'_, str> {
    if !std::io::stdout().is_terminal() {
        return std::borrow::Cow::Borrowed(json);
    }
    std::borrow::Cow::Owned(justone_xhs::display_safe(&justone_xhs::compact_json(json)).into_owned())
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Rust drops writes to a closed stdout silently: a run would look like a
/// success with every record lost.
fn closed_stdout() -> Exit {
    diagnostics::say(format_args!("error: stdout is closed; nothing could be written"));
    diagnostics::say(format_args!("hint: redirect stdout or pass --output FILE"));
    Exit::Other
}

fn exit(result: Result<(), Exit>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => ExitCode::from(code.status()),
    }
}

/// Logs go to stderr, off unless RUST_LOG asks for them.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Every documented channel as `{slug, oid, label, label_zh}`
/// (`channels --format json`, the MCP tool `list_channels`).
fn channels_json() -> Vec<serde_json::Value> {
    Channel::ALL
        .iter()
        .map(|c| serde_json::json!({"slug": c.slug(), "oid": c.oid(), "label": c.label(), "label_zh": c.label_zh()}))
        .collect()
}

fn print_channels(format: ChannelsFormat) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ChannelsFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &channels_json())?;
            writeln!(out)?;
        }
        ChannelsFormat::Table => {
            writeln!(out, "{:<24} {:<36} {:<24} 中文", "SLUG", "OID", "LABEL")?;
            for c in Channel::ALL {
                writeln!(
                    out,
                    "{:<24} {:<36} {:<24} {}",
                    c.slug(),
                    c.oid(),
                    c.label(),
                    c.label_zh()
                )?;
            }
        }
    }
    out.flush()
}
