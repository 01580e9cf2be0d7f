//! The file and stdout outputs as a [`PageSink`]: a page rendered in the
//! chosen text format, then written whole with its checkpoint.

use std::io;

use justone_xhs::FeedPage;

use crate::checkpoint::ChannelMark;
use crate::outcome::Outcome;
use crate::output::Output;
use crate::page_sink::PageSink;
use crate::render::Renderer;

pub struct FileSink {
    renderer: Renderer,
    output: Output,
}

impl FileSink {
    pub fn new(renderer: Renderer, output: Output) -> FileSink {
        FileSink { renderer, output }
    }

    /// Writes what comes before the first record of a new output.
    pub fn preamble(&mut self) -> io::Result<()> {
        let preamble = self.renderer.preamble()?;
        self.output.commit(&preamble, 0, None)
    }
}

impl PageSink for FileSink {
    fn page(&mut self, channel: usize, page: FeedPage, mark: ChannelMark) -> io::Result<usize> {
        let (bytes, items) = self.renderer.page(&page, &crate::utc_time::now())?;
        let records = self.renderer.records();
        self.output.commit(&bytes, records, Some((channel, mark)))?;
        Ok(items)
    }

    fn feed_ended(&mut self, channel: usize, _page: FeedPage, mark: ChannelMark) -> io::Result<()> {
        self.output
            .commit(&[], self.renderer.records(), Some((channel, mark)))
    }

    fn finish(&mut self, outcome: &mut Outcome) -> io::Result<()> {
        self.output.finish(self.renderer.footer(), outcome.complete())
    }

    fn is_stdout(&self) -> bool {
        self.output.is_stdout()
    }
}
