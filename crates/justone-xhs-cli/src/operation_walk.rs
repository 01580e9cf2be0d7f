//! `api`'s run: the library's operation page walk with the feed harvest's
//! guarantees. One JSON line per page (its `data` as sent) to stdout or a
//! file; a file is locked for the run and gets a checkpoint journal whose
//! every line records the next page's parameters, so that `--resume`
//! continues exactly once after SIGINT, SIGTERM or `kill -9`; a budget;
//! signals; the command that continues an unfinished run.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use clap::{ArgMatches, CommandFactory};
use futures::StreamExt;
use justone_xhs::{Error, NextPage, OperationInfo, OperationPage, display_safe};

use crate::checkpoint::{ChannelMark, RunShape};
use crate::cli::ApiArgs;
use crate::compact_json::compact_json;
use crate::connection;
use crate::diagnostics;
use crate::exit_code::{Exit, classify, context, hint};
use crate::output::Output;
use crate::progress::Progress;
use crate::signals::{Signal, Signals};

/// Why a walk stopped before its end.
enum Stop {
    Failed(Error),
    Signal(Signal),
    Budget(u64),
    WriteFailed(std::io::Error),
    ReaderGone,
}

/// Runs the walk of `operation` that `args` ask for.
pub fn run(args: ApiArgs, matches: &ArgMatches, operation: &'static OperationInfo) -> Result<(), Exit> {
    connection::run(walk(args, matches.clone(), operation))
}

async fn walk(args: ApiArgs, matches: ArgMatches, operation: &'static OperationInfo) -> Result<(), Exit> {
    let mut signals = Signals::new();
    let to_stdout = args.out.output.as_deref().is_none_or(|p| p == Path::new("-"));
    if args.out.resume {
        resumable(&args).map_err(|m| diagnostics::usage(&m))?;
    }
    let demo = connection::start_demo(&args.connection)?;
    let client = connection::build_client(&args.connection, 1, args.max_requests, demo.as_ref())
        .map_err(|e| crate::diagnostics::report(&e))?;
    let shape = RunShape {
        channels: vec![operation.id.to_owned()],
        first_page: 1,
        pages: args.pages,
        format: "jsonl".to_owned(),
        raw: false,
        dedup: false,
        params: args.params.clone(),
        fields: String::new(),
    };
    if args.dry_run {
        // The real run's checks of the output too, changing nothing.
        match args.out.output.as_deref().filter(|_| !to_stdout) {
            Some(path) if crate::cli::names_a_database(path) => {
                crate::feed_command::check_database(path, args.out.resume)?;
            }
            Some(path) => crate::output::check(path, &shape, args.out.resume, args.out.overwrite)
                .map_err(crate::diagnostics::open_failed)?,
            None => {}
        }
        return print_plan(&args, operation);
    }
    // Where the walk starts: the pages already written and the next page's
    // parameters (`None`: the walk had ended).
    let (mut output, done, start) = if to_stdout {
        (Destination::Lines(Output::stdout()), 0, Some(args.params.clone()))
    } else {
        let path = args.out.output.clone().unwrap_or_default();
        if crate::cli::names_a_database(&path) {
            open_database(&args, &matches, operation, &path)?
        } else {
            let (resume, overwrite, params) = (args.out.resume, args.out.overwrite, args.params.clone());
            crate::signals::unless_signalled(&mut signals, move || {
                if !resume {
                    return Output::create(&path, shape, overwrite)
                        .map(|o| (Destination::Lines(o), 0, Some(params)))
                        .map_err(crate::diagnostics::open_failed);
                }
                let (output, resumed) =
                    Output::resume(&path, &shape, false).map_err(crate::diagnostics::open_failed)?;
                let mark = resumed
                    .checkpoint
                    .channels
                    .first()
                    .copied()
                    .unwrap_or(ChannelMark {
                        next_page: 1,
                        done: false,
                    });
                let start = (!mark.done).then(|| resumed.checkpoint.next_params.unwrap_or(params));
                Ok((Destination::Lines(output), mark.next_page - 1, start))
            })
            .await?
        }
    };
    let started = Instant::now();
    let progress = Progress::new(!args.quiet && std::io::stderr().is_terminal());
    progress.set_total(u64::from(args.pages - done));
    let mut walk = client
        .operation_pages(operation.id, start.iter().flatten())
        .map_err(|e| crate::diagnostics::report(&e))?
        .limit(if start.is_some() { args.pages - done } else { 0 });
    if let Some(pointer) = &args.cursor_field {
        walk = walk.cursor_field(pointer.clone());
    }
    let mut pages = Box::pin(walk.stream());
    let cancel = client.cancellation_token().clone();
    let (mut written, mut stop, mut next) = (done, None, start);
    loop {
        let page = tokio::select! {
            page = pages.next() => match page {
                Some(page) => page,
                None => break,
            },
            signal = signals.recv() => {
                cancel.cancel();
                if stop.is_some() {
                    break;
                }
                stop = Some(Stop::Signal(signal));
                continue;
            }
        };
        let page = match page {
            Ok(page) => page,
            Err(Error::Cancelled) => break,
            Err(Error::BudgetSpent { max_requests, .. }) => {
                stop.get_or_insert(Stop::Budget(max_requests));
                break;
            }
            // A retry cut short by a signal: the page did not fail for good.
            Err(error) if cancel.is_cancelled() && error.is_retryable() => break,
            Err(error) => {
                stop = Some(Stop::Failed(error));
                break;
            }
        };
        if args.pages == 1
            && let Some(id) = &page.answer.request_id
        {
            diagnostics::say(format_args!("request id: {}", display_safe(id)));
        }
        written += 1;
        next = match &page.next {
            NextPage::Params(params) => Some(params.clone()),
            NextPage::Unreadable(why) => {
                diagnostics::say(format_args!(
                    "warning: {}; the walk stops here",
                    display_safe(why)
                ));
                None
            }
            _ => None,
        };
        let mark = ChannelMark {
            next_page: written + 1,
            done: next.is_none() || written == args.pages,
        };
        let committed = progress.suspend(|| output.page(written, &page, mark, next.as_deref()));
        if let Err(error) = committed {
            cancel.cancel();
            stop = Some(
                if error.kind() == std::io::ErrorKind::BrokenPipe && output.is_stdout() {
                    Stop::ReaderGone
                } else {
                    Stop::WriteFailed(error)
                },
            );
            break;
        }
        progress.inc(1);
        if mark.done {
            progress.set_total(u64::from(written - done));
        }
    }
    progress.finish();
    // Complete when the walk reached its end or its last page; a signal
    // that came after that stopped nothing.
    let complete = next.is_none() || written == args.pages;
    if complete && matches!(stop, Some(Stop::Signal(_))) {
        stop = None;
    }
    let status = match &stop {
        None => "complete",
        Some(Stop::Signal(_) | Stop::Budget(_)) => "interrupted",
        Some(_) => "failed",
    };
    if let Err(error) = output.finish(status, &client)
        && stop.is_none()
    {
        stop = Some(Stop::WriteFailed(error));
    }
    if !args.quiet {
        diagnostics::say(format_args!(
            "{} pages, {} requests, {} retries in {:.1} s",
            written - done,
            client.request_count(),
            client.retry_count(),
            started.elapsed().as_secs_f64()
        ));
    }
    let exit = match &stop {
        None | Some(Stop::ReaderGone) => return Ok(()),
        Some(Stop::Failed(error)) => {
            diagnostics::say(format_args!(
                "error: {} page {}: {}{}",
                operation.id,
                written + 1,
                diagnostics::message(error),
                context(error)
            ));
            diagnostics::say(format_args!("hint: {}", hint(error)));
            classify(error)
        }
        Some(Stop::WriteFailed(error)) => {
            diagnostics::say(format_args!("error: cannot write the output: {error}"));
            Exit::Other
        }
        Some(Stop::Budget(max)) => {
            diagnostics::say(format_args!(
                "stopped: the next request would pass --max-requests {max}; every page written is whole"
            ));
            Exit::BudgetSpent
        }
        Some(Stop::Signal(signal)) => {
            diagnostics::say(format_args!(
                "stopped by {}; every page written is whole",
                signal.name()
            ));
            signal.exit()
        }
    };
    if let Some(next) = next.filter(|_| !complete) {
        let command = continue_command(&args, &matches, &next, args.pages - written);
        diagnostics::say(format_args!("continue with: {command}"));
    }
    Err(exit)
}

/// Where a walk's pages go: JSON lines (stdout or a file with its
/// checkpoint), or a database (`--output FILE.db`).
enum Destination {
    Lines(Output),
    #[cfg(feature = "sqlite")]
    Database(crate::store::OperationStore),
}

impl Destination {
    /// Writes page `number` and records where the walk stands after it.
    fn page(
        &mut self,
        number: u32,
        page: &OperationPage,
        mark: ChannelMark,
        next: Option<&[(String, String)]>,
    ) -> std::io::Result<()> {
        match self {
            Destination::Lines(output) => {
                let data = compact_json(page.answer.data_str().unwrap_or("null"));
                let line = match output.is_stdout() {
                    true => format!("{}\n", crate::for_stdout(&data)),
                    false => format!("{data}\n"),
                };
                output.commit_walk(line.as_bytes(), u64::from(number), Some((0, mark)), next)
            }
            #[cfg(feature = "sqlite")]
            Destination::Database(store) => store
                .page(number, page, next, &crate::utc_time::now())
                .map_err(std::io::Error::other),
        }
    }

    /// Ends the output: a complete file loses its checkpoint; a run's row
    /// records `status` and what the client sent.
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    fn finish(&mut self, status: &str, client: &justone_xhs::Client) -> std::io::Result<()> {
        match self {
            Destination::Lines(output) => output.finish(b"", status == "complete"),
            #[cfg(feature = "sqlite")]
            Destination::Database(store) => store
                .finish(status, client.request_count(), client.retry_count())
                .map_err(std::io::Error::other),
        }
    }

    fn is_stdout(&self) -> bool {
        matches!(self, Destination::Lines(output) if output.is_stdout())
    }
}

/// An opened destination, the pages it already holds and the next page's
/// parameters (`None`: the walk had ended).
type Opened = (Destination, u32, Option<Vec<(String, String)>>);

/// Opens (or resumes) the walk's run in the database at `path`.
#[cfg(feature = "sqlite")]
fn open_database(
    args: &ApiArgs,
    matches: &ArgMatches,
    operation: &OperationInfo,
    path: &Path,
) -> Result<Opened, Exit> {
    use crate::store::OperationStore;
    if args.out.overwrite {
        return Err(diagnostics::usage(&format!(
            "--overwrite does not apply to a database: each run is added to {}; to start a new one, move or delete the file",
            path.display()
        )));
    }
    let opened = if args.out.resume {
        OperationStore::resume(path, operation.id, &args.params, args.pages)
            .map(|(store, position)| (Destination::Database(store), position.pages, position.next))
    } else {
        let command = crate::command_line::repeat(&crate::cli::Cli::command(), "api", matches, &[]);
        OperationStore::create(path, operation.id, &args.params, args.pages, &command)
            .map(|store| (Destination::Database(store), 0, Some(args.params.clone())))
    };
    opened.map_err(|error| error.report())
}

#[cfg(not(feature = "sqlite"))]
fn open_database(
    _args: &ApiArgs,
    _matches: &ArgMatches,
    _operation: &OperationInfo,
    _path: &Path,
) -> Result<Opened, Exit> {
    Err(diagnostics::usage(
        "this justone-xhs was built without SQLite (the `sqlite` feature); write --output FILE.jsonl",
    ))
}

/// Whether `--resume` can continue a walk of `args`: the rule behind
/// accepting it and printing a continue command that uses it.
fn resumable(args: &ApiArgs) -> Result<(), String> {
    match args.out.output.as_deref() {
        Some(path) if path != Path::new("-") && !std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            Ok(())
        }
        _ => Err("--resume continues a file: it needs --output FILE (a regular file)".to_owned()),
    }
}

/// The command that continues an unfinished walk: the same with `--resume`
/// for a file; for stdout, the next page's parameters and the pages left.
fn continue_command(args: &ApiArgs, matches: &ArgMatches, next: &[(String, String)], left: u32) -> String {
    let command = crate::cli::Cli::command();
    if resumable(args).is_ok() {
        return crate::command_line::repeat(
            &command,
            "api",
            matches,
            &[("resume", Some(Vec::new())), ("overwrite", None)],
        );
    }
    let params = next.iter().map(|(k, v)| format!("{k}={v}")).collect();
    crate::command_line::repeat(
        &command,
        "api",
        matches,
        &[("params", Some(params)), ("pages", Some(vec![left.to_string()]))],
    )
}

/// `--dry-run`: what the walk would fetch and the most it could cost.
fn print_plan(args: &ApiArgs, operation: &OperationInfo) -> Result<(), Exit> {
    match connection::client_builder(&args.connection, None).and_then(justone_xhs::ClientBuilder::build) {
        Ok(_) | Err(Error::MissingToken) => {}
        Err(error) => return Err(crate::diagnostics::report(&error)),
    }
    let pages = u64::from(args.pages);
    let mut most = pages.saturating_mul(args.connection.retries() as u64 + 1);
    let mut bounds = format!("--retries {}", args.connection.retries());
    if let Some(max) = args.max_requests {
        most = most.min(max);
        bounds.push_str(&format!(" and --max-requests {max}"));
    }
    let paging = operation.paging();
    let text = format!(
        "plan: {}, at most {} ({} paging{})\nrequests: {pages} if every page exists and none fails; at most {most} with {bounds}\ndry run: nothing was sent\n",
        operation.id,
        if pages == 1 {
            "1 page".to_owned()
        } else {
            format!("{pages} pages")
        },
        paging.name(),
        paging.param().map(|p| format!(" by {p}")).unwrap_or_default(),
    );
    crate::write_stdout(text.as_bytes()).or_else(|e| crate::diagnostics::report_io(&e))
}
