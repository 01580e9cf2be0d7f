//! The SQLite store as a [`PageSink`]: opens the database, adds or resumes
//! a run, hands pages to the [`Writer`] thread and records how the run
//! ended.

use std::io;
use std::path::{Path, PathBuf};

use justone_xhs::FeedPage;
use rusqlite::Connection;

use super::checkpointer::Checkpointer;
use super::connection;
use super::error::StoreError;
use super::runs::{self, Ending, NotResumable};
use super::writer::{Ended, Writer};
use crate::checkpoint::{ChannelMark, RunShape};
use crate::harvest::{Outcome, State, Stop};
use crate::page_sink::PageSink;

pub struct Store {
    path: PathBuf,
    run: i64,
    /// Stores the pages; `None` once it has stopped.
    writer: Option<Writer>,
    /// The connection, back from the writer once it has stopped.
    conn: Option<Connection>,
    /// Items skipped because they have no note id to key them by.
    without_id: u64,
}

impl Store {
    /// Opens (or creates) the database and adds a new run to it.
    pub fn create(path: &Path, shape: &RunShape, command: &str) -> Result<Store, StoreError> {
        let conn = connection::open(path, false)?;
        let checkpointer = Checkpointer::start(path)?;
        let run = runs::start(&conn, shape, command).map_err(|e| StoreError::sqlite(path, e))?;
        Store::new(conn, checkpointer, path, run)
    }

    /// Continues the most recent unfinished run of the same command, and
    /// returns where each of its channels stands.
    pub fn resume(path: &Path, shape: &RunShape) -> Result<(Store, Vec<ChannelMark>), StoreError> {
        let conn = connection::open(path, true)?;
        let checkpointer = Checkpointer::start(path)?;
        match runs::resume(&conn, shape).map_err(|e| StoreError::sqlite(path, e))? {
            Ok((run, marks)) => Ok((Store::new(conn, checkpointer, path, run)?, marks)),
            Err(NotResumable::Nothing) => Err(StoreError::Usage(format!(
                "nothing to resume: every run in {} is complete",
                path.display()
            ))),
            Err(NotResumable::Differs(what)) => Err(StoreError::Usage(format!(
                "--resume must repeat the command it continues (the latest unfinished run in {}): {}",
                path.display(),
                what.join("; ")
            ))),
        }
    }

    fn new(conn: Connection, checkpointer: Checkpointer, path: &Path, run: i64) -> Result<Store, StoreError> {
        let writer = Writer::start(conn, checkpointer, run).map_err(|source| StoreError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Store {
            path: path.to_owned(),
            run,
            writer: Some(writer),
            conn: None,
            without_id: 0,
        })
    }

    /// Hands a page to the writer; returns the notes it holds.
    fn hand_over(&mut self, page: FeedPage, state: &'static str) -> io::Result<usize> {
        let keyed = page.items.iter().filter(|item| item.id.is_some()).count();
        let without_id = (page.items.len() - keyed) as u64;
        let handed_over = match &self.writer {
            Some(writer) => writer.store(page, state).is_ok(),
            None => false,
        };
        if !handed_over {
            // The writer stopped at an earlier page: that page's error.
            self.stop_writer()?;
            return Err(io::Error::other(format!("{} is closed", self.path.display())));
        }
        self.without_id += without_id;
        Ok(keyed)
    }

    /// Waits for the writer to store what it was given and takes the
    /// connection back; its failure, if it had one, is the error.
    fn stop_writer(&mut self) -> io::Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        match writer.finish() {
            Some(Ended { conn, failure }) => {
                self.conn = Some(conn);
                match failure {
                    Some(error) => Err(StoreError::sqlite(&self.path, error).into()),
                    None => Ok(()),
                }
            }
            None => Err(io::Error::other(format!(
                "the thread writing {} stopped unexpectedly",
                self.path.display()
            ))),
        }
    }

    fn finish_run(&mut self, outcome: &Outcome, written: bool) -> Result<(), StoreError> {
        let failed: Vec<(&str, u32, String)> = outcome
            .channels
            .iter()
            .filter_map(|run| match &run.state {
                State::Failed(error) => {
                    Some((run.channel.oid(), run.next_page, crate::report::message(error)))
                }
                _ => None,
            })
            .collect();
        let status = match &outcome.stop {
            _ if outcome.complete() && written => "complete",
            Some(Stop::Signal(_)) if written => "interrupted",
            _ => "failed",
        };
        let ending = Ending {
            status,
            requests: outcome.requests,
            retries: outcome.retries,
            failed,
        };
        let Some(conn) = self.conn.as_mut() else {
            return Err(StoreError::Io {
                path: self.path.clone(),
                source: io::Error::other("the database connection was lost"),
            });
        };
        runs::finish(conn, self.run, &ending).map_err(|e| StoreError::sqlite(&self.path, e))?;
        if self.without_id > 0 {
            crate::report::say(format_args!(
                "warning: {} items had no note id and are not in the database (notes are keyed by id)",
                self.without_id
            ));
        }
        Ok(())
    }
}

impl PageSink for Store {
    fn page(&mut self, _channel: usize, page: FeedPage, _mark: ChannelMark) -> io::Result<usize> {
        // The mark follows from the progress row written with the page.
        self.hand_over(page, "written")
    }

    fn feed_ended(&mut self, _channel: usize, page: FeedPage, _mark: ChannelMark) -> io::Result<()> {
        self.hand_over(page, "end").map(drop)
    }

    fn finish(&mut self, outcome: &Outcome) -> io::Result<()> {
        let written = self.stop_writer();
        self.finish_run(
            outcome,
            written.is_ok() && !matches!(outcome.stop, Some(Stop::WriteFailed(_))),
        )?;
        written
    }

    fn is_stdout(&self) -> bool {
        false
    }
}

impl Drop for Store {
    /// Pages handed over are stored even when the run ends without
    /// [`PageSink::finish`].
    fn drop(&mut self) {
        let _ = self.stop_writer();
    }
}
