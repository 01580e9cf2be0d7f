//! Why the database could not be opened or written, with the exit code and
//! the advice that go with each cause.

use std::fmt;
use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;

use crate::exit_code::Exit;

#[derive(Debug)]
pub enum StoreError {
    /// The command cannot work on this database (nothing to resume, a
    /// different command, `--overwrite`); nothing was changed.
    Usage(String),
    /// The file cannot be opened for writing (permissions, a read-only
    /// file system).
    ReadOnly { path: PathBuf, source: io::Error },
    /// Not an SQLite file, or a damaged one.
    NotADatabase { path: PathBuf },
    /// An SQLite database of another program.
    Foreign { path: PathBuf },
    /// Written by a newer version of this tool.
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    /// Another connection holds the write lock longer than we wait.
    Busy { path: PathBuf },
    /// Another run of this tool is writing the database (the message names
    /// it); nothing was sent.
    RunInProgress(String),
    /// The file system refused.
    Io { path: PathBuf, source: io::Error },
    /// Anything else SQLite reports (a full disk, an I/O error).
    Sqlite { path: PathBuf, source: rusqlite::Error },
    /// The thread storing the pages ended without saying why (a panic).
    WriterStopped { path: PathBuf },
    /// The file was moved, removed or replaced while the run wrote to it.
    Replaced { path: PathBuf },
}

impl StoreError {
    /// Classifies an SQLite failure on the database at `path`.
    pub fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> StoreError {
        let path = path.to_owned();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy { path },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase { path },
            _ => StoreError::Sqlite { path, source },
        }
    }

    pub fn exit(&self) -> Exit {
        match self {
            StoreError::Usage(_) | StoreError::RunInProgress(_) => Exit::Usage,
            _ => Exit::Other,
        }
    }

    /// One line of advice for the `hint:` line.
    pub fn hint(&self) -> String {
        match self {
            StoreError::Usage(_) => "check the options named above; see --help".to_owned(),
            StoreError::RunInProgress(_) => crate::output_lock::BUSY_HINT.to_owned(),
            StoreError::ReadOnly { .. } => {
                "make the file writable, or give --output a new file name".to_owned()
            }
            StoreError::NotADatabase { .. } | StoreError::Foreign { .. } => {
                "the file was left as it was; give --output a new file name (.db) to start a database"
                    .to_owned()
            }
            StoreError::NewerSchema { .. } => {
                "use the newer justone-xhs that wrote it, or give --output a new file name".to_owned()
            }
            StoreError::Busy { .. } => {
                "another program holds the database's write lock (a harvest, or an open transaction in `sqlite3`); let it finish, then run the continue command printed below, or this command again if none is"
                    .to_owned()
            }
            StoreError::Replaced { .. } => {
                "if you moved the database, move it back and resume (it holds every page this run stored); if you removed it, run again"
                    .to_owned()
            }
            StoreError::WriterStopped { .. } => {
                "this is a bug in justone-xhs; please report it. The pages stored are whole: --resume continues"
                    .to_owned()
            }
            StoreError::Io { .. } | StoreError::Sqlite { .. } => {
                "check the file, its directory (SQLite writes FILE-wal and FILE-shm beside it) and the free space"
                    .to_owned()
            }
        }
    }

    /// Prints the `error:` and `hint:` lines and returns the exit code.
    pub fn report(&self) -> Exit {
        crate::diagnostics::say(format_args!("error: {self}"));
        crate::diagnostics::say(format_args!("hint: {}", self.hint()));
        self.exit()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Usage(message) | StoreError::RunInProgress(message) => f.write_str(message),
            StoreError::ReadOnly { path, source } => {
                write!(f, "{} cannot be written: {source}", path.display())
            }
            StoreError::NotADatabase { path } => {
                write!(f, "{} is not an SQLite database, or is damaged", path.display())
            }
            StoreError::Foreign { path } => write!(
                f,
                "{} is an SQLite database of another program, not of justone-xhs",
                path.display()
            ),
            StoreError::NewerSchema { path, found, known } => write!(
                f,
                "{} has schema version {found}, newer than this justone-xhs knows ({known})",
                path.display()
            ),
            StoreError::Busy { path } => {
                write!(
                    f,
                    "{} is busy: another connection is writing to it",
                    path.display()
                )
            }
            StoreError::Io { path, source } => write!(f, "cannot open {}: {source}", path.display()),
            StoreError::Sqlite { path, source } => write!(f, "{}: {source}", path.display()),
            StoreError::Replaced { path } => write!(
                f,
                "{} was moved, removed or replaced during the run: its pages went to the file it had opened, which is no longer at that path",
                path.display()
            ),
            StoreError::WriterStopped { path } => write!(
                f,
                "{}: the thread storing pages stopped unexpectedly; the pages it stored are whole",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::ReadOnly { source, .. } | StoreError::Io { source, .. } => Some(source),
            StoreError::Sqlite { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<StoreError> for io::Error {
    /// The harvest loop stops on an `io::Error`; the typed error rides
    /// inside it (and its message is what the report prints).
    fn from(error: StoreError) -> io::Error {
        io::Error::other(error)
    }
}
