//! `justone-xhs`: the Notes Feed from the command line. All API logic lives
//! in the `justone-xhs` library; this binary parses, drives and prints.

mod api_command;
mod balance_command;
mod checkpoint;
mod cli;
mod command_line;
mod compact_json;
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
        Command::Completions { .. } | Command::Man { dir: None } | Command::Schema { .. }
            if stdout_is_closed() =>
        {
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
        Command::Man { dir } => exit(man_pages(dir.as_deref())),
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
    std::borrow::Cow::Owned(justone_xhs::display_safe(&crate::compact_json::compact_json(json)).into_owned())
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

/// Logs go to stderr, off unless RUST_LOG asks for them. RUST_LOG takes a
/// level and `target=level` pairs (`debug`, `justone_xhs=debug,hyper=info`):
/// `Targets` reads those without `env-filter`'s regex engine. A RUST_LOG it
/// cannot read (span filters such as `[span{id=1}]`) leaves logging off, as
/// an unreadable one always did.
fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| log_filter(&directives))
        .unwrap_or_default();
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    tracing_subscriber::registry().with(filter).with(stderr).init();
}

/// The filter RUST_LOG's `directives` describe. Empty pieces are dropped
/// first: `Targets` reads an empty directive as "every target at trace".
fn log_filter(directives: &str) -> Option<tracing_subscriber::filter::Targets> {
    let pieces: Vec<&str> = directives
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    if pieces.is_empty() {
        return None;
    }
    pieces.join(",").parse().ok()
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

/// The man page on stdout, or every page into `dir`. No page names the
/// `help` command: it has no page of its own.
fn man_pages(dir: Option<&Path>) -> Result<(), Exit> {
    let command = Cli::command().disable_help_subcommand(true);
    let Some(dir) = dir else {
        return clap_mangen::Man::new(command)
            .render(&mut std::io::stdout())
            .or_else(|e| report_io(&e));
    };
    std::fs::create_dir_all(dir)
        .and_then(|()| clap_mangen::generate_to(command, dir))
        .map_err(|e| {
            diagnostics::say(format_args!(
                "error: cannot write the man pages into {}: {e}",
                dir.display()
            ));
            Exit::Other
        })
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    /// The README's and the hints' uses of RUST_LOG.
    #[test]
    fn rust_log_reads_levels_and_targets() {
        let debug = log_filter("debug").unwrap();
        assert!(debug.would_enable("justone_xhs::client", &Level::DEBUG));
        assert!(!debug.would_enable("justone_xhs::client", &Level::TRACE));
        let library = log_filter("justone_xhs=debug, hyper=info").unwrap();
        assert!(library.would_enable("justone_xhs::client", &Level::DEBUG));
        assert!(library.would_enable("hyper::proto", &Level::INFO));
        assert!(!library.would_enable("hyper::proto", &Level::DEBUG));
        assert!(!library.would_enable("rustls", &Level::ERROR));
        assert!(log_filter("trace").unwrap().would_enable("rustls", &Level::TRACE));
    }

    #[test]
    fn an_empty_or_unreadable_rust_log_leaves_logs_off() {
        for directives in ["", " ", ",", "justone_xhs=loud", "a=b=c"] {
            assert!(log_filter(directives).is_none(), "{directives:?}");
        }
        assert!(log_filter("debug,").is_some_and(|f| !f.would_enable("x", &Level::TRACE)));
    }
}
