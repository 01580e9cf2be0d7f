//! Copies the write-ahead log into the database file on a thread of its
//! own, so that a harvest's commits seldom wait for it.
//!
//! A WAL checkpoint syncs the log, copies it into the database and, once the
//! whole log is copied, syncs the database. Left to SQLite, the writer's own
//! connection does all of that whenever the log holds 1000 database pages
//! (frames), between two commits. Here a second connection checkpoints
//! after every [`EVERY`] feed pages stored (about 16 frames each) in
//! `PASSIVE` mode, which never blocks the writer.
//!
//! The writer keeps SQLite's automatic checkpoint: only a checkpoint that
//! completes the log between two of the writer's commits lets the log start
//! again from its beginning (otherwise it grows for the whole run, and every
//! write to it allocates new file pages). With this thread ahead of it, that
//! checkpoint has little left to copy.
//!
//! Only SQLite connections touch the file: closing any other handle to it
//! would drop every POSIX lock this process holds on it, the writer's
//! included (a reader could then remove the log under the writer).
//!
//! A failed checkpoint loses nothing: the log keeps every page until one
//! succeeds. The writer's own commits fail on a full disk; a log that cannot
//! be copied in at the end is a warning of the store's (`sink.rs`).

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
        let conn = connection::open_file(path, false)?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    let _: rusqlite::Result<i64> =
                        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(0));
                }
            })
            .map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?;
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
    /// and, when that succeeds, removes the log.
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

    /// Whether this process holds a POSIX lock on the file at `path`
    /// (Linux's `/proc/locks`: `… POSIX ADVISORY READ <pid> <maj:min:inode> …`).
    #[cfg(target_os = "linux")]
    fn locked_by_us(path: &Path) -> bool {
        use std::os::unix::fs::MetadataExt;
        let inode = std::fs::metadata(path).unwrap().ino().to_string();
        let pid = std::process::id().to_string();
        std::fs::read_to_string("/proc/locks")
            .unwrap()
            .lines()
            .any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                fields.contains(&"POSIX")
                    && fields.contains(&pid.as_str())
                    && fields
                        .iter()
                        .any(|f| f.rsplit(':').next() == Some(inode.as_str()) && f.contains(':'))
            })
    }

    /// Closing any handle to the file drops every lock the process holds
    /// on it: the checkpointer must leave the writer's locks in place, or a
    /// reader in another process could remove the log under the writer.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_writer_keeps_its_locks_when_the_checkpointer_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let writer = connection::open(&path, false).unwrap();
        writer
            .query_row("SELECT count(*) FROM runs", [], |row| row.get::<_, i64>(0))
            .unwrap();
        assert!(locked_by_us(&path), "an open WAL connection holds a lock");
        let checkpointer = Checkpointer::start(&path).unwrap();
        checkpointer.nudge();
        drop(checkpointer);
        assert!(locked_by_us(&path), "the writer's lock survives the checkpointer");
    }

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
