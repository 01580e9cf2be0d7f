//! `justone-xhs`: the Notes Feed from the command line. All API logic lives
//! in the `justone-xhs` library; this binary parses, drives and prints.

mod cli;
mod exit_code;
mod harvest;
mod output;
mod record;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use justone_xhs::mock::DemoServer;
use justone_xhs::{Channel, Client, Error, Region, RetryPolicy};

use crate::cli::{ChannelsFormat, Cli, Command, FeedArgs, Format, RegionArg};
use crate::exit_code::{Exit, classify, context, hint};
use crate::harvest::{Failure, Plan};
use crate::output::Sink;

/// Pages per channel the `--demo` server serves before its feeds end.
const DEMO_PAGES: u32 = 10;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match cli.command {
        Command::Channels { format } => exit(print_channels(format).or_else(|e| report_io(&e))),
        Command::Feed(args) => {
            if args.raw && matches!(args.format, Format::Csv | Format::Table) {
                Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--raw works with --format jsonl or json",
                    )
                    .exit();
            }
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return exit(Err(Exit::Other));
                }
            };
            exit(runtime.block_on(feed(args)))
        }
    }
}

fn exit(result: Result<(), Exit>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => ExitCode::from(code as u8),
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

fn print_channels(format: ChannelsFormat) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ChannelsFormat::Json => {
            let list: Vec<_> = Channel::ALL
                .iter()
                .map(|c| serde_json::json!({"slug": c.slug(), "oid": c.oid(), "label": c.label()}))
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        ChannelsFormat::Table => {
            writeln!(out, "{:<24} {:<36} LABEL", "SLUG", "OID")?;
            for c in Channel::ALL {
                writeln!(out, "{:<24} {:<36} {}", c.slug(), c.oid(), c.label())?;
            }
        }
    }
    out.flush()
}

async fn feed(args: FeedArgs) -> Result<(), Exit> {
    let started_demo = if args.demo {
        Some(DemoServer::builder().pages(DEMO_PAGES).start_async().await)
    } else {
        None
    };
    let client = build_client(&args, started_demo.as_ref()).map_err(|e| report(&e, None))?;

    let channels = if args.all_channels {
        Channel::ALL.to_vec()
    } else if args.channels.is_empty() {
        vec![Channel::Recommend]
    } else {
        // A channel named twice (`food,travel,food`) is fetched once.
        let mut seen = std::collections::HashSet::new();
        args.channels
            .iter()
            .filter(|c| seen.insert(*c))
            .cloned()
            .collect()
    };
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(create(path)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let mut sink = Sink::new(out, args.format, args.raw, args.dedup);
    let plan = Plan {
        channels,
        first_page: args.page,
        pages: args.pages,
        concurrency: args.concurrency as usize,
    };
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let summary = match harvest::run(&client, plan, &mut sink, show_progress).await {
        Ok(summary) => summary,
        Err(e) => return report_io(&e),
    };

    if !args.quiet {
        eprintln!(
            "{} pages, {} items, {} retries in {:.1} s{}",
            summary.pages,
            summary.items,
            summary.retries,
            summary.elapsed.as_secs_f64(),
            if summary.failures.is_empty() {
                String::new()
            } else {
                format!(", {} failed", summary.failures.len())
            }
        );
    }
    let mut first = None;
    for failure in &summary.failures {
        let code = report(&failure.error, Some(failure));
        first.get_or_insert(code);
    }
    first.map_or(Ok(()), Err)
}

fn build_client(args: &FeedArgs, demo: Option<&DemoServer>) -> Result<Client, Error> {
    let mut builder = Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .retry_policy(RetryPolicy::default().max_retries(args.retries))
        .max_concurrency(args.concurrency as usize);
    if let Some(rate) = args.rate {
        builder = builder.rate_limit(rate);
    }
    builder = match (demo, &args.base_url) {
        (Some(server), _) => builder.base_url(server.base_url()).token("demo"),
        (None, Some(url)) => builder.base_url(url),
        (None, None) => builder.region(match args.region {
            RegionArg::Global => Region::Global,
            RegionArg::Cn => Region::China,
        }),
    };
    if demo.is_none()
        && let Some(path) = &args.token_file
    {
        builder = builder.token(read_token_file(path)?);
    }
    builder.build()
}

fn read_token_file(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidSetting {
        name: "--token-file",
        reason: format!("cannot read {}: {e}", path.display()),
    })?;
    let token = text.lines().next().unwrap_or_default().trim().to_owned();
    if token.is_empty() {
        return Err(Error::InvalidSetting {
            name: "--token-file",
            reason: format!("{} is empty", path.display()),
        });
    }
    Ok(token)
}

fn create(path: &Path) -> Result<std::fs::File, Exit> {
    std::fs::File::create(path).map_err(|e| {
        eprintln!("error: cannot create {}: {e}", path.display());
        eprintln!("hint: check that the directory exists and is writable");
        Exit::Other
    })
}

/// Prints the `error:` and `hint:` lines and returns the exit code.
fn report(error: &Error, failure: Option<&Failure>) -> Exit {
    let code = classify(error);
    let what = match error {
        Error::Api { code, message, .. } => {
            let message = message.as_deref().map(str::trim).filter(|m| !m.is_empty());
            format!(
                "the API refused the request: {}",
                message.unwrap_or(code.description())
            )
        }
        other => other.to_string(),
    };
    match failure {
        Some(f) => {
            eprintln!(
                "error: {} page {}: {what}{}",
                f.channel.slug(),
                f.page,
                context(error)
            );
            eprintln!(
                "hint: {}; resume with --channel {} --page {}",
                hint(error),
                f.channel.slug(),
                f.page
            );
        }
        None => {
            eprintln!("error: {what}{}", context(error));
            eprintln!("hint: {}", hint(error));
        }
    }
    code
}

/// A write failure is an error, except a closed pipe: `| head` has all it
/// wanted, and the run stops quietly.
fn report_io(error: &std::io::Error) -> Result<(), Exit> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    eprintln!("error: cannot write the output: {error}");
    eprintln!("hint: check the output file or pipe");
    Err(Exit::Other)
}
