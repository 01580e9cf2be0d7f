//! How a harvest went: where each channel ended up and why the run
//! stopped. What the harvest loop fills in, the outputs complete at their
//! end ([`crate::page_sink::PageSink::finish`]) and the report reads.

use std::io;
use std::time::Duration;

use justone_xhs::{Channel, Error};

use crate::signals::Signal;

/// Where a channel ended up.
pub enum State {
    /// Not finished: never started, or stopped before its next page.
    Open,
    /// The feed ended or every requested page was written.
    Done,
    /// Page `next_page` failed for good.
    Failed(Error),
}

pub struct ChannelRun {
    pub channel: Channel,
    /// The first page not written.
    pub next_page: u32,
    pub state: State,
}

/// Why a run stopped before it had tried every page.
pub enum Stop {
    /// A failure that every further request would share (the token, the
    /// quota, a persistent rate limit), from the channel with this index.
    Fatal(usize),
    Signal(Signal),
    /// The output cannot be written (not a closed stdout pipe).
    WriteFailed(io::Error),
    /// stdout's reader went away (`| head`): nobody wants more.
    ReaderGone,
    /// `--max-requests` is spent.
    Budget(u64),
}

/// How the run went.
pub struct Outcome {
    pub channels: Vec<ChannelRun>,
    pub pages: usize,
    pub items: usize,
    /// Requests sent (every attempt, retries included).
    pub requests: u64,
    pub retries: u64,
    pub elapsed: Duration,
    pub stop: Option<Stop>,
}

impl Outcome {
    /// Every channel done and nothing stopped the run.
    pub fn complete(&self) -> bool {
        self.channels.iter().all(|c| matches!(c.state, State::Done))
    }
}
