//! A harvest: many channels walked with the library's page walk, pages
//! written as they arrive, and the run stopped as soon as going on would
//! only cost money (a token-wide failure, a persistent rate limit, a signal,
//! an output that can no longer be written).
//!
//! Concurrency goes to different channels first: up to `concurrency`
//! channels are walked at once, each one page at a time (plus `prefetch`).
//! Records of one channel are in page order; channels interleave a whole
//! page at a time, in the order pages arrive.

use std::io;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use justone_xhs::{Channel, Client, Error, FeedPage};

use crate::checkpoint::ChannelMark;
use crate::exit_code::{Exit, classify};
use crate::outcome::{ChannelRun, Outcome, State, Stop};
use crate::page_sink::PageSink;
use crate::progress::Progress;
use crate::signals::Signals;
use justone_xhs::display_safe;

/// What to fetch.
pub struct Plan {
    pub channels: Vec<Channel>,
    /// Where each channel starts: all at `--page`, or where a resumed run stood.
    pub marks: Vec<ChannelMark>,
    /// The last page of every channel (`--page + --pages - 1`).
    pub last_page: u32,
    pub concurrency: usize,
    pub prefetch: u32,
}

/// Failures that end the whole run: every other request would fail the same
/// way (and may be billed).
pub fn is_fatal(error: &Error) -> bool {
    matches!(classify(error), Exit::Auth | Exit::Quota | Exit::RateLimited)
}

pub async fn run(
    client: &Client,
    plan: Plan,
    sink: &mut dyn PageSink,
    progress: &Progress,
    signals: &mut Signals,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        channels: plan
            .channels
            .iter()
            .zip(&plan.marks)
            .map(|(channel, mark)| ChannelRun {
                channel: channel.clone(),
                next_page: mark.next_page,
                state: if mark.done { State::Done } else { State::Open },
            })
            .collect(),
        pages: 0,
        items: 0,
        requests: 0,
        retries: 0,
        elapsed: Duration::ZERO,
        stop: None,
    };
    progress.set_total(
        outcome
            .channels
            .iter()
            .filter(|c| matches!(c.state, State::Open))
            .map(|c| u64::from(plan.last_page + 1 - c.next_page))
            .sum(),
    );

    let walks = outcome
        .channels
        .iter()
        .enumerate()
        .filter(|(_, run)| matches!(run.state, State::Open))
        .map(|(index, run)| {
            client
                .pages(&run.channel)
                .start(run.next_page)
                .limit(plan.last_page + 1 - run.next_page)
                .prefetch(plan.prefetch)
                .include_end(true)
                .stream()
                .map(move |result| (index, result))
                .boxed()
        })
        .collect::<Vec<_>>();
    let mut arrivals = stream::iter(walks).flatten_unordered(plan.concurrency);
    let cancel = client.cancellation_token().clone();

    loop {
        let (index, result) = tokio::select! {
            arrival = arrivals.next() => match arrival {
                Some(arrival) => arrival,
                None => break,
            },
            signal = signals.recv() => {
                if matches!(outcome.stop, Some(Stop::Signal(_))) {
                    // A second signal: stop waiting for requests in flight.
                    break;
                }
                cancel.cancel();
                outcome.stop.get_or_insert(Stop::Signal(signal));
                continue;
            }
        };
        let run = &mut outcome.channels[index];
        match result {
            Ok(page) if page.is_end() => {
                progress.feed_ended(u64::from(plan.last_page.saturating_sub(page.page) + 1));
                let mark = ChannelMark {
                    next_page: run.next_page,
                    done: true,
                };
                // Done once the output has recorded it, as a page is
                // written once the output has it.
                if let Err(error) = sink.feed_ended(index, page, mark) {
                    stop_writing(&mut outcome, error, sink, &cancel);
                    break;
                }
                outcome.channels[index].state = State::Done;
            }
            Ok(page) => {
                if page.data_missing() {
                    crate::diagnostics::say(format_args!(
                        "warning: {} page {}: the API answered success without `data`{}; going on with the next page",
                        page.channel.slug(),
                        page.page,
                        page.request_id
                            .as_deref()
                            .map(|id| format!(" (request id {})", display_safe(id)))
                            .unwrap_or_default()
                    ));
                }
                if let Err(error) = write_page(page, index, plan.last_page, sink, progress, &mut outcome) {
                    stop_writing(&mut outcome, error, sink, &cancel);
                    break;
                }
            }
            Err(Error::Cancelled) => {}
            // A retry cut short by a stop (a signal, a failure elsewhere, an
            // output that cannot be written): the page did not fail for good,
            // and its channel stays open at it.
            Err(error) if error.is_retryable() && cancel.is_cancelled() && !is_fatal(&error) => {}
            // The channel stays open at its next page: a later run continues it.
            Err(Error::BudgetSpent { max_requests, .. }) => {
                cancel.cancel();
                outcome.stop.get_or_insert(Stop::Budget(max_requests));
            }
            Err(error) => {
                if is_fatal(&error) {
                    cancel.cancel();
                    if !matches!(outcome.stop, Some(Stop::Fatal(_))) {
                        outcome.stop = Some(Stop::Fatal(index));
                    }
                }
                outcome.channels[index].state = State::Failed(error);
                progress.inc(1);
            }
        }
        progress.message(outcome.items, client.retry_count());
    }
    progress.finish();
    // A signal that arrived after every page was recorded stopped nothing:
    // the exit status follows what was done.
    if outcome.complete() && matches!(outcome.stop, Some(Stop::Signal(_))) {
        outcome.stop = None;
    }
    outcome.requests = client.request_count();
    outcome.retries = client.retry_count();
    outcome.elapsed = started.elapsed();
    outcome
}

fn write_page(
    page: FeedPage,
    index: usize,
    last_page: u32,
    sink: &mut dyn PageSink,
    progress: &Progress,
    outcome: &mut Outcome,
) -> io::Result<()> {
    let next_page = page.page + 1;
    let mark = ChannelMark {
        next_page,
        done: next_page > last_page,
    };
    let items = progress.suspend(|| sink.page(index, page, mark))?;
    let run = &mut outcome.channels[index];
    run.next_page = next_page;
    if mark.done {
        run.state = State::Done;
    }
    outcome.pages += 1;
    outcome.items += items;
    progress.inc(1);
    Ok(())
}

fn stop_writing(
    outcome: &mut Outcome,
    error: io::Error,
    sink: &dyn PageSink,
    cancel: &justone_xhs::CancellationToken,
) {
    cancel.cancel();
    outcome.stop = Some(write_stop(error, sink));
}

/// Why an output that cannot be written stops a run: a closed stdout pipe
/// means its reader has all it wanted; anything else is a failure.
pub fn write_stop(error: io::Error, sink: &dyn PageSink) -> Stop {
    if error.kind() == io::ErrorKind::BrokenPipe && sink.is_stdout() {
        Stop::ReaderGone
    } else {
        Stop::WriteFailed(error)
    }
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;
    use crate::checkpoint::ChannelMark;
    use justone_xhs::mock::DemoServer;

    /// A sink that receives SIGINT right after it has recorded the last
    /// page, as a user pressing Ctrl-C a moment too late would send it.
    struct LateSignal {
        last_page: u32,
    }

    impl PageSink for LateSignal {
        fn page(&mut self, _: usize, page: FeedPage, _: ChannelMark) -> io::Result<usize> {
            if page.page == self.last_page {
                let pid = std::process::id().to_string();
                std::process::Command::new("kill").args(["-INT", &pid]).status()?;
                // Delivered and seen by the runtime before the loop goes on.
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(page.items.len())
        }

        fn feed_ended(&mut self, _: usize, _: FeedPage, _: ChannelMark) -> io::Result<()> {
            Ok(())
        }

        fn finish(&mut self, _: &mut Outcome) -> io::Result<()> {
            Ok(())
        }

        fn is_stdout(&self) -> bool {
            false
        }
    }

    /// The exit status follows what was done: a signal after the last page
    /// was recorded does not make a complete run "stopped by SIGINT".
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_signal_after_the_last_page_leaves_the_run_complete() {
        let server = DemoServer::builder().pages(5).start_async().await;
        // The loop picks among ready branches at random: several runs make
        // the late signal race the end of the walk both ways.
        for _ in 0..6 {
            let client = Client::builder()
                .token("justone-test-token-0001")
                .base_url(server.base_url())
                .build()
                .unwrap();
            let plan = Plan {
                channels: vec![Channel::Food],
                marks: vec![ChannelMark {
                    next_page: 1,
                    done: false,
                }],
                last_page: 2,
                concurrency: 1,
                prefetch: 0,
            };
            let mut sink = LateSignal { last_page: 2 };
            let outcome = run(
                &client,
                plan,
                &mut sink,
                &Progress::new(false),
                &mut Signals::new(),
            )
            .await;
            assert!(outcome.complete());
            assert!(outcome.stop.is_none(), "a late signal stopped a complete run");
        }
    }
}
