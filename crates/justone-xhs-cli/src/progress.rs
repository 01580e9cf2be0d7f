//! The progress bar on stderr: pages done of pages planned, pages per
//! second and time left. Drawn only on a terminal; its total shrinks when a
//! feed ends early, and it never leaves a stale line among records.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(visible: bool) -> Progress {
        if !visible {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:24} {pos}/{len} pages  {per_sec}  eta {eta}  {msg}")
        {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    pub fn set_total(&self, pages: u64) {
        self.bar.set_length(pages);
    }

    /// A feed ended: `unused` planned pages will never come.
    pub fn feed_ended(&self, unused: u64) {
        let length = self.bar.length().unwrap_or(0);
        self.bar
            .set_length(length.saturating_sub(unused).max(self.bar.position()));
    }

    pub fn inc(&self, pages: u64) {
        self.bar.inc(pages);
    }

    pub fn message(&self, items: usize, retries: u64) {
        self.bar.set_message(format!("{items} items, {retries} retries"));
    }

    /// Runs `write` with the bar cleared, so that records written to the
    /// same terminal never mix with it.
    pub fn suspend<T>(&self, write: impl FnOnce() -> T) -> T {
        self.bar.suspend(write)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_shrinks_when_a_feed_ends_early_but_never_below_the_pages_done() {
        // A hidden bar keeps its counts: what a visible one would draw.
        let progress = Progress::new(false);
        progress.set_total(20);
        progress.inc(3);
        progress.feed_ended(7);
        assert_eq!(progress.bar.length(), Some(13));
        progress.feed_ended(100);
        assert_eq!(progress.bar.length(), Some(3));
    }
}
