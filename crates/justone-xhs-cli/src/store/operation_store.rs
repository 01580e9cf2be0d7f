//! The database of `api --pages --output FILE.db`: a run per walk, each
//! page (its `data` as sent, the parameters it was asked with and those of
//! the next page) and each item of its list, one transaction per page. The
//! same file and lock as the feed's store; its own tables (schema v3).

use std::fs::File;
use std::path::{Path, PathBuf};

use justone_xhs::OperationPage;
use rusqlite::{Connection, OptionalExtension, params};

use super::connection;
use super::error::StoreError;
use super::runs::now;
use super::sink::lock;

/// The keys an item's id is found under, in this order.
const ID_KEYS: [&str; 7] = [
    "id",
    "note_id",
    "noteId",
    "comment_id",
    "commentId",
    "user_id",
    "userId",
];

/// A walk being stored.
pub struct OperationStore {
    path: PathBuf,
    conn: Connection,
    run: i64,
    /// One run per database, until the process ends.
    _lock: File,
}

/// Where a resumed walk stands: the pages stored, and the next page's
/// parameters (`None`: the walk had ended).
pub struct Position {
    pub pages: u32,
    pub next: Option<Vec<(String, String)>>,
}

impl OperationStore {
    /// Adds a run of `operation` with `params` to the database at `path`.
    pub fn create(
        path: &Path,
        operation: &str,
        params: &[(String, String)],
        pages: u32,
        command: &str,
    ) -> Result<OperationStore, StoreError> {
        let conn = connection::open(path, false)?;
        let lock = lock(path)?;
        let sqlite = |e| StoreError::sqlite(path, e);
        conn.execute(
            "INSERT INTO operation_runs (started_at, command, operation, params, pages, status)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            params![
                now(&conn).map_err(sqlite)?,
                command,
                operation,
                json(params),
                pages
            ],
        )
        .map_err(sqlite)?;
        let run = conn.last_insert_rowid();
        Ok(OperationStore {
            path: path.to_owned(),
            conn,
            run,
            _lock: lock,
        })
    }

    /// Continues the most recent unfinished run of the same walk.
    pub fn resume(
        path: &Path,
        operation: &str,
        params: &[(String, String)],
        pages: u32,
    ) -> Result<(OperationStore, Position), StoreError> {
        let conn = connection::open(path, true)?;
        let lock = lock(path)?;
        let sqlite = |e| StoreError::sqlite(path, e);
        let run: Option<i64> = conn
            .query_row(
                "SELECT id FROM operation_runs WHERE status != 'complete' AND operation = ?1 AND params = ?2
                 AND pages = ?3 ORDER BY id DESC LIMIT 1",
                params![operation, json(params), pages],
                |row| row.get(0),
            )
            .optional()
            .map_err(sqlite)?;
        let Some(run) = run else {
            return Err(StoreError::Usage(format!(
                "nothing to resume: {} holds no unfinished run of {operation} with these parameters and --pages",
                path.display()
            )));
        };
        let last: Option<(u32, Option<String>)> = conn
            .query_row(
                "SELECT page, next_params FROM operation_pages WHERE run = ?1 ORDER BY page DESC LIMIT 1",
                [run],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(sqlite)?;
        let position = match last {
            None => Position {
                pages: 0,
                next: Some(params.to_vec()),
            },
            Some((page, next)) => Position {
                pages: page,
                next: next.and_then(|text| serde_json::from_str(&text).ok()),
            },
        };
        conn.execute(
            "UPDATE operation_runs SET status = 'running', attempts = attempts + 1, finished_at = NULL WHERE id = ?1",
            [run],
        )
        .map_err(sqlite)?;
        Ok((
            OperationStore {
                path: path.to_owned(),
                conn,
                run,
                _lock: lock,
            },
            position,
        ))
    }

    /// Stores page `number` of the walk with its items, and the next
    /// page's parameters, in one transaction.
    pub fn page(
        &mut self,
        number: u32,
        page: &OperationPage,
        next: Option<&[(String, String)]>,
        fetched_at: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sqlite = |e| StoreError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(sqlite)?;
        tx.execute(
            "INSERT INTO operation_pages (run, page, params, next_params, request_id, fetched_at, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.run,
                number,
                json(&page.sent),
                next.map(json),
                page.answer.request_id,
                fetched_at,
                page.answer.data_str().unwrap_or("null"),
            ],
        )
        .map_err(sqlite)?;
        for (position, item) in page.items().iter().enumerate() {
            tx.execute(
                "INSERT INTO operation_items (run, page, position, item_id, raw) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![self.run, number, position as i64, item_id(item.get()), item.get()],
            )
            .map_err(sqlite)?;
        }
        tx.commit().map_err(sqlite)
    }

    /// Records how the walk ended: `complete`, `interrupted` or `failed`.
    pub fn finish(&self, status: &str, requests: u64, retries: u64) -> Result<(), StoreError> {
        let sqlite = |e| StoreError::sqlite(&self.path, e);
        self.conn
            .execute(
                "UPDATE operation_runs SET status = ?2, finished_at = ?3, requests = requests + ?4,
                 retries = retries + ?5 WHERE id = ?1",
                params![
                    self.run,
                    status,
                    now(&self.conn).map_err(sqlite)?,
                    i64::try_from(requests).unwrap_or(i64::MAX),
                    i64::try_from(retries).unwrap_or(i64::MAX)
                ],
            )
            .map(drop)
            .map_err(sqlite)
    }
}

fn json(params: &[(String, String)]) -> String {
    serde_json::to_string(params).unwrap_or_default()
}

/// The item's id, as text, under the first of [`ID_KEYS`] it has.
fn item_id(raw: &str) -> Option<String> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw).ok()?;
    ID_KEYS.iter().find_map(|key| match object.get(*key)? {
        serde_json::Value::String(id) if !id.is_empty() => Some(id.clone()),
        serde_json::Value::Number(id) => Some(id.to_string()),
        _ => None,
    })
}
