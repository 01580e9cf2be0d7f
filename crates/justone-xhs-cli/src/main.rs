//! `justone-xhs`: the Notes Feed from the command line. All API logic lives
//! in the `justone-xhs` library; this binary parses, drives and prints.

mod api_command;
mod balance_command;
mod checkpoint;
mod cli;
mod command_line;
mod connection;
mod exit_code;
mod file_sink;
mod harvest;
#[cfg(feature = "mcp")]
mod mcp;
mod operation_walk;
mod output;
mod output_lock;
mod page_sink;
mod progress;
mod record;
mod render;
mod report;
mod signals;
#[cfg(feature = "sqlite")]
mod store;
mod token_file;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
#[cfg(feature = "demo")]
use justone_xhs::mock::DemoServer;
use justone_xhs::{Channel, Error};

use crate::checkpoint::{ChannelMark, RunShape};
use crate::cli::{ChannelsFormat, Cli, Command, FeedArgs, Format};
use crate::exit_code::{Exit, classify, context, hint};
use crate::file_sink::FileSink;
use crate::harvest::{Plan, State, Stop};
use crate::output::{OpenError, Output};
use crate::page_sink::PageSink;
use crate::progress::Progress;
use crate::render::{Renderer, TextFormat};
use crate::signals::Signals;

/// Built without the `demo` feature there is no demo server, and `--demo` is
/// refused before one would be needed: a type without values.
#[cfg(not(feature = "demo"))]
enum DemoServer {}

#[cfg(not(feature = "demo"))]
impl DemoServer {
    fn base_url(&self) -> String {
        match *self {}
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let base_url_from_env = matches
        .subcommand_matches("feed")
        .and_then(|m| m.value_source("base_url"))
        == Some(ValueSource::EnvVariable);
    let format_given = matches
        .subcommand_matches("feed")
        .and_then(|m| m.value_source("format"))
        .is_some_and(|source| source != ValueSource::DefaultValue);
    init_tracing();
    match cli.command {
        Command::Channels { .. } if stdout_is_closed() => exit(Err(closed_stdout())),
        Command::Channels { format } => exit(print_channels(format).or_else(|e| report_io(&e))),
        Command::Completions { .. } | Command::Man { dir: None } if stdout_is_closed() => {
            exit(Err(closed_stdout()))
        }
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
        Command::Balance(args) => exit(balance_command::run(args)),
        Command::Feed(mut args) => {
            args.format = args.effective_format(format_given);
            if args.raw && matches!(args.format, Format::Csv | Format::Table | Format::Sqlite) {
                let mut command = Cli::command();
                let feed = command
                    .find_subcommand_mut("feed")
                    .map(std::mem::take)
                    .unwrap_or_default();
                feed.bin_name("justone-xhs feed")
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--raw works with --format jsonl or json",
                    )
                    .exit();
            }
            if args.output.as_deref().is_none_or(|p| p == Path::new("-")) && stdout_is_closed() {
                return exit(Err(closed_stdout()));
            }
            exit(connection::run(feed(args, base_url_from_env)))
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
    report::say(format_args!("error: stdout is closed; nothing could be written"));
    report::say(format_args!("hint: redirect stdout or pass --output FILE"));
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

async fn feed(args: FeedArgs, base_url_from_env: bool) -> Result<(), Exit> {
    // From here on SIGINT/SIGTERM are ours: a run stops cleanly however early.
    let mut signals = Signals::new();
    let last_page = args
        .page
        .checked_add(args.pages - 1)
        .filter(|last| i32::try_from(*last).is_ok())
        .ok_or_else(|| usage("--page + --pages - 1 must not pass 2147483647, the API's last page"))?;
    let (named, warnings) = args.channel_list().map_err(|message| usage(&message))?;
    for warning in warnings {
        report::say(format_args!("warning: {warning}"));
    }
    let channels = match named {
        _ if args.all_channels => Channel::ALL.to_vec(),
        named if named.is_empty() => vec![Channel::Recommend],
        named => named,
    };
    let shape = RunShape {
        channels: channels.iter().map(|c| c.oid().to_owned()).collect(),
        first_page: args.page,
        pages: args.pages,
        format: format!("{:?}", args.format).to_lowercase(),
        raw: args.raw,
        dedup: args.dedup,
        params: Vec::new(),
    };
    let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
    if args.resume {
        resumable(&args).map_err(|message| usage(&message))?;
    }

    if args.dry_run {
        return print_plan(&args, &channels, last_page);
    }
    // Everything that can refuse the command does so before any request.
    let started_demo = connection::start_demo(&args.connection)?;
    let client = connection::build_client(
        &args.connection,
        args.concurrency,
        args.max_requests,
        started_demo.as_ref(),
    )
    .map_err(|e| report(&e))?;
    let (mut sink, marks): (Box<dyn PageSink>, _) = match TextFormat::of(args.format) {
        Some(format) => {
            let (mut files, marks) = unless_signalled(&mut signals, {
                let args = args.clone();
                move || open_files(&args, format, shape, to_stdout)
            })
            .await?;
            // Nothing is requested when not even the preamble can be written.
            if marks.is_none()
                && let Err(e) = files.preamble()
            {
                return report_io(&e);
            }
            (Box::new(files), marks)
        }
        None => open_store(&args, &shape, base_url_from_env, client.cancellation_token())?,
    };
    let marks = match marks {
        Some(marks) => marks,
        None => {
            vec![
                ChannelMark {
                    next_page: args.page,
                    done: false
                };
                channels.len()
            ]
        }
    };
    let plan = Plan {
        channels,
        marks,
        last_page,
        concurrency: args.concurrency as usize,
        prefetch: args.prefetch,
    };
    let progress = Progress::new(!args.quiet && std::io::stderr().is_terminal());
    let mut outcome = harvest::run(&client, plan, sink.as_mut(), &progress, signals).await;

    // Ending the output can fail too (the JSON array's `]`; the SQLite
    // store's commit of the last page handed over): then the run is not
    // complete.
    let finished = sink.finish(&mut outcome);
    let complete = finished.is_ok() && outcome.complete();
    if let Err(error) = finished {
        match (&outcome.stop, harvest::write_stop(error, sink.as_ref())) {
            // The first write failure is the one to report; a reader that
            // went away wanted no more.
            (Some(Stop::WriteFailed(_) | Stop::ReaderGone), _) => {}
            // The run's own stop (a signal, the budget) stands: the end of
            // the output could not follow a reader that had left.
            (Some(_), Stop::ReaderGone) => {}
            // A token-wide failure keeps its exit code, which outranks 1.
            (Some(Stop::Fatal(_)), Stop::WriteFailed(error)) => {
                report::say(format_args!("error: cannot write the output: {error}"))
            }
            // Outranks a signal and a spent budget.
            (_, stop) => outcome.stop = Some(stop),
        }
    }
    let commands = if complete || matches!(outcome.stop, Some(Stop::ReaderGone)) {
        Vec::new()
    } else {
        continue_with(&args, base_url_from_env, &outcome, last_page)
    };
    match report::finish(&outcome, args.quiet, &commands) {
        Exit::Success => Ok(()),
        failed => Err(failed),
    }
}

/// `--dry-run`: what the run would fetch and the most it could cost, after
/// the checks a real run makes before its first request.
fn print_plan(args: &FeedArgs, channels: &[Channel], last_page: u32) -> Result<(), Exit> {
    // A value the real run refuses (a rate out of range, a bad base URL, an
    // unreadable token file) is refused here too; a missing token is not:
    // planning needs none.
    match connection::client_builder(&args.connection, None).and_then(justone_xhs::ClientBuilder::build) {
        Ok(_) | Err(Error::MissingToken) => {}
        Err(error) => return Err(report(&error)),
    }
    let pages = channels.len() as u64 * u64::from(args.pages);
    let attempts = args.connection.retries as u64 + 1;
    // Look-ahead requests are for pages of the plan too: they cannot pass
    // this bound, only spend part of it on pages past a feed's end.
    let mut most = pages.saturating_mul(attempts);
    let mut bounds = format!("--retries {}", args.connection.retries);
    if let Some(max) = args.max_requests {
        most = most.min(max);
        bounds.push_str(&format!(" and --max-requests {max}"));
    }
    let names: Vec<&str> = channels.iter().take(5).map(Channel::slug).collect();
    let more = channels.len().saturating_sub(names.len());
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let range = if args.pages == 1 {
        format!("page {}", args.page)
    } else {
        format!("pages {} to {last_page}", args.page)
    };
    let mut lines = vec![
        format!(
            "plan: {} ({}{}), {range} of each: at most {}",
            plural(channels.len() as u64, "channel"),
            names.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            },
            plural(pages, "page"),
        ),
        format!("requests: {pages} if every page exists and none fails; at most {most} with {bounds}"),
    ];
    if args.prefetch > 0 {
        lines.push(format!(
            "prefetch: up to {} of these per channel may buy pages past the end of its feed",
            args.prefetch
        ));
    }
    lines.push("dry run: nothing was sent".to_owned());
    let text = lines.join("\n") + "\n";
    write_stdout(text.as_bytes()).or_else(|e| report_io(&e))
}

/// Whether `--resume` can continue a run of `args`: the one rule behind
/// accepting `--resume` and printing a continue command that uses it. Only
/// a regular file (or a database) keeps a checkpoint to continue from.
fn resumable(args: &FeedArgs) -> Result<(), String> {
    match args.output.as_deref() {
        None => Err("--resume continues a file: it needs --output FILE, not stdout".to_owned()),
        Some(path) if path == Path::new("-") => {
            Err("--resume continues a file: it needs --output FILE, not stdout".to_owned())
        }
        Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => Err(format!(
            "--resume continues a file: {} is not a regular file (a pipe or a device keeps no checkpoint)",
            path.display()
        )),
        // The seen ids of --dedup are read back from the output; a table
        // does not show them.
        Some(_) if args.dedup && args.format == Format::Table => Err(
            "--resume cannot continue --dedup in a table (it holds no note ids); use --format jsonl, json, csv or sqlite"
                .to_owned(),
        ),
        Some(_) => Ok(()),
    }
}

/// Runs `open` on a blocking thread, so that SIGINT and SIGTERM still stop
/// the command while it waits (opening a named pipe waits for a reader).
async fn unless_signalled<T: Send + 'static>(
    signals: &mut Signals,
    open: impl FnOnce() -> Result<T, Exit> + Send + 'static,
) -> Result<T, Exit> {
    tokio::select! {
        opened = tokio::task::spawn_blocking(open) => opened.unwrap_or(Err(Exit::Other)),
        signal = signals.recv() => {
            report::say(format_args!("stopped by {} before any request was sent", signal.name()));
            Err(signal.exit())
        }
    }
}

/// The commands that continue an unfinished run: the same command with
/// `--resume` when it is [`resumable`], else the remaining channels and
/// pages.
fn continue_with(
    args: &FeedArgs,
    base_url_from_env: bool,
    outcome: &harvest::Outcome,
    last_page: u32,
) -> Vec<String> {
    let command = |args: &FeedArgs| command_line(args, base_url_from_env);
    if resumable(args).is_ok() {
        let mut again = args.clone();
        again.overwrite = false;
        again.resume = true;
        return vec![command(&again)];
    }
    // stdout or a pipe cannot be appended to: one command per group of
    // channels that stopped at the same page.
    let mut groups: Vec<(u32, Vec<Channel>)> = Vec::new();
    for run in outcome
        .channels
        .iter()
        .filter(|r| !matches!(r.state, State::Done))
    {
        match groups.iter_mut().find(|(page, _)| *page == run.next_page) {
            Some((_, channels)) => channels.push(run.channel.clone()),
            None => groups.push((run.next_page, vec![run.channel.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(page, channels)| {
            let mut again = args.clone();
            again.all_channels = false;
            again.channels = vec![channels.iter().map(Channel::slug).collect::<Vec<_>>().join(",")];
            again.page = page;
            again.pages = last_page + 1 - page;
            // A pipe takes the rest as it took the start; a file that
            // cannot be resumed is not replaced: the rest goes to stdout.
            again.output = again
                .output
                .filter(|path| path == Path::new("-") || std::fs::metadata(path).is_ok_and(|m| !m.is_file()));
            command(&again)
        })
        .collect()
}

/// The command line that repeats `args`.
fn command_line(args: &FeedArgs, base_url_from_env: bool) -> String {
    let mut words = vec!["justone-xhs".to_owned()];
    words.extend(args.to_args(base_url_from_env));
    shell_words::join(words)
}

/// Opens (or resumes) a file or stdout output. Returns the channel marks of
/// a resumed run.
fn open_files(
    args: &FeedArgs,
    format: TextFormat,
    shape: RunShape,
    to_stdout: bool,
) -> Result<(FileSink, Option<Vec<ChannelMark>>), Exit> {
    let width = if to_stdout {
        terminal_size::terminal_size_of(std::io::stdout()).map_or(100, |(w, _)| usize::from(w.0))
    } else {
        100
    };
    let mut renderer = Renderer::new(format, args.raw, args.dedup, width);
    let (output, marks) = match &args.output {
        _ if to_stdout => (Output::stdout(), None),
        Some(path) if args.resume => {
            let (output, resumed) = Output::resume(path, &shape, args.dedup).map_err(open_failed)?;
            renderer
                .resume(resumed.checkpoint.records, &resumed.written)
                .map_err(|e| open_failed(OpenError::Io(format!("cannot read {}: {e}", path.display()))))?;
            (output, Some(resumed.checkpoint.channels))
        }
        Some(path) => (
            Output::create(path, shape, args.overwrite).map_err(open_failed)?,
            None,
        ),
        None => unreachable!("no --output is stdout"),
    };
    Ok((FileSink::new(renderer, output), marks))
}

/// The database as the run's sink, and where each channel stands when a run
/// is resumed.
type OpenedStore = (Box<dyn PageSink>, Option<Vec<ChannelMark>>);

/// Opens the `--format sqlite` database and adds a run to it, or continues
/// one with `--resume`. Returns the channel marks of a resumed run.
#[cfg(feature = "sqlite")]
fn open_store(
    args: &FeedArgs,
    shape: &RunShape,
    base_url_from_env: bool,
    cancel: &justone_xhs::CancellationToken,
) -> Result<OpenedStore, Exit> {
    let Some(path) = args.output.as_deref().filter(|p| *p != Path::new("-")) else {
        return Err(usage(
            "--format sqlite writes a database file: pass --output FILE (e.g. notes.db)",
        ));
    };
    if args.overwrite {
        // A database keeps the history of every run: replacing it is for
        // the user to do, not a flag copied from a jsonl command.
        return Err(usage(&format!(
            "--overwrite does not apply to a database: each run is added to {} and the earlier runs are kept; to start a new database, move or delete the file",
            path.display()
        )));
    }
    let opened = if args.resume {
        store::Store::resume(path, shape, cancel).map(|(store, marks)| (store, Some(marks)))
    } else {
        let mut recorded = args.clone();
        recorded.connection.base_url = recorded
            .connection
            .base_url
            .as_deref()
            .map(store::without_credentials);
        store::Store::create(path, shape, &command_line(&recorded, base_url_from_env), cancel)
            .map(|store| (store, None))
    };
    match opened {
        Ok((store, marks)) => Ok((Box::new(store), marks)),
        Err(error) => Err(error.report()),
    }
}

#[cfg(not(feature = "sqlite"))]
fn open_store(
    _args: &FeedArgs,
    _shape: &RunShape,
    _base_url_from_env: bool,
    _cancel: &justone_xhs::CancellationToken,
) -> Result<OpenedStore, Exit> {
    Err(usage(
        "this justone-xhs was built without SQLite (the `sqlite` feature); choose another --format",
    ))
}

fn usage(message: &str) -> Exit {
    report::say(format_args!("error: {message}"));
    Exit::Usage
}

fn open_failed(error: OpenError) -> Exit {
    match error {
        OpenError::Usage(message) => usage(&message),
        OpenError::RunInProgress(message) => {
            report::say(format_args!("error: {message}"));
            report::say(format_args!("hint: {}", output_lock::BUSY_HINT));
            Exit::Usage
        }
        OpenError::Io(message) => {
            report::say(format_args!("error: {message}"));
            report::say(format_args!(
                "hint: check that the directory exists and is writable"
            ));
            Exit::Other
        }
    }
}

/// Prints the `error:` and `hint:` lines of a failure before the harvest
/// and returns the exit code.
fn report(error: &Error) -> Exit {
    report::say(format_args!(
        "error: {}{}",
        report::message(error),
        context(error)
    ));
    report::say(format_args!("hint: {}", hint(error)));
    classify(error)
}

/// A write failure is an error, except a closed pipe: `| head` has all it
/// wanted, and the run stops quietly.
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
            report::say(format_args!(
                "error: cannot write the man pages into {}: {e}",
                dir.display()
            ));
            Exit::Other
        })
}

fn report_io(error: &std::io::Error) -> Result<(), Exit> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    report::say(format_args!("error: cannot write the output: {error}"));
    report::say(format_args!("hint: check the output file or pipe"));
    Err(Exit::Other)
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
