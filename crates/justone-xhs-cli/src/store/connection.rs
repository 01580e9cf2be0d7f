//! Opening the database file: refusing, before anything is written, a file
//! that is read-only, not a database, another program's, or newer than this
//! build; then WAL mode and the schema migrations.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::error::StoreError;
use super::schema;

/// How long a write waits for another connection's write lock before the
/// run fails with [`StoreError::Busy`]: long enough for a page of another
/// harvest, short enough not to look like a hang.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The page size of a new database (SQLite's default is 4 KiB).
const PAGE_SIZE: i64 = 16 * 1024;

/// Opens the database at `path`. A new one is created unless `resuming`,
/// which needs a database of this tool. A refused file is left exactly as
/// it was.
pub fn open(path: &Path, resuming: bool) -> Result<Connection, StoreError> {
    let nothing_to_resume =
        |why: &str| StoreError::Usage(format!("nothing to resume: {} {why}", path.display()));
    let exists = writable(path)?;
    refuse_hard_links(path)?;
    if resuming && !exists {
        return Err(nothing_to_resume("does not exist"));
    }
    let mut conn = open_file(path, !exists)?;
    let sqlite = |e| StoreError::sqlite(path, e);
    // Reading the header is the first access: a file that is not a
    // database fails here, before anything is written.
    let application = schema::application_id(&conn).map_err(sqlite)?;
    let version = schema::user_version(&conn).map_err(sqlite)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(sqlite)?;
    match (application, version, tables) {
        (schema::APPLICATION_ID, version, _) if version > schema::LATEST => {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                found: version,
                known: schema::LATEST,
            });
        }
        (schema::APPLICATION_ID, _, _) => {}
        (0, 0, 0) if resuming => return Err(nothing_to_resume("holds no runs")),
        (0, 0, 0) => {}
        _ => {
            return Err(StoreError::Foreign {
                path: path.to_owned(),
            });
        }
    }
    // A note with its raw item is about 5 KB: 16 KiB pages hold it without
    // overflow pages, which cuts the pages (and system calls) a commit and a
    // checkpoint write by about four. Only a new file takes a page size.
    conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(sqlite)?;
    // WAL: readers (`sqlite3 notes.db`) never block the harvest, nor it
    // them. synchronous=NORMAL keeps every committed page through a crash
    // of the process (kill -9); a power cut may lose the last pages, but
    // always with their progress rows, so a resume fetches them again.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        .map_err(sqlite)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sqlite)?;
    conn.pragma_update(None, "foreign_keys", true).map_err(sqlite)?;
    schema::migrate(&mut conn).map_err(sqlite)?;
    Ok(conn)
}

/// Opens an existing database of this tool for reading only (`trends`):
/// nothing is migrated or written, so a database of any version this build
/// knows can be read while a harvest writes it.
pub fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if let Err(source) = std::fs::metadata(path) {
        return Err(StoreError::Io {
            path: path.to_owned(),
            source,
        });
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::sqlite(path, e))?;
    let sqlite = |e| StoreError::sqlite(path, e);
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    let version = schema::user_version(&conn).map_err(sqlite)?;
    if schema::application_id(&conn).map_err(sqlite)? != schema::APPLICATION_ID || version < 1 {
        return Err(StoreError::Foreign {
            path: path.to_owned(),
        });
    }
    if version > schema::LATEST {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found: version,
            known: schema::LATEST,
        });
    }
    Ok(conn)
}

/// Refuses a database file with more than one name: SQLite keeps its
/// write-ahead log beside the name it was opened by, so pages written
/// through one name are missing through the other, and the run lock (one
/// per name) would not keep two runs apart.
#[cfg(unix)]
fn refuse_hard_links(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.nlink() > 1 => Err(StoreError::Usage(format!(
            "{} has {} hard links: a database written through two names loses pages (SQLite's log is kept beside one name); use one path",
            path.display(),
            meta.nlink()
        ))),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn refuse_hard_links(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Whether the file exists, after checking that it can be written: SQLite
/// would open a read-only file read-only and fail only at the first write.
fn writable(path: &Path) -> Result<bool, StoreError> {
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Err(StoreError::ReadOnly {
                path: path.to_owned(),
                source: e,
            })
        }
        Err(e) => Err(StoreError::Io {
            path: path.to_owned(),
            source: e,
        }),
    }
}

pub fn open_file(path: &Path, create: bool) -> Result<Connection, StoreError> {
    // No SQLITE_OPEN_URI: a file named `file:…` is a file, not options.
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::sqlite(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(conn)
}
