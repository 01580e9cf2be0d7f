//! What a harvest prints on stderr when it ends, and its exit code: the
//! summary, failures grouped by cause (never one pair of lines per channel),
//! and the exact command that continues the run.

use justone_xhs::Error;

use crate::diagnostics::{message, say};
use crate::exit_code::{Exit, classify, context, hint};
use crate::outcome::{ChannelRun, Outcome, State, Stop};

/// Failure classes, most important first: the exit code of a run whose
/// channels failed differently is the first class that occurred.
pub const PRIORITY: [Exit; 8] = [
    Exit::Auth,
    Exit::Quota,
    Exit::InvalidParameters,
    Exit::RateLimited,
    Exit::Upstream,
    Exit::Network,
    Exit::Protocol,
    Exit::Other,
];

/// How many channels a line names before it says "and N more".
const NAMED: usize = 3;

/// Prints the report and returns the exit status. `continue_with` gives the
/// commands that continue the run (none when it is complete).
pub fn finish(outcome: &Outcome, quiet: bool, continue_with: &[String]) -> Exit {
    if !quiet {
        say(format_args!(
            "{} pages, {} items, {} retries in {:.1} s",
            outcome.pages,
            outcome.items,
            outcome.retries,
            outcome.elapsed.as_secs_f64()
        ));
    }
    let runs = &outcome.channels;
    if runs.len() > 1 && !outcome.complete() {
        say(format_args!("channels: {}", channel_summary(runs)));
    }
    let groups = failure_groups(outcome);
    // The most important cause gets its hint; the next two a line each.
    for (rank, group) in groups.iter().take(3).enumerate() {
        let (_, error) = group[0];
        say(format_args!(
            "error: {}: {}{}",
            where_failed(group),
            message(error),
            context(error)
        ));
        if rank == 0 {
            say(format_args!("hint: {}", hint(error)));
        }
    }
    if groups.len() > 3 {
        say(format_args!(
            "error: {} more kinds of failure in other channels",
            groups.len() - 3
        ));
    }
    match &outcome.stop {
        Some(Stop::Signal(signal)) => say(format_args!(
            "stopped by {}: no new request was started, and every page written is whole",
            signal.name()
        )),
        Some(Stop::Budget(max)) => say(format_args!(
            "stopped: the next request would pass --max-requests {max}; every page written is whole"
        )),
        Some(Stop::WriteFailed(error)) => {
            say(format_args!("error: cannot write the output: {error}"));
            say(format_args!("hint: {}", write_hint(error)));
        }
        _ => {}
    }
    for command in continue_with {
        say(format_args!("continue with: {command}"));
    }
    exit_status(outcome, &groups)
}

/// The database's own advice (a busy lock is not a full disk), or the
/// advice for a file.
fn write_hint(error: &std::io::Error) -> String {
    #[cfg(feature = "sqlite")]
    if let Some(store) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<crate::store::StoreError>())
    {
        return store.hint();
    }
    let _ = error;
    "free space or fix the output, then continue; only whole pages were kept".to_owned()
}

fn exit_status(outcome: &Outcome, groups: &[Vec<(&ChannelRun, &Error)>]) -> Exit {
    if let Some(group) = groups.first() {
        return classify(group[0].1);
    }
    match &outcome.stop {
        Some(Stop::WriteFailed(_)) => Exit::Other,
        Some(Stop::Budget(_)) => Exit::BudgetSpent,
        Some(Stop::Signal(signal)) => signal.exit(),
        _ => Exit::Success,
    }
}

/// Failed channels grouped by exit class, in [`PRIORITY`] order. The
/// failure that stopped the run leads its group.
fn failure_groups(outcome: &Outcome) -> Vec<Vec<(&ChannelRun, &Error)>> {
    let mut failed: Vec<(usize, &ChannelRun, &Error)> = outcome
        .channels
        .iter()
        .enumerate()
        .filter_map(|(index, run)| match &run.state {
            State::Failed(error) => Some((index, run, error)),
            _ => None,
        })
        .collect();
    if let Some(Stop::Fatal(first)) = outcome.stop {
        failed.sort_by_key(|(index, _, _)| *index != first);
    }
    PRIORITY
        .iter()
        .map(|class| {
            failed
                .iter()
                .filter(|(_, _, error)| classify(error) == *class)
                .map(|(_, run, error)| (*run, *error))
                .collect::<Vec<_>>()
        })
        .filter(|group| !group.is_empty())
        .collect()
}

/// `food page 3` or `food page 3 and 4 more channels (travel page 2, …)`.
fn where_failed(group: &[(&ChannelRun, &Error)]) -> String {
    let at = |run: &ChannelRun| format!("{} page {}", run.channel.slug(), run.next_page);
    let first = at(group[0].0);
    match group.len() {
        1 => first,
        n => format!(
            "{first} and {} more channel{} ({}{})",
            n - 1,
            if n == 2 { "" } else { "s" },
            group[1..]
                .iter()
                .take(NAMED)
                .map(|(run, _)| at(run))
                .collect::<Vec<_>>()
                .join(", "),
            if n - 1 > NAMED { ", …" } else { "" }
        ),
    }
}

/// `3 done, 1 failed (food at page 3), 37 not finished (travel at page 2, …)`.
fn channel_summary(runs: &[ChannelRun]) -> String {
    let pick = |want: fn(&State) -> bool| runs.iter().filter(move |r| want(&r.state));
    let named = |runs: Vec<&ChannelRun>| -> String {
        let mut names: Vec<String> = runs
            .iter()
            .take(NAMED)
            .map(|r| format!("{} at page {}", r.channel.slug(), r.next_page))
            .collect();
        if runs.len() > NAMED {
            names.push("…".to_owned());
        }
        names.join(", ")
    };
    let done = pick(|s| matches!(s, State::Done)).count();
    let failed: Vec<_> = pick(|s| matches!(s, State::Failed(_))).collect();
    let open: Vec<_> = pick(|s| matches!(s, State::Open)).collect();
    let mut parts = vec![format!("{done} done")];
    if !failed.is_empty() {
        parts.push(format!("{} failed ({})", failed.len(), named(failed)));
    }
    if !open.is_empty() {
        parts.push(format!("{} not finished ({})", open.len(), named(open)));
    }
    parts.join(", ")
}
