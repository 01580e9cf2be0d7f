//! What a database's observations say over time: the notes whose likes
//! grew most between their first and last sighting in a window, and the
//! creators seen most and whose notes grew most. The Notes Feed's items
//! carry likes only (no comment or collect counts), so likes are what grow.

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::{Connection, params};
use serde::Serialize;

/// Which sightings count.
pub struct Window {
    /// A channel oid, or every channel.
    pub channel: Option<String>,
    /// Only sightings this recent, or all.
    pub since: Option<Duration>,
}

/// A sighting: when (Unix seconds, and as stored) and the likes then.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    #[cfg(feature = "charts")]
    #[serde(skip)]
    pub unix: f64,
    pub at: String,
    pub likes: i64,
}

#[derive(Debug, Serialize)]
pub struct NoteTrend {
    pub id: String,
    pub title: Option<String>,
    pub author_id: Option<String>,
    pub author_nickname: Option<String>,
    /// Sightings in the window.
    pub sightings: usize,
    /// Likes at the last sighting minus likes at the first.
    pub growth: i64,
    pub first: Point,
    pub last: Point,
    /// Every sighting, oldest first (the chart's series).
    #[serde(skip)]
    pub series: Vec<Point>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatorTrend {
    pub id: Option<String>,
    pub nickname: Option<String>,
    /// Distinct notes of theirs seen in the window.
    pub notes: usize,
    pub sightings: usize,
    /// The growth of their notes seen more than once, added up.
    pub growth: i64,
}

#[derive(Debug, Serialize)]
pub struct Trends {
    /// Notes seen at two times or more, the largest growth first.
    pub notes: Vec<NoteTrend>,
    /// Creators by notes seen, then sightings.
    pub creators_most_seen: Vec<CreatorTrend>,
    /// Creators whose notes grew, by their growth.
    pub creators_fastest_growing: Vec<CreatorTrend>,
}

/// Sightings with a like count, per note in time order. Times are stored
/// as RFC 3339 text; `julianday` gives the chart its numbers.
const SIGHTINGS: &str =
    "SELECT o.note_id, o.fetched_at, (julianday(o.fetched_at) - 2440587.5) * 86400.0, o.likes,
    n.title, n.author_id, n.author_nickname
FROM observations o JOIN notes n ON n.id = o.note_id
WHERE o.likes IS NOT NULL
  AND (?1 IS NULL OR o.fetched_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1))
  AND (?2 IS NULL OR o.channel = ?2)
ORDER BY o.note_id, o.fetched_at, o.run_id";

/// Reads the window's sightings and ranks them; each list holds at most
/// `limit` entries.
pub fn compute(conn: &Connection, window: &Window, limit: usize) -> rusqlite::Result<Trends> {
    let since = window.since.map(|since| format!("-{} seconds", since.as_secs()));
    let mut query = conn.prepare(SIGHTINGS)?;
    let mut rows = query.query(params![since, window.channel])?;
    let mut notes: Vec<NoteTrend> = Vec::new();
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let point = Point {
            at: row.get(1)?,
            #[cfg(feature = "charts")]
            unix: row.get(2)?,
            likes: row.get(3)?,
        };
        match notes.last_mut() {
            Some(note) if note.id == id => {
                note.growth = point.likes.saturating_sub(note.first.likes);
                note.sightings += 1;
                note.last = point.clone();
                note.series.push(point);
            }
            _ => notes.push(NoteTrend {
                id,
                title: row.get(4)?,
                author_id: row.get(5)?,
                author_nickname: row.get(6)?,
                sightings: 1,
                growth: 0,
                first: point.clone(),
                last: point.clone(),
                series: vec![point],
            }),
        }
    }
    let mut creators = creators(&notes);
    creators.sort_by(|a, b| {
        (b.notes, b.sightings)
            .cmp(&(a.notes, a.sightings))
            .then_with(|| a.id.cmp(&b.id))
    });
    let creators_most_seen = creators.iter().take(limit).cloned().collect();
    creators.retain(|c| c.growth > 0);
    creators.sort_by(|a, b| b.growth.cmp(&a.growth).then_with(|| a.id.cmp(&b.id)));
    creators.truncate(limit);

    // A note seen at one time only has no growth to rank.
    notes.retain(|note| note.last.at > note.first.at);
    notes.sort_by(|a, b| {
        b.growth
            .cmp(&a.growth)
            .then_with(|| b.last.likes.cmp(&a.last.likes))
            .then_with(|| a.id.cmp(&b.id))
    });
    notes.truncate(limit);
    Ok(Trends {
        notes,
        creators_most_seen,
        creators_fastest_growing: creators,
    })
}

/// Every creator of the notes, keyed by author id (or nickname without one).
fn creators(notes: &[NoteTrend]) -> Vec<CreatorTrend> {
    let mut by_key: HashMap<(Option<&str>, Option<&str>), CreatorTrend> = HashMap::new();
    for note in notes {
        let id = note.author_id.as_deref();
        let nickname = note.author_nickname.as_deref();
        if id.is_none() && nickname.is_none() {
            continue;
        }
        let key = (id, if id.is_some() { None } else { nickname });
        let creator = by_key.entry(key).or_insert_with(|| CreatorTrend {
            id: id.map(str::to_owned),
            nickname: nickname.map(str::to_owned),
            notes: 0,
            sightings: 0,
            growth: 0,
        });
        creator.notes += 1;
        creator.sightings += note.sightings;
        creator.growth = creator.growth.saturating_add(note.growth);
    }
    by_key.into_values().collect()
}
