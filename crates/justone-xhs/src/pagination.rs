//! Walking a channel page by page, as a `futures::Stream`.

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
///     .pages(Channel::Travel)
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
}

impl Client {
    /// Pages of `channel` from page 1, at most 10 of them, without
    /// de-duplication; the stream ends early on an empty page or an error.
    pub fn pages(&self, channel: Channel) -> Pages {
        Pages {
            client: self.clone(),
            channel,
            start: 1,
            limit: 10,
            dedup: false,
        }
    }
}

struct State {
    pages: Pages,
    next: u32,
    remaining: u32,
    seen: HashSet<String>,
    done: bool,
}

impl Pages {
    /// The first page to fetch (default 1).
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

    /// The pages, in order. An error is yielded once and ends the stream; an
    /// empty page ends it without being yielded.
    pub fn stream(self) -> impl Stream<Item = Result<FeedPage, Error>> + Send {
        let state = State {
            next: self.start,
            remaining: self.limit,
            seen: HashSet::new(),
            done: false,
            pages: self,
        };
        stream::unfold(state, |mut state| async move {
            if state.done || state.remaining == 0 {
                return None;
            }
            let result = state
                .pages
                .client
                .note_feed(&state.pages.channel, state.next)
                .await;
            state.next = state.next.saturating_add(1);
            state.remaining -= 1;
            match result {
                Ok(page) if page.is_empty() => None,
                Ok(mut page) => {
                    if state.pages.dedup {
                        page.items.retain(|item| match &item.id {
                            Some(id) => state.seen.insert(id.clone()),
                            None => true,
                        });
                    }
                    Some((Ok(page), state))
                }
                Err(error) => {
                    state.done = true;
                    Some((Err(error), state))
                }
            }
        })
    }

    /// The items of [`Pages::stream`], flattened.
    pub fn items(self) -> impl Stream<Item = Result<FeedItem, Error>> + Send {
        self.stream().flat_map(|page| match page {
            Ok(page) => stream::iter(page.items.into_iter().map(Ok).collect::<Vec<_>>()),
            Err(error) => stream::iter(vec![Err(error)]),
        })
    }
}
