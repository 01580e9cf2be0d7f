//! Copies the write-ahead log into the database file on a thread of its
//! own, so that a harvest's commits seldom wait for it.
//!
//! A WAL checkpoint syncs the log, copies it into the database and syncs the
//! database. Left to SQLite, the harvest's own connection does all of that
//! after every 1000 logged pages, and a profile showed it to be most of the
//! time a page took to store. Here a second connection checkpoints after
//! every [`EVERY`] pages in `PASSIVE` mode, which never blocks the writer,
//! and then syncs the database file, which SQLite leaves to the checkpoint
//! that completes the log.
//!
//! The writer keeps SQLite's automatic checkpoint: only a checkpoint that
//! completes the log between two of the writer's commits lets the log start
//! again from its beginning (otherwise it grows for the whole run, and every
//! write to it allocates new file pages). With this thread ahead of it, that
//! checkpoint has little left to copy and to sync.
//!
//! A failed checkpoint loses nothing: the log keeps every page until one
//! succeeds, and the writer meets the same disk and reports it.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;

use super::connection;
use super::error::StoreError;

/// Pages stored between two requests for a checkpoint (about 4 MiB of log).
pub const EVERY: u64 = 16;

pub struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a second connection to the (migrated) database at `path` and
    /// starts its thread.
    pub fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_owned(),
            source,
        };
        let conn = connection::open_file(path, false)?;
        let database = File::open(path).map_err(io)?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    let checkpointed =
                        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get::<_, i64>(0));
                    if checkpointed.is_ok() {
                        let _ = database.sync_data();
                    }
                }
            })
            .map_err(io)?;
        Ok(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint. Asking while one runs asks for one more, once.
    pub fn nudge(&self) {
        if let Some(wake) = &self.wake {
            // Full: one is already asked for; disconnected: cannot happen
            // before drop, and a missed checkpoint costs only time.
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    /// Waits for a checkpoint under way and closes the second connection,
    /// so that the writer's is the last: closing it checkpoints the rest
    /// and removes the log.
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log reaches the database file through the checkpointer alone,
    /// while the writer's connection stays open and never checkpoints.
    #[test]
    fn a_nudge_copies_the_log_into_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let mut writer = connection::open(&path, false).unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let checkpointer = Checkpointer::start(&path).unwrap();
        let tx = writer.transaction().unwrap();
        tx.execute_batch(
            "CREATE TABLE filler (text TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 256)
             INSERT INTO filler SELECT printf('%.4096c', 'x') FROM n;",
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            before,
            "only the log is written"
        );

        checkpointer.nudge();
        drop(checkpointer);
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after > before + 1_000_000, "{before} -> {after} bytes");
        let rows: i64 = writer
            .query_row("SELECT count(*) FROM filler", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 256);
    }
}
