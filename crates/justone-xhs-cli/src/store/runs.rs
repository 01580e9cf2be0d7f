//! The `runs` table and the resume it makes possible: a run's row is
//! written before its first request, its `progress` rows say where each
//! channel stands, and its end records how it went.

use rusqlite::{Connection, params};

use crate::checkpoint::{ChannelMark, RunShape};

/// The current time as every table stores it (UTC, ISO 8601, milliseconds).
pub fn now(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")?
        .query_row([], |row| row.get(0))
}

/// Adds the row of a new run and returns its id.
pub fn start(conn: &Connection, shape: &RunShape, command: &str) -> rusqlite::Result<i64> {
    let channels = serde_json::Value::from(shape.channels.clone()).to_string();
    conn.execute(
        "INSERT INTO runs (started_at, command, channels, first_page, pages, status)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
        params![now(conn)?, command, channels, shape.first_page, shape.pages],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Why no run can be resumed.
pub enum NotResumable {
    /// Every run is complete.
    Nothing,
    /// There is no run at all (the first one failed before its row was
    /// written).
    NoRuns,
    /// The most recent unfinished run was started by another command: what
    /// differs, one phrase each.
    Differs(Vec<String>),
}

/// Picks the most recent unfinished run with the same channels and pages,
/// marks it running again, and returns its id and where each channel stands.
pub fn resume(
    conn: &Connection,
    shape: &RunShape,
) -> rusqlite::Result<Result<(i64, Vec<ChannelMark>), NotResumable>> {
    let mut unfinished = conn.prepare(
        "SELECT id, channels, first_page, pages FROM runs WHERE status != 'complete' ORDER BY id DESC",
    )?;
    let runs = unfinished
        .query_map([], |row| {
            let channels: String = row.get(1)?;
            Ok((
                row.get::<_, i64>(0)?,
                RunShape {
                    // A list this tool did not write matches no command.
                    channels: serde_json::from_str(&channels).unwrap_or_default(),
                    first_page: row.get(2)?,
                    pages: row.get(3)?,
                    ..shape.clone()
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let Some(id) = runs
        .iter()
        .find(|(_, earlier)| earlier == shape)
        .map(|(id, _)| *id)
    else {
        return Ok(Err(match runs.first() {
            Some((_, latest)) => NotResumable::Differs(shape.differences(latest)),
            None if any_run(conn)? => NotResumable::Nothing,
            None => NotResumable::NoRuns,
        }));
    };
    conn.execute(
        "UPDATE runs SET status = 'running', finished_at = NULL, attempts = attempts + 1 WHERE id = ?1",
        [id],
    )?;
    Ok(Ok((id, marks(conn, id, shape)?)))
}

fn any_run(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM runs)", [], |row| row.get(0))
}

/// Where each channel of run `id` stands, from its progress rows. Pages of
/// a channel are stored in order, so the first page not stored is the one
/// after the last stored.
fn marks(conn: &Connection, id: i64, shape: &RunShape) -> rusqlite::Result<Vec<ChannelMark>> {
    let last_page = shape.first_page + (shape.pages - 1);
    let mut query = conn.prepare(
        "SELECT max(CASE WHEN state = 'written' THEN page END), max(state = 'end')
         FROM progress WHERE run_id = ?1 AND channel = ?2",
    )?;
    shape
        .channels
        .iter()
        .map(|channel| {
            let (written, ended): (Option<u32>, Option<bool>) =
                query.query_row(params![id, channel], |row| Ok((row.get(0)?, row.get(1)?)))?;
            let next_page = written.map_or(shape.first_page, |page| page + 1);
            Ok(ChannelMark {
                next_page,
                done: ended == Some(true) || next_page > last_page,
            })
        })
        .collect()
}

/// How an attempt of a run ended.
pub struct Ending<'a> {
    pub status: &'static str,
    /// Requests sent by this attempt (added to the run's count).
    pub requests: u64,
    pub retries: u64,
    /// `(channel oid, page, error)` of each page that failed for good.
    pub failed: Vec<(&'a str, u32, String)>,
}

/// Records the end of an attempt of run `id`, in one transaction.
pub fn finish(conn: &mut Connection, id: i64, ending: &Ending<'_>) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let at = now(&tx)?;
    for (channel, page, error) in &ending.failed {
        tx.execute(
            "INSERT INTO progress (run_id, channel, page, state, items, at, error)
             VALUES (?1, ?2, ?3, 'failed', 0, ?4, ?5)
             ON CONFLICT (run_id, channel, page) DO UPDATE
             SET state = 'failed', at = excluded.at, error = excluded.error",
            params![id, channel, page, at, error],
        )?;
    }
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE runs SET finished_at = ?1, status = ?2,
             requests = coalesce(requests, 0) + ?3, retries = coalesce(retries, 0) + ?4
         WHERE id = ?5",
        params![
            at,
            ending.status,
            count(ending.requests),
            count(ending.retries),
            id
        ],
    )?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_resumes_where_its_progress_stops() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        fn nothing(conn: &Connection, shape: &RunShape) -> &'static str {
            match resume(conn, shape).unwrap() {
                Err(NotResumable::NoRuns) => "no runs",
                Err(NotResumable::Nothing) => "all complete",
                _ => "resumable or different",
            }
        }
        let shape = RunShape {
            channels: vec!["a".into(), "b".into(), "c".into()],
            first_page: 3,
            pages: 4,
            format: "sqlite".into(),
            raw: false,
            dedup: false,
            params: Vec::new(),
            fields: String::new(),
        };
        assert_eq!(nothing(&conn, &shape), "no runs", "a schema without runs");
        let id = start(&conn, &shape, "justone-xhs feed").unwrap();
        for (channel, page, state) in [("a", 3, "written"), ("a", 4, "written"), ("b", 3, "end")] {
            conn.execute(
                "INSERT INTO progress VALUES (?1, ?2, ?3, ?4, 0, 'now', NULL)",
                params![id, channel, page, state],
            )
            .unwrap();
        }
        let ending = Ending {
            status: "failed",
            requests: 4,
            retries: 1,
            failed: vec![("a", 5, "boom".into())],
        };
        finish(&mut conn, id, &ending).unwrap();
        let Ok(Ok((again, marks))) = resume(&conn, &shape) else {
            panic!("the run is resumable")
        };
        assert_eq!(again, id);
        let mark = |next_page, done| ChannelMark { next_page, done };
        assert_eq!(marks, [mark(5, false), mark(3, true), mark(3, false)]);

        let mut other = shape.clone();
        other.pages = 9;
        match resume(&conn, &other).unwrap() {
            Err(NotResumable::Differs(what)) => assert!(what[0].contains("--pages is 9"), "{what:?}"),
            _ => panic!("a different command is refused"),
        }

        let complete = Ending {
            status: "complete",
            requests: 0,
            retries: 0,
            failed: Vec::new(),
        };
        finish(&mut conn, id, &complete).unwrap();
        assert_eq!(nothing(&conn, &shape), "all complete");
    }
}
