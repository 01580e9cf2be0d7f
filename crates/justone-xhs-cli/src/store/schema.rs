//! The database schema and its forward migrations.
//!
//! `PRAGMA user_version` is the schema version: migration `n` (0-based)
//! takes a database from version `n` to `n + 1`. A database of a newer
//! version than this build knows is refused, never guessed at.
//! `PRAGMA application_id` marks the file as this tool's, so that another
//! program's database is never written into.

use rusqlite::{Connection, TransactionBehavior};

/// `'JXHS'`: set by the first migration.
pub const APPLICATION_ID: i64 = 0x4a58_4853;

/// The SQL of each schema version, in order. Never edit a released one: add
/// the next.
const MIGRATIONS: [&str; 3] = [
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`LATEST`]. Each migration is one transaction
/// that re-reads the version first, so two processes opening a new file at
/// once migrate it once.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = user_version(&tx)?;
        let Some(sql) = usize::try_from(version).ok().and_then(|v| MIGRATIONS.get(v)) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

pub fn application_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "application_id", |row| row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema as SQLite stores it, with the version: what the README
    /// documents and what a migration must never change by accident.
    fn dump(conn: &Connection) -> String {
        let mut statement = conn
            .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type DESC, name")
            .unwrap();
        let sql: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        format!(
            "-- user_version {}, application_id {}\n{};\n",
            user_version(conn).unwrap(),
            application_id(conn).unwrap(),
            sql.join(";\n\n")
        )
    }

    #[test]
    fn schema_snapshot() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        insta::assert_snapshot!("schema", dump(&conn));
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let once = dump(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(dump(&conn), once);
        assert_eq!(user_version(&conn).unwrap(), LATEST);
    }

    #[test]
    fn a_newer_version_is_left_alone() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
        migrate(&mut conn).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
