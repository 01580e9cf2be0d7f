//! One run per output: an exclusive lock on the output, taken before the
//! first request and held until the process ends, so that two runs on one
//! file (a cron job that overlaps the last one, a `--resume` started twice)
//! never both buy pages and interleave them. The lock is advisory (`flock`
//! on Unix, `LockFileEx` on Windows) and goes away with the process, even
//! after `kill -9`.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Why the output cannot be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it (its id, where the system says).
    Busy {
        path: PathBuf,
        holder: Option<u32>,
    },
    /// The lock file at `path` (beside a database) cannot be opened.
    #[cfg(feature = "sqlite")]
    Open {
        path: PathBuf,
        source: io::Error,
    },
    Io(io::Error),
}

impl LockError {
    /// The sentence that names the other run and what to do.
    pub fn message(&self) -> String {
        match self {
            LockError::Busy { path, holder } => format!(
                "{} is being written by another justone-xhs run{}; nothing was sent",
                path.display(),
                holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
            ),
            #[cfg(feature = "sqlite")]
            LockError::Open { path, source } => format!("cannot open {}: {source}", path.display()),
            LockError::Io(error) => format!("cannot lock the output: {error}"),
        }
    }
}

/// The `hint:` line for a [`LockError::Busy`].
pub const BUSY_HINT: &str = "one run per output: wait for the other run to end, or stop it (SIGINT) and run the continue command it prints";

/// Locks `file`, the output at `path`, for the rest of the process.
pub fn lock(file: &File, path: &Path) -> Result<(), LockError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
            path: path.to_owned(),
            holder: holder(file),
        }),
        Err(std::fs::TryLockError::Error(error)) => Err(LockError::Io(error)),
    }
}

/// Locks the database at `path` through `PATH.lock` beside it (beside the
/// file a symbolic link leads to), which stays
/// (removing it would let a third run lock a new file while the second
/// still holds the old one). Not the database itself: closing a second
/// handle on it would drop SQLite's own POSIX locks.
#[cfg(feature = "sqlite")]
pub fn lock_beside(path: &Path) -> Result<File, LockError> {
    let lock_path = lock_path_beside(path);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .or_else(|error| match error.kind() {
            // Made by another user: a lock needs no write access, and a
            // database shared between users has a lock file of one.
            std::io::ErrorKind::PermissionDenied => File::open(&lock_path).map_err(|_| error),
            _ => Err(error),
        })
        .map_err(|source| LockError::Open {
            path: lock_path,
            source,
        })?;
    lock(&file, path)?;
    Ok(file)
}

/// What [`lock_beside`] would refuse, found without creating or changing
/// anything (a dry run): another run's lock, a lock file that cannot be
/// opened.
#[cfg(feature = "sqlite")]
pub fn check_beside(path: &Path) -> Result<(), LockError> {
    let lock_path = lock_path_beside(path);
    match File::open(&lock_path) {
        Ok(file) => lock(&file, path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(LockError::Open {
            path: lock_path,
            source,
        }),
    }
}

/// Where [`lock_beside`] keeps the lock of the database at `path`: beside
/// the file the path names, whatever symbolic links lead to it (two names
/// for one database take one lock).
#[cfg(feature = "sqlite")]
pub fn lock_path_beside(path: &Path) -> PathBuf {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut name = target.into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// The process that holds a `flock` on `file`, from `/proc/locks` (Linux).
/// The lock table names a file by its file system's device, which `stat`
/// may not report (btrfs, overlayfs): the device is read from the mount
/// the file is on instead.
#[cfg(target_os = "linux")]
fn holder(file: &File) -> Option<u32> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let inode = file.metadata().ok()?.ino();
    let fdinfo = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", file.as_raw_fd())).ok()?;
    let mount = fdinfo
        .lines()
        .find_map(|line| line.strip_prefix("mnt_id:"))?
        .trim();
    // `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw`
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let device = mountinfo.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        (fields.next()? == mount).then(|| fields.nth(1))?
    })?;
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    holder_in(&locks, device, inode)
}

/// The process `/proc/locks` (`locks`) names as holding a `flock` on the
/// file `inode` of `device` (`major:minor` in decimal, as mountinfo
/// writes it): `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF`, the
/// device in hex. Nobody when no lock matches both.
#[cfg(target_os = "linux")]
fn holder_in(locks: &str, device: &str, inode: u64) -> Option<u32> {
    let (major, minor) = device.split_once(':')?;
    let wanted = (major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?, inode);
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (kind, pid, id) = (fields.get(1)?, fields.get(4)?, fields.get(5)?);
        let mut id = id.split(':');
        let found = (
            u32::from_str_radix(id.next()?, 16).ok()?,
            u32::from_str_radix(id.next()?, 16).ok()?,
            id.next()?.parse::<u64>().ok()?,
        );
        (*kind == "FLOCK" && found == wanted).then(|| pid.parse().ok())?
    })
}

#[cfg(not(target_os = "linux"))]
fn holder(_file: &File) -> Option<u32> {
    None
}

#[cfg(all(test, target_os = "linux"))]
mod holder_tests {
    use super::holder_in;

    #[test]
    fn the_lock_on_the_file_names_its_process() {
        let locks = "1: POSIX  ADVISORY  WRITE 11 fd:01:77 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 12 fd:01:77 0 EOF\n\
                     3: FLOCK  ADVISORY  WRITE 4242 fd:01:77 0 EOF\n\
                     4: FLOCK  ADVISORY  WRITE 5353 fd:01:78 0 EOF\n";
        assert_eq!(holder_in(locks, "253:1", 77), Some(4242));
        assert_eq!(holder_in(locks, "253:1", 79), None);
    }

    #[test]
    fn the_same_inode_on_another_device_is_not_the_file() {
        let locks = "1: FLOCK  ADVISORY  WRITE 1111 08:02:77 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4242 00:2f:77 0 EOF\n";
        assert_eq!(holder_in(locks, "0:47", 77), Some(4242));
        assert_eq!(holder_in(locks, "8:2", 77), Some(1111));
        assert_eq!(holder_in(locks, "253:1", 77), None, "nobody rather than a guess");
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let _held = lock_beside(&path).unwrap();
        // Another open file description of the same file conflicts, as
        // another process's would.
        let error = lock_beside(&path).unwrap_err();
        let message = error.message();
        assert!(
            message.contains("notes.db is being written by another justone-xhs run"),
            "{message}"
        );
        #[cfg(target_os = "linux")]
        assert!(
            message.contains(&format!("(process {})", std::process::id())),
            "{message}"
        );
        drop(_held);
        assert!(lock_beside(&path).is_ok(), "free again once the holder is gone");
    }
}
