//! The SQLite store as a [`PageSink`]: each page is one transaction with its
//! notes, observations and progress row, through prepared statements.

use std::io;
use std::path::{Path, PathBuf};

use justone_xhs::FeedPage;
use rusqlite::{Connection, TransactionBehavior, params};

use super::checkpointer::{self, Checkpointer};
use super::connection;
use super::error::StoreError;
use super::runs::{self, Ending, NotResumable};
use crate::checkpoint::{ChannelMark, RunShape};
use crate::harvest::{Outcome, State, Stop};
use crate::page_sink::PageSink;
use crate::record::Record;

/// A note is inserted at its first sighting; later ones replace its fields
/// with the latest, keeping `first_seen`.
const UPSERT_NOTE: &str = r#"INSERT INTO notes (id, type, title, "desc", likes, author_id, author_nickname,
    category_id, category_name, timestamp, is_ads, cover, first_seen, last_seen, raw)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)
ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title,
    "desc" = excluded."desc", likes = excluded.likes, author_id = excluded.author_id,
    author_nickname = excluded.author_nickname, category_id = excluded.category_id,
    category_name = excluded.category_name, timestamp = excluded.timestamp,
    is_ads = excluded.is_ads, cover = excluded.cover, last_seen = excluded.last_seen,
    raw = excluded.raw"#;

const INSERT_OBSERVATION: &str = "INSERT INTO observations
    (run_id, channel, page, position, note_id, fetched_at, likes)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// A page stored or ended on replaces a `failed` row of an earlier attempt.
const UPSERT_PROGRESS: &str = "INSERT INTO progress (run_id, channel, page, state, items, at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (run_id, channel, page) DO UPDATE
SET state = excluded.state, items = excluded.items, at = excluded.at, error = NULL";

pub struct Store {
    /// Declared before `conn`, so that it is dropped first: the writer's
    /// connection closes last, checkpointing what is left.
    checkpointer: Checkpointer,
    conn: Connection,
    path: PathBuf,
    run: i64,
    /// Pages (end pages included) stored by this attempt.
    pages: u64,
    /// Items skipped because they have no note id to key them by.
    without_id: u64,
}

impl Store {
    /// Opens (or creates) the database and adds a new run to it.
    pub fn create(path: &Path, shape: &RunShape, command: &str) -> Result<Store, StoreError> {
        let conn = connection::open(path, false)?;
        let checkpointer = Checkpointer::start(path)?;
        let run = runs::start(&conn, shape, command).map_err(|e| StoreError::sqlite(path, e))?;
        Ok(Store::new(checkpointer, conn, path, run))
    }

    /// Continues the most recent unfinished run of the same command, and
    /// returns where each of its channels stands.
    pub fn resume(path: &Path, shape: &RunShape) -> Result<(Store, Vec<ChannelMark>), StoreError> {
        let conn = connection::open(path, true)?;
        let checkpointer = Checkpointer::start(path)?;
        match runs::resume(&conn, shape).map_err(|e| StoreError::sqlite(path, e))? {
            Ok((run, marks)) => Ok((Store::new(checkpointer, conn, path, run), marks)),
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

    fn new(checkpointer: Checkpointer, conn: Connection, path: &Path, run: i64) -> Store {
        Store {
            checkpointer,
            conn,
            path: path.to_owned(),
            run,
            pages: 0,
            without_id: 0,
        }
    }

    fn store_page(&mut self, page: &FeedPage, state: &str) -> rusqlite::Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let fetched_at = runs::now(&tx)?;
        let channel = page.channel.oid();
        let mut stored: u32 = 0;
        {
            let mut note = tx.prepare_cached(UPSERT_NOTE)?;
            let mut observation = tx.prepare_cached(INSERT_OBSERVATION)?;
            for (position, item) in (1u32..).zip(&page.items) {
                let record = Record::new(&page.channel, page.page, item);
                let Some(id) = record.id else {
                    self.without_id += 1;
                    continue;
                };
                // SQLite integers are i64; a count beyond that is no count.
                let likes = record.likes.and_then(|l| i64::try_from(l).ok());
                let category = record.category.as_ref();
                note.execute(params![
                    id,
                    record.kind,
                    record.title,
                    record.desc,
                    likes,
                    record.author.id,
                    record.author.nickname,
                    category.map(|c| c.id),
                    category.map(|c| c.name),
                    record.timestamp,
                    record.is_ads,
                    record.cover,
                    fetched_at,
                    item.raw().get(),
                ])?;
                observation.execute(params![
                    self.run, channel, page.page, position, id, fetched_at, likes
                ])?;
                stored += 1;
            }
            tx.prepare_cached(UPSERT_PROGRESS)?
                .execute(params![self.run, channel, page.page, state, stored, fetched_at])?;
        }
        tx.commit()?;
        self.pages += 1;
        if self.pages.is_multiple_of(checkpointer::EVERY) {
            self.checkpointer.nudge();
        }
        Ok(stored as usize)
    }

    fn finish_run(&mut self, outcome: &Outcome) -> Result<(), StoreError> {
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
            _ if outcome.complete() => "complete",
            Some(Stop::Signal(_)) => "interrupted",
            _ => "failed",
        };
        let ending = Ending {
            status,
            requests: outcome.requests,
            retries: outcome.retries,
            failed,
        };
        runs::finish(&mut self.conn, self.run, &ending).map_err(|e| StoreError::sqlite(&self.path, e))?;
        if self.without_id > 0 {
            crate::report::say(format_args!(
                "warning: {} items had no note id and are not in the database (notes are keyed by id)",
                self.without_id
            ));
        }
        Ok(())
    }

    fn failed(&self, error: rusqlite::Error) -> io::Error {
        StoreError::sqlite(&self.path, error).into()
    }
}

impl PageSink for Store {
    fn page(&mut self, _channel: usize, page: &FeedPage, _mark: ChannelMark) -> io::Result<usize> {
        // The mark follows from the progress row written with the page.
        self.store_page(page, "written").map_err(|e| self.failed(e))
    }

    fn feed_ended(&mut self, _channel: usize, page: &FeedPage, _mark: ChannelMark) -> io::Result<()> {
        self.store_page(page, "end").map(drop).map_err(|e| self.failed(e))
    }

    fn finish(&mut self, outcome: &Outcome) -> io::Result<()> {
        Ok(self.finish_run(outcome)?)
    }

    fn is_stdout(&self) -> bool {
        false
    }
}
