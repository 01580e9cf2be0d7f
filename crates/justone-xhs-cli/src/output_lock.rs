//! One run per output: an exclusive lock, taken before the first request
//! and held until the process ends, so that two runs on one output (a cron
//! job that overlaps the last one, a `--resume` started twice) never both
//! buy pages and interleave them. The lock is advisory (`flock` on Unix,
//! `LockFileEx` on Windows) on `OUTPUT.lock` beside the output, and goes
//! away with the process, even after `kill -9`. The lock file holds the id
//! of the process that last took it, so a refused run can name the run in
//! its way on every system (the system's own lock tables do not always
//! show it: not in another pid namespace, not on every file system).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Why the output cannot be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it (its id, when the lock file says).
    Busy { path: PathBuf, holder: Option<u32> },
    /// The output has other names (hard links), each of which would get a
    /// lock of its own.
    HardLinks { path: PathBuf, links: u64 },
    /// The lock file at `lock` could not be created, opened or locked.
    Io { lock: PathBuf, source: io::Error },
}

impl LockError {
    /// The sentence that names the other run or the other names, and what
    /// to do.
    pub fn message(&self) -> String {
        match self {
            LockError::Busy { path, holder } => format!(
                "{} is being written by another justone-xhs run{}; nothing was sent",
                path.display(),
                holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
            ),
            LockError::HardLinks { path, links } => format!(
                "{} has {links} hard links: an output written through two names could be written by two runs at once (and a database loses pages: SQLite keeps its log beside one name); use one path",
                path.display()
            ),
            LockError::Io { lock, source } => {
                format!("cannot lock the output through {}: {source}", lock.display())
            }
        }
    }
}

/// The `hint:` line for a [`LockError::Busy`].
pub const BUSY_HINT: &str = "one run per output: wait for the other run to end, or stop it (SIGINT) and run the continue command it prints";

/// Locks the output at `path`, for as long as the returned file is open,
/// through `PATH.lock` beside the file the path names. The lock file stays:
/// removing it would let a third run lock a new file while a second still
/// holds the old one. Not the output itself: closing a second handle on a
/// database would drop SQLite's own POSIX locks.
pub fn lock_beside(path: &Path) -> Result<File, LockError> {
    refuse_hard_links(path)?;
    let lock_path = lock_path_beside(path);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|source| LockError::Io {
            lock: lock_path.clone(),
            source,
        })?;
    lock(&file, path, &lock_path)?;
    // Only a name for a refused run's message: a lock whose id could not
    // be written (a full disk) still holds.
    let _ = file
        .set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(file)
}

/// What [`lock_beside`] would refuse, found without creating or changing
/// anything (a dry run).
pub fn check_beside(path: &Path) -> Result<(), LockError> {
    refuse_hard_links(path)?;
    let lock_path = lock_path_beside(path);
    match File::open(&lock_path) {
        Ok(file) => lock(&file, path, &lock_path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(LockError::Io {
            lock: lock_path,
            source,
        }),
    }
}

/// Where [`lock_beside`] keeps the lock of the output at `path`: beside
/// the file the path names, whatever symbolic links lead to it or to its
/// directory (two names for one output take one lock).
pub fn lock_path_beside(path: &Path) -> PathBuf {
    let target = std::fs::canonicalize(path)
        .ok()
        .or_else(|| {
            // Not created yet: the directory is resolved instead.
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty())?;
            Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
        })
        .unwrap_or_else(|| path.to_owned());
    let mut name = target.into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Locks `file`, the lock file at `lock_path` of the output at `path`;
/// when another process holds it, names that process from what the file
/// holds.
fn lock(file: &File, path: &Path, lock_path: &Path) -> Result<(), LockError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.take(32).read_to_string(&mut holder);
            Err(LockError::Busy {
                path: path.to_owned(),
                holder: holder.trim().parse().ok(),
            })
        }
        Err(std::fs::TryLockError::Error(source)) => Err(LockError::Io {
            lock: lock_path.to_owned(),
            source,
        }),
    }
}

/// Refuses an output with more than one name: each name would get its own
/// lock. (A database checks before SQLite opens it, which already writes
/// beside the name.)
#[cfg(unix)]
pub fn refuse_hard_links(path: &Path) -> Result<(), LockError> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.nlink() > 1 => Err(LockError::HardLinks {
            path: path.to_owned(),
            links: meta.nlink(),
        }),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
pub fn refuse_hard_links(_path: &Path) -> Result<(), LockError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.jsonl");
        let held = lock_beside(&path).unwrap();
        // Another open file description of the same file conflicts, as
        // another process's would.
        for refused in [lock_beside(&path).map(drop), check_beside(&path)] {
            let message = refused.unwrap_err().message();
            assert!(
                message.contains(&format!(
                    "notes.jsonl is being written by another justone-xhs run (process {})",
                    std::process::id()
                )),
                "{message}"
            );
        }
        drop(held);
        assert!(check_beside(&path).is_ok());
        assert!(lock_beside(&path).is_ok(), "free again once the holder is gone");
    }

    #[test]
    fn a_lock_file_that_says_nothing_useful_still_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.jsonl");
        let held = lock_beside(&path).unwrap();
        std::fs::write(lock_path_beside(&path), "not a process id\n").unwrap();
        let message = lock_beside(&path).unwrap_err().message();
        assert!(
            message.ends_with("another justone-xhs run; nothing was sent"),
            "{message}"
        );
        drop(held);
    }

    #[test]
    fn a_lock_file_that_cannot_be_made_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.jsonl");
        // The lock's place is taken by a directory.
        std::fs::create_dir(lock_path_beside(&path)).unwrap();
        let message = lock_beside(&path).unwrap_err().message();
        assert!(
            message.starts_with(&format!(
                "cannot lock the output through {}: ",
                lock_path_beside(&path).display()
            )),
            "{message}"
        );
    }

    #[test]
    fn a_dry_check_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_beside(&dir.path().join("notes.jsonl")).is_ok());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
