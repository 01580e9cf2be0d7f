//! Walking a channel page by page, as a `futures::Stream`. This is the one
//! page walk of the project: the CLI's harvest is built on it.
//!
//! Every request is billed, so the walk never asks for a page it cannot use:
//! by default one request is in flight per channel, and nothing is requested
//! after the page that ended the feed or a page that failed.

use std::collections::HashSet;

use futures::Stream;
use futures::stream::{self, StreamExt};

use crate::channel::Channel;
use crate::client::Client;
use crate::error::Error;
use crate::feed_item::FeedItem;
use crate::feed_page::FeedPage;

/// Configures a walk over a channel's pages; see [`Client::pages`].
///
/// ```no_run
/// use futures::{StreamExt, TryStreamExt};
/// use justone_xhs::{Channel, Client};
///
/// # async fn run() -> Result<(), justone_xhs::Error> {
/// let client = Client::builder().build()?;
/// let items: Vec<_> = client
///     .pages(&Channel::Travel)
///     .start(1)
///     .limit(5)
///     .dedup(true)
///     .items()
///     .try_collect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Pages {
    client: Client,
    channel: Channel,
    start: u32,
    limit: u32,
    dedup: bool,
    prefetch: u32,
    include_end: bool,
}

impl Client {
    /// Pages of `channel` from page 1, at most 10 of them, one request at a
    /// time, without de-duplication; the stream ends on the page that ends
    /// the feed or after an error.
    pub fn pages(&self, channel: &Channel) -> Pages {
        Pages {
            client: self.clone(),
            channel: channel.clone(),
            start: 1,
            limit: 10,
            dedup: false,
            prefetch: 0,
            include_end: false,
        }
    }
}

struct Walk {
    seen: Option<HashSet<String>>,
    include_end: bool,
    done: bool,
}

impl Pages {
    /// The first page to fetch (default 1; 0 ends the stream with
    /// [`Error::InvalidSetting`](crate::Error::InvalidSetting), unsent).
    pub fn start(mut self, page: u32) -> Self {
        self.start = page;
        self
    }

    /// The most pages to fetch (default 10).
    pub fn limit(mut self, pages: u32) -> Self {
        self.limit = pages;
        self
    }

    /// Drop items whose note id an earlier page of this walk already had.
    pub fn dedup(mut self, dedup: bool) -> Self {
        self.dedup = dedup;
        self
    }

    /// Request up to `pages` later pages while the current one is in flight
    /// (default 0: one request at a time). Faster on a slow API, but **each
    /// look-ahead request is billed**: when the feed ends, or a page fails,
    /// up to `pages` requests already sent for later pages are wasted.
    pub fn prefetch(mut self, pages: u32) -> Self {
        self.prefetch = pages;
        self
    }

    /// Also yield the page that ended the feed (no items), as the last item
    /// of the stream, so that a caller can tell "the feed ended at page K"
    /// from "the limit was reached" (default false).
    pub fn include_end(mut self, include: bool) -> Self {
        self.include_end = include;
        self
    }

    /// The pages, in order. An error is yielded once and ends the stream;
    /// so does the page that ends the feed (`data: []`, see
    /// [`FeedPage::is_end`]), which is yielded only with
    /// [`include_end`](Self::include_end). When the client's cancellation
    /// token is cancelled the stream yields [`Error::Cancelled`] and ends
    /// without sending another request.
    pub fn stream(self) -> impl Stream<Item = Result<FeedPage, Error>> + Send {
        let last = self
            .start
            .saturating_add(self.limit)
            .saturating_sub(1)
            .max(self.start);
        let count = if self.limit == 0 { 0 } else { last - self.start + 1 };
        let walk = Walk {
            seen: self.dedup.then(HashSet::new),
            include_end: self.include_end,
            done: false,
        };
        let (client, channel) = (self.client, self.channel);
        // `buffered(1 + prefetch)` creates a page's request only when the
        // walk pulls it, and the walk pulls nothing once a page ended the
        // feed or failed: with no prefetch, not one request is wasted.
        let fetches = stream::iter((self.start..=last).take(count as usize))
            .map(move |page| {
                let (client, channel) = (client.clone(), channel.clone());
                async move { client.note_feed(&channel, page).await }
            })
            .buffered(1 + self.prefetch as usize);
        stream::unfold((Box::pin(fetches), walk), |(mut fetches, mut walk)| async move {
            if walk.done {
                return None;
            }
            let yielded = walk.step(fetches.next().await?)?;
            Some((yielded, (fetches, walk)))
        })
    }

    /// The items of [`Pages::stream`], flattened.
    pub fn items(self) -> impl Stream<Item = Result<FeedItem, Error>> + Send {
        flatten(self.include_end(false).stream(), |page| page.items)
    }
}

/// The items of a stream of pages, in order; an error is yielded where its
/// page would have been (and, as in the page streams, ends the walk).
pub(crate) fn flatten<P, T>(
    pages: impl Stream<Item = Result<P, Error>> + Send,
    items: fn(P) -> Vec<T>,
) -> impl Stream<Item = Result<T, Error>> + Send
where
    T: Send,
{
    pages.flat_map(move |page| match page {
        Ok(page) => stream::iter(items(page).into_iter().map(Ok).collect::<Vec<_>>()),
        Err(error) => stream::iter(vec![Err(error)]),
    })
}

impl Walk {
    /// What the stream yields for one response (`None` ends it at once);
    /// after an end page or an error, `done` ends it before the next pull.
    fn step(&mut self, result: Result<FeedPage, Error>) -> Option<Result<FeedPage, Error>> {
        match result {
            Ok(page) if page.is_end() => {
                self.done = true;
                self.include_end.then_some(Ok(page))
            }
            Ok(mut page) => {
                if let Some(seen) = self.seen.as_mut() {
                    page.items.retain(|item| match &item.id {
                        Some(id) => seen.insert(id.clone()),
                        None => true,
                    });
                }
                Some(Ok(page))
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}
