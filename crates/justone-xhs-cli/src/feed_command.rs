//! `justone-xhs feed`: a harvest of channels into stdout, a file or a
//! database, from its checks before any request to the report and the
//! command that continues it. The page walk is the library's; the harvest
//! loop is [`crate::harvest`]; the outputs are [`crate::file_sink`] and
//! [`crate::store`].

use std::io::IsTerminal;
use std::path::Path;

use clap::{ArgMatches, CommandFactory};
use justone_xhs::{Channel, Error};

use crate::checkpoint::{ChannelMark, RunShape};
use crate::cli::{Cli, FeedArgs, Format};
use crate::diagnostics::{open_failed, report, report_io, usage};
use crate::exit_code::Exit;
use crate::file_sink::FileSink;
use crate::harvest::Plan;
use crate::outcome::{Outcome, State, Stop};
use crate::output::{OpenError, Output};
use crate::page_sink::PageSink;
use crate::progress::Progress;
use crate::record_fields::Field;
use crate::render::{Renderer, TextFormat};
use crate::signals::{Signals, unless_signalled};
use crate::{connection, diagnostics, harvest, repeated_harvest};

/// Runs the command; `matches` are its own, for the continue command.
pub fn run(args: FeedArgs, matches: &ArgMatches) -> Result<(), Exit> {
    connection::run(feed(args, matches))
}

async fn feed(args: FeedArgs, matches: &ArgMatches) -> Result<(), Exit> {
    // From here on SIGINT/SIGTERM are ours: a run stops cleanly however early.
    let mut signals = Signals::new();
    let Some(every) = args.every else {
        return feed_once(&args, matches, &mut signals).await;
    };
    if args.format != Format::Sqlite {
        return Err(usage(
            "--every adds a run to a database each time: use --output FILE.db (or --format sqlite)",
        ));
    }
    repeated_harvest::run(every, args.for_, &mut signals, async |signals: &mut Signals| {
        feed_once(&args, matches, signals).await
    })
    .await
}

/// One harvest: the whole of `feed` without `--every`.
async fn feed_once(args: &FeedArgs, matches: &ArgMatches, signals: &mut Signals) -> Result<(), Exit> {
    let last_page = args
        .page
        .checked_add(args.pages - 1)
        .filter(|last| i32::try_from(*last).is_ok())
        .ok_or_else(|| usage("--page + --pages - 1 must not pass 2147483647, the API's last page"))?;
    let (named, warnings) = args.channel_list().map_err(|message| usage(&message))?;
    for warning in warnings {
        diagnostics::say(format_args!("warning: {warning}"));
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
        fields: args.fields.as_ref().map(ToString::to_string).unwrap_or_default(),
    };
    let to_stdout = args.out.output.as_deref().is_none_or(|p| p == Path::new("-"));
    if args.out.resume {
        resumable(args).map_err(|message| usage(&message))?;
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
    if args.dry_run {
        // The output's checks too (its lock, what it holds, a resume's
        // checkpoint), without creating or changing anything.
        check_output(args, &shape, to_stdout)?;
        return print_plan(args, &channels, last_page);
    }
    let (mut sink, marks): (Box<dyn PageSink>, _) = match TextFormat::of(args.format) {
        Some(format) => {
            let (mut files, marks) = unless_signalled(signals, {
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
        None => open_store(args, &shape, matches, client.cancellation_token())?,
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
                diagnostics::say(format_args!("error: cannot write the output: {error}"))
            }
            // Outranks a signal and a spent budget.
            (_, stop) => outcome.stop = Some(stop),
        }
    }
    let commands = if complete || matches!(outcome.stop, Some(Stop::ReaderGone)) {
        Vec::new()
    } else {
        continue_with(args, matches, &outcome, last_page)
    };
    match crate::report::finish(&outcome, args.quiet, &commands) {
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
    let attempts = args.connection.retries() as u64 + 1;
    // Look-ahead requests are for pages of the plan too: they cannot pass
    // this bound, only spend part of it on pages past a feed's end.
    let mut most = pages.saturating_mul(attempts);
    let mut bounds = format!("--retries {}", args.connection.retries());
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
    crate::write_stdout(text.as_bytes()).or_else(|e| report_io(&e))
}

/// Whether `--resume` can continue a run of `args`: the one rule behind
/// accepting `--resume` and printing a continue command that uses it. Only
/// a regular file (or a database) keeps a checkpoint to continue from.
fn resumable(args: &FeedArgs) -> Result<(), String> {
    match args.out.output.as_deref() {
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
        Some(_) if args.dedup && args.fields.as_ref().is_some_and(|f| !f.0.contains(&Field::Id)) => Err(
            "--resume cannot continue --dedup without the field id in --fields (the output holds no note ids)"
                .to_owned(),
        ),
        Some(_) => Ok(()),
    }
}

/// The commands that continue an unfinished run: the same command with
/// `--resume` when it is [`resumable`], else the remaining channels and
/// pages. Built from what clap parsed ([`crate::command_line`]): the
/// options given, never a default or a value from the environment.
fn continue_with(args: &FeedArgs, matches: &ArgMatches, outcome: &Outcome, last_page: u32) -> Vec<String> {
    let command = Cli::command();
    if resumable(args).is_ok() {
        return vec![crate::command_line::repeat(
            &command,
            "feed",
            matches,
            // `--resume` finishes the stopped run; `--every` (which it
            // conflicts with) would start a series, not continue this one.
            &[
                ("resume", Some(Vec::new())),
                ("overwrite", None),
                ("every", None),
                ("for_", None),
            ],
        )];
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
    // A pipe takes the rest as it took the start; a file that cannot be
    // resumed is not replaced: the rest goes to stdout.
    let to_pipe =
        args.out.output.as_deref().is_some_and(|path| {
            path == Path::new("-") || std::fs::metadata(path).is_ok_and(|m| !m.is_file())
        });
    groups
        .into_iter()
        .map(|(page, channels)| {
            let names = channels.iter().map(Channel::slug).collect::<Vec<_>>().join(",");
            let mut changes = vec![
                ("channels", Some(vec![names])),
                ("all_channels", None),
                ("page", Some(vec![page.to_string()])),
                ("pages", Some(vec![(last_page + 1 - page).to_string()])),
            ];
            if !to_pipe {
                changes.push(("output", None));
            }
            crate::command_line::repeat(&command, "feed", matches, &changes)
        })
        .collect()
}

/// What opening the output would refuse, found without opening it for
/// writing (a dry run): a file's lock, contents and checkpoint; a
/// database's lock, its `--overwrite`, and its existence for a resume.
fn check_output(args: &FeedArgs, shape: &RunShape, to_stdout: bool) -> Result<(), Exit> {
    let Some(path) = args.out.output.as_deref().filter(|_| !to_stdout) else {
        return match TextFormat::of(args.format) {
            Some(_) => Ok(()),
            None => Err(usage(
                "--format sqlite writes a database file: pass --output FILE (e.g. notes.db)",
            )),
        };
    };
    if TextFormat::of(args.format).is_some() {
        return crate::output::check(path, shape, args.out.resume, args.out.overwrite).map_err(open_failed);
    }
    if args.out.overwrite {
        return Err(database_overwrite(path));
    }
    check_database(path, args.out.resume)
}

/// What opening the database at `path` would refuse, found without opening
/// it (a dry run of `feed` or `api`): a resume of nothing, another run's
/// lock.
#[cfg(feature = "sqlite")]
pub fn check_database(path: &Path, resume: bool) -> Result<(), Exit> {
    if resume && !path.exists() {
        return Err(usage(&format!(
            "nothing to resume: {} does not exist",
            path.display()
        )));
    }
    crate::output_lock::check_beside(path).map_err(|error| open_failed(crate::output::locked(error)))
}

/// Without SQLite a database output is refused, by the dry run as by the
/// real run.
#[cfg(not(feature = "sqlite"))]
pub fn check_database(_path: &Path, _resume: bool) -> Result<(), Exit> {
    Err(usage(
        "this justone-xhs was built without SQLite (the `sqlite` feature)",
    ))
}

/// A database keeps the history of every run: replacing it is for the user
/// to do, not a flag copied from a jsonl command.
fn database_overwrite(path: &Path) -> Exit {
    usage(&format!(
        "--overwrite does not apply to a database: each run is added to {} and the earlier runs are kept; to start a new database, move or delete the file",
        path.display()
    ))
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
    let mut renderer = Renderer::new(format, args.raw, args.dedup, width, args.fields.clone());
    let (output, marks) = match &args.out.output {
        _ if to_stdout => (Output::stdout(), None),
        Some(path) if args.out.resume => {
            let (output, resumed) = Output::resume(path, &shape, args.dedup).map_err(open_failed)?;
            renderer
                .resume(resumed.checkpoint.records, &resumed.written)
                .map_err(|e| open_failed(OpenError::Io(format!("cannot read {}: {e}", path.display()))))?;
            (output, Some(resumed.checkpoint.channels))
        }
        Some(path) => (
            Output::create(path, shape, args.out.overwrite).map_err(open_failed)?,
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
    matches: &ArgMatches,
    cancel: &justone_xhs::CancellationToken,
) -> Result<OpenedStore, Exit> {
    let Some(path) = args.out.output.as_deref().filter(|p| *p != Path::new("-")) else {
        return Err(usage(
            "--format sqlite writes a database file: pass --output FILE (e.g. notes.db)",
        ));
    };
    if args.out.overwrite {
        return Err(database_overwrite(path));
    }
    let opened = if args.out.resume {
        crate::store::Store::resume(path, shape, cancel).map(|(store, marks)| (store, Some(marks)))
    } else {
        crate::store::Store::create(
            path,
            shape,
            &crate::command_line::repeat(&Cli::command(), "feed", matches, &[]),
            cancel,
        )
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
    _matches: &ArgMatches,
    _cancel: &justone_xhs::CancellationToken,
) -> Result<OpenedStore, Exit> {
    Err(usage(
        "this justone-xhs was built without SQLite (the `sqlite` feature); choose another --format",
    ))
}
