//! Fetching pages for many channels concurrently and handing each page to
//! the output as soon as it (and every earlier page of its channel) arrived.

use std::future::ready;
use std::io;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use justone_xhs::{Channel, Client, Error, FeedPage};

use crate::output::Sink;

/// What to fetch.
pub struct Plan {
    pub channels: Vec<Channel>,
    pub first_page: u32,
    pub pages: u32,
    pub concurrency: usize,
}

/// A page that could not be fetched; its channel stopped there.
pub struct Failure {
    pub channel: Channel,
    pub page: u32,
    pub error: Error,
}

/// How the run went.
pub struct Summary {
    pub pages: usize,
    pub items: usize,
    pub retries: u64,
    pub elapsed: Duration,
    pub failures: Vec<Failure>,
}

type Fetched = (Channel, u32, Result<FeedPage, Error>);

pub async fn run(client: &Client, plan: Plan, sink: &mut Sink, show_progress: bool) -> io::Result<Summary> {
    let started = Instant::now();
    let total = plan.channels.len() as u64 * u64::from(plan.pages);
    let progress = progress_bar(total, show_progress);
    let last = plan.first_page.saturating_add(plan.pages - 1);

    let per_channel = plan.channels.into_iter().map(|channel| {
        let client = client.clone();
        // Pages of one channel are fetched up to `concurrency` at a time but
        // delivered in order; the walk stops after an empty page or an error.
        stream::iter(plan.first_page..=last)
            .map(move |page| {
                let (client, channel) = (client.clone(), channel.clone());
                async move {
                    let result = client.note_feed(&channel, page).await;
                    (channel, page, result)
                }
            })
            .buffered(plan.concurrency)
            .scan(false, |stopped, fetched: Fetched| {
                if *stopped {
                    return ready(None);
                }
                match &fetched.2 {
                    Ok(page) if page.is_empty() => {
                        *stopped = true;
                        ready(None)
                    }
                    Err(_) => {
                        *stopped = true;
                        ready(Some(fetched))
                    }
                    Ok(_) => ready(Some(fetched)),
                }
            })
            .boxed()
    });
    let mut pages = stream::select_all(per_channel);

    let mut summary = Summary {
        pages: 0,
        items: 0,
        retries: 0,
        elapsed: Duration::ZERO,
        failures: Vec::new(),
    };
    sink.begin()?;
    while let Some((channel, page, result)) = pages.next().await {
        match result {
            Ok(feed) => {
                summary.items += sink.write_page(&feed)?;
                summary.pages += 1;
            }
            Err(error) => summary.failures.push(Failure { channel, page, error }),
        }
        progress.inc(1);
        progress.set_message(format!(
            "{} items, {} retries",
            summary.items,
            client.retry_count()
        ));
    }
    sink.finish()?;
    progress.finish_and_clear();
    summary.retries = client.retry_count();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn progress_bar(total: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} pages  {msg}  {elapsed}") {
        bar.set_style(style);
    }
    bar
}
