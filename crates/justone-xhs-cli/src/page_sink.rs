//! Where a harvest puts its pages: the one interface the harvest loop
//! writes through, so that files and the SQLite store share one loop (and
//! one set of guarantees: each page whole or not at all, together with the
//! mark that lets `--resume` continue after it).

use std::io;

use justone_xhs::FeedPage;

use crate::checkpoint::ChannelMark;
use crate::outcome::Outcome;

pub trait PageSink {
    /// Writes one page of the channel with index `channel` (in the run's
    /// channel list) and records `mark`, the channel's new position, in the
    /// same atomic step. Returns how many records it holds.
    ///
    /// A sink may finish the step after returning (the SQLite store commits
    /// on a thread of its own while the next page is fetched): its failure
    /// is then the error of a later call or of [`PageSink::finish`].
    fn page(&mut self, channel: usize, page: FeedPage, mark: ChannelMark) -> io::Result<usize>;

    /// Records that the channel's feed ended with `page` (an empty page):
    /// `mark` is done.
    fn feed_ended(&mut self, channel: usize, page: FeedPage, mark: ChannelMark) -> io::Result<()>;

    /// Ends the output after the harvest, however it went: every page
    /// handed over is written, or the error says why not, and `outcome`
    /// no longer counts the page that could not be written.
    fn finish(&mut self, outcome: &mut Outcome) -> io::Result<()>;

    /// Whether the records go to stdout: a closed pipe there means the
    /// reader has all it wanted, not a failure.
    fn is_stdout(&self) -> bool;
}
