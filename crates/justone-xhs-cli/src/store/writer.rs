//! The thread that stores pages: each page is one transaction with its
//! notes, observations and progress row, through prepared statements.
//!
//! The connection lives on a thread of its own, so that the harvest fetches
//! the next page while one commits (a commit costs about as long as a page
//! takes to arrive from a fast server). Pages are handed over one at a time:
//! the hand-over waits until the writer has stored the page before, so at
//! most one page is being stored while the harvest goes on, and a kill can
//! cost no more than that page (resume fetches it again).

use std::io;
use std::sync::mpsc::{self, SyncSender};
use std::thread::{self, JoinHandle};

use justone_xhs::{CancellationToken, FeedPage};
use rusqlite::{Connection, TransactionBehavior, params};

use super::checkpointer::{self, Checkpointer};
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
    (run_id, channel, page, position, note_id, fetched_at, likes, request_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// A page stored or ended on replaces a `failed` row of an earlier attempt.
const UPSERT_PROGRESS: &str = "INSERT INTO progress (run_id, channel, page, state, items, at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (run_id, channel, page) DO UPDATE
SET state = excluded.state, items = excluded.items, at = excluded.at, error = NULL";

/// A page to store, when it arrived, and the state its progress row
/// records (`written`, or `end` for the empty page that ended a feed).
struct Job {
    page: FeedPage,
    fetched_at: String,
    state: &'static str,
}

/// What the thread gives back when it stops: the connection (to record the
/// end of the run), and the failure that stopped it early, if one did.
pub struct Ended {
    pub conn: Connection,
    pub failure: Option<rusqlite::Error>,
}

pub struct Writer {
    jobs: SyncSender<Job>,
    thread: JoinHandle<Ended>,
}

impl Writer {
    /// Starts the thread that stores the pages of run `run` through `conn`.
    /// A page it cannot store cancels `cancel`, the client's: nothing more
    /// is bought that could not be kept.
    pub fn start(
        mut conn: Connection,
        checkpointer: Checkpointer,
        run: i64,
        cancel: CancellationToken,
    ) -> io::Result<Writer> {
        // Zero capacity: a hand-over is a meeting, so no page waits unstored.
        let (jobs, queue) = mpsc::sync_channel::<Job>(0);
        let thread = thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let mut stored: u64 = 0;
                for job in queue {
                    if let Err(failure) = store_page(&mut conn, run, &job) {
                        cancel.cancel();
                        return Ended {
                            conn,
                            failure: Some(failure),
                        };
                    }
                    stored += 1;
                    if stored.is_multiple_of(checkpointer::EVERY) {
                        checkpointer.nudge();
                    }
                }
                // The checkpointer closes before the connection goes back, so
                // that the writer's connection is the last one open.
                drop(checkpointer);
                Ended { conn, failure: None }
            })?;
        Ok(Writer { jobs, thread })
    }

    /// Hands `page`, which arrived at `fetched_at`, over once the page
    /// before it is stored. `Err` when the thread has stopped:
    /// [`Writer::finish`] says why.
    pub fn store(&self, page: FeedPage, fetched_at: String, state: &'static str) -> Result<(), ()> {
        self.jobs
            .send(Job {
                page,
                fetched_at,
                state,
            })
            .map_err(drop)
    }

    /// Waits until every page handed over is stored (or the thread has
    /// failed), and takes the connection back. `None` if the thread
    /// panicked.
    pub fn finish(self) -> Option<Ended> {
        drop(self.jobs);
        self.thread.join().ok()
    }
}

/// One page in one transaction, with its progress row. The note's full-text
/// index follows `notes` through the triggers of schema v2.
fn store_page(conn: &mut Connection, run: i64, job: &Job) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (page, fetched_at) = (&job.page, job.fetched_at.as_str());
    let channel = page.channel.oid();
    let mut stored: u32 = 0;
    {
        let mut note = tx.prepare_cached(UPSERT_NOTE)?;
        let mut observation = tx.prepare_cached(INSERT_OBSERVATION)?;
        for (position, item) in (1u32..).zip(&page.items) {
            let record = Record::new(page, item, fetched_at);
            // Counted by the sink: a note without an id cannot be keyed.
            let Some(id) = record.id else { continue };
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
                run,
                channel,
                page.page,
                position,
                id,
                fetched_at,
                likes,
                record.request_id
            ])?;
            stored += 1;
        }
        tx.prepare_cached(UPSERT_PROGRESS)?
            .execute(params![run, channel, page.page, job.state, stored, fetched_at])?;
    }
    tx.commit()
}
