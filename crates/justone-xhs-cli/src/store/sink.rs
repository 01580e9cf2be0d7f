//! The SQLite store as a [`PageSink`]: opens the database, adds or resumes
//! a run, hands pages to the [`Writer`] thread and records how the run
//! ended.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use justone_xhs::{CancellationToken, FeedPage};
use rusqlite::Connection;

use super::checkpointer::Checkpointer;
use super::connection;
use super::error::StoreError;
use super::runs::{self, Ending, NotResumable};
use super::writer::{Ended, Writer};
use crate::checkpoint::{ChannelMark, RunShape};
use crate::outcome::{Outcome, State, Stop};
use crate::output_lock::{self, LockError};
use crate::page_sink::PageSink;

/// A page the writer was given: what the harvest counted for it.
struct HandedOver {
    channel: usize,
    page: u32,
    items: usize,
    without_id: u64,
    /// The empty page that ended its feed.
    end: bool,
}

pub struct Store {
    path: PathBuf,
    run: i64,
    /// Stores the pages; `None` once it has stopped.
    writer: Option<Writer>,
    /// The page the writer was given last: the one it was storing, if it
    /// has failed.
    last: Option<HandedOver>,
    /// That page, once the writer has failed at it.
    lost: Option<HandedOver>,
    /// The connection, back from the writer once it has stopped.
    conn: Option<Connection>,
    /// Items skipped because they have no note id to key them by.
    without_id: u64,
    /// Which file `path` named when the run started.
    file: Option<FileId>,
    /// One run per database, until the process ends.
    _lock: File,
}

/// A file's device and inode: what SQLite keeps writing to when the path
/// is moved away, removed or pointed at another file.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    None
}

/// Takes the database's run lock (see [`crate::output_lock`]).
pub(super) fn lock(path: &Path) -> Result<File, StoreError> {
    output_lock::lock_beside(path).map_err(|error| match error {
        LockError::Open { path, source } => StoreError::Io { path, source },
        LockError::Io(source) => StoreError::Io {
            path: output_lock::lock_path_beside(path),
            source,
        },
        busy => StoreError::RunInProgress(busy.message()),
    })
}

impl Store {
    /// Opens (or creates) the database and adds a new run to it.
    ///
    /// `cancel` is the client's: a page that cannot be stored stops the
    /// requests at once, not at the next page.
    pub fn create(
        path: &Path,
        shape: &RunShape,
        command: &str,
        cancel: &CancellationToken,
    ) -> Result<Store, StoreError> {
        let conn = connection::open(path, false)?;
        let lock = lock(path)?;
        let file = file_id(path);
        let checkpointer = Checkpointer::start(path)?;
        let run = runs::start(&conn, shape, command).map_err(|e| StoreError::sqlite(path, e))?;
        Store::new(conn, (file, lock), checkpointer, path, run, cancel)
    }

    /// Continues the most recent unfinished run of the same command, and
    /// returns where each of its channels stands.
    pub fn resume(
        path: &Path,
        shape: &RunShape,
        cancel: &CancellationToken,
    ) -> Result<(Store, Vec<ChannelMark>), StoreError> {
        let conn = connection::open(path, true)?;
        // Before the runs are read: another run may still be writing them.
        let lock = lock(path)?;
        let file = file_id(path);
        let checkpointer = Checkpointer::start(path)?;
        match runs::resume(&conn, shape).map_err(|e| StoreError::sqlite(path, e))? {
            Ok((run, marks)) => Ok((
                Store::new(conn, (file, lock), checkpointer, path, run, cancel)?,
                marks,
            )),
            Err(NotResumable::Nothing) => Err(StoreError::Usage(format!(
                "nothing to resume: every run in {} is complete",
                path.display()
            ))),
            Err(NotResumable::NoRuns) => Err(StoreError::Usage(format!(
                "nothing to resume: {} holds no runs (run the command without --resume)",
                path.display()
            ))),
            Err(NotResumable::Differs(what)) => Err(StoreError::Usage(format!(
                "--resume must repeat the command it continues (the latest unfinished run in {}): {}",
                path.display(),
                what.join("; ")
            ))),
        }
    }

    fn new(
        conn: Connection,
        (file, lock): (Option<FileId>, File),
        checkpointer: Checkpointer,
        path: &Path,
        run: i64,
        cancel: &CancellationToken,
    ) -> Result<Store, StoreError> {
        let writer =
            Writer::start(conn, checkpointer, run, cancel.clone()).map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?;
        Ok(Store {
            path: path.to_owned(),
            run,
            writer: Some(writer),
            last: None,
            lost: None,
            conn: None,
            without_id: 0,
            file,
            _lock: lock,
        })
    }

    /// Hands a page of the channel with index `channel` to the writer;
    /// returns the notes it holds.
    fn hand_over(&mut self, channel: usize, page: FeedPage, state: &'static str) -> io::Result<usize> {
        let keyed = page.items.iter().filter(|item| item.id.is_some()).count();
        let handed = HandedOver {
            channel,
            page: page.page,
            items: keyed,
            without_id: (page.items.len() - keyed) as u64,
            end: state == "end",
        };
        let handed_over = match &self.writer {
            Some(writer) => writer.store(page, crate::utc_time::now(), state).is_ok(),
            None => false,
        };
        if !handed_over {
            // The writer stopped at an earlier page: that page's error.
            self.stop_writer()?;
            return Err(io::Error::other(format!("{} is closed", self.path.display())));
        }
        self.without_id += handed.without_id;
        self.last = Some(handed);
        Ok(keyed)
    }

    /// Waits for the writer to store what it was given and takes the
    /// connection back; its failure, if it had one, is the error.
    fn stop_writer(&mut self) -> io::Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let ended = writer.finish();
        if !matches!(ended, Some(Ended { failure: None, .. })) {
            // Pages are handed over one at a time, each after the one
            // before was stored: the last is the one that failed.
            self.lost = self.last.take();
        }
        match ended {
            Some(Ended { conn, failure }) => {
                self.conn = Some(conn);
                match failure {
                    Some(error) => Err(StoreError::sqlite(&self.path, error).into()),
                    None => Ok(()),
                }
            }
            None => Err(StoreError::WriterStopped {
                path: self.path.clone(),
            }
            .into()),
        }
    }

    fn finish_run(&mut self, outcome: &Outcome, written: bool) -> Result<(), StoreError> {
        let failed: Vec<(&str, u32, String)> = outcome
            .channels
            .iter()
            .filter_map(|run| match &run.state {
                State::Failed(error) => Some((
                    run.channel.oid(),
                    run.next_page,
                    crate::diagnostics::message(error),
                )),
                _ => None,
            })
            .collect();
        let status = match &outcome.stop {
            _ if outcome.complete() && written => "complete",
            // Stopped on purpose (a signal, the budget): what it wrote is
            // whole, and `--resume` continues it.
            Some(Stop::Signal(_) | Stop::Budget(_)) if written => "interrupted",
            _ => "failed",
        };
        let ending = Ending {
            status,
            requests: outcome.requests,
            retries: outcome.retries,
            failed,
        };
        let Some(conn) = self.conn.as_mut() else {
            return Err(StoreError::WriterStopped {
                path: self.path.clone(),
            });
        };
        runs::finish(conn, self.run, &ending).map_err(|e| StoreError::sqlite(&self.path, e))?;
        // Closing checkpoints too, but says nothing when that fails: then
        // the log holds pages the file does not, and must not be parted
        // from it.
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get::<_, i64>(0)) {
            crate::diagnostics::say(format_args!(
                "warning: {}: the log could not be copied into the database ({}); every page is in \
                 {}-wal: keep it beside the database (the next run copies it in)",
                self.path.display(),
                justone_xhs::display_safe(&error.to_string()),
                self.path.display()
            ));
        }
        if self.without_id > 0 {
            crate::diagnostics::say(format_args!(
                "warning: {} items had no note id and are not in the database (notes are keyed by id)",
                self.without_id
            ));
        }
        Ok(())
    }
}

/// Takes back what the harvest counted for a page that was not stored:
/// its channel stands at that page again, unless a later page of it failed
/// (that failure is the one to report; resume starts at the lost page).
fn uncount(outcome: &mut Outcome, lost: &HandedOver) {
    let run = &mut outcome.channels[lost.channel];
    match run.state {
        State::Failed(_) => {}
        State::Done | State::Open => {
            run.next_page = lost.page;
            run.state = State::Open;
        }
    }
    if !lost.end {
        outcome.pages -= 1;
        outcome.items -= lost.items;
    }
}

impl PageSink for Store {
    fn page(&mut self, channel: usize, page: FeedPage, _mark: ChannelMark) -> io::Result<usize> {
        // The mark follows from the progress row written with the page.
        self.hand_over(channel, page, "written")
    }

    fn feed_ended(&mut self, channel: usize, page: FeedPage, _mark: ChannelMark) -> io::Result<()> {
        self.hand_over(channel, page, "end").map(drop)
    }

    fn finish(&mut self, outcome: &mut Outcome) -> io::Result<()> {
        let written = self.stop_writer();
        if let Some(lost) = &self.lost {
            uncount(outcome, lost);
            self.without_id -= lost.without_id;
        }
        // Checked before the run's end is recorded, so that a database
        // moved back to its path holds a failed run, which resumes.
        let replaced = self.file.is_some() && file_id(&self.path) != self.file;
        self.finish_run(
            outcome,
            written.is_ok() && !replaced && !matches!(outcome.stop, Some(Stop::WriteFailed(_))),
        )?;
        written?;
        if replaced {
            return Err(StoreError::Replaced {
                path: self.path.clone(),
            }
            .into());
        }
        Ok(())
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
