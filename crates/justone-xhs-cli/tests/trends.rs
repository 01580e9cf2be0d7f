//! `trends` on a database built from two demo runs whose counts changed
//! between them, its chart, and `feed --every`: repeated runs into one
//! database, one row each, stopped cleanly by a signal between runs.
#![cfg(all(feature = "sqlite", feature = "charts"))]

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use justone_xhs::mock::{DemoServer, FIXTURE_PAGES};
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

mod support;

use support::{Stop, binary, finished, run, signal};

fn read(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    read(db).query_row(sql, [], |row| row.get(0)).unwrap()
}

/// Likes added to the fixture items at these positions for the second run.
const GROWTH: [(usize, i64); 4] = [(3, 500), (7, 300), (0, 100), (12, -40)];

/// A database with two runs of the food channel's first page, the second
/// with [`GROWTH`] applied; returns it with each position's note id and
/// author id.
fn two_runs(dir: &Path) -> (std::path::PathBuf, Vec<(String, Option<String>)>) {
    let db = dir.join("notes.db");
    let args = ["-c", "food", "-o", db.to_str().unwrap()];
    let first = DemoServer::builder().pages(1).start();
    let out = run(&first.base_url(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let conn = read(&db);
    let mut query = conn
        .prepare("SELECT o.note_id, n.author_id, o.likes FROM observations o JOIN notes n ON n.id = o.note_id ORDER BY o.position")
        .unwrap();
    let seen: Vec<(String, Option<String>, i64)> = query
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut page: Value = serde_json::from_str(FIXTURE_PAGES[0]).unwrap();
    for (position, growth) in GROWTH {
        page["data"][position]["likes"] = json!(seen[position].2 + growth);
    }
    let second = DemoServer::builder()
        .pages(1)
        .fixture_pages(vec![page.to_string()])
        .start();
    let out = run(&second.base_url(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (db, seen.into_iter().map(|(id, author, _)| (id, author)).collect())
}

fn trends(args: &[&str]) -> (i32, String, String) {
    let out = finished(binary(&[&["trends"][..], args].concat()).output().unwrap());
    (out.code, out.stdout, out.stderr)
}

#[test]
fn trends_rank_notes_and_creators_by_growth_between_runs_and_chart_them() {
    let dir = tempfile::tempdir().unwrap();
    let (db, notes) = two_runs(dir.path());
    let chart = dir.path().join("trends.svg");
    let (code, stdout, stderr) = trends(&[
        db.to_str().unwrap(),
        "--channel",
        "美食",
        "--since",
        "1h",
        "--format",
        "json",
        "--limit",
        "3",
        "--chart",
        chart.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let found: Value = serde_json::from_str(&stdout).unwrap();
    let ranked: Vec<(&str, i64)> = found["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["growth"].as_i64().unwrap()))
        .collect();
    let expected: Vec<(&str, i64)> = GROWTH[..3]
        .iter()
        .map(|(position, growth)| (notes[*position].0.as_str(), *growth))
        .collect();
    assert_eq!(ranked, expected);
    assert_eq!(found["notes"][0]["sightings"], 2);

    // Creators: the summed growth of their notes decides.
    let mut by_author: HashMap<&str, i64> = HashMap::new();
    for (position, growth) in GROWTH {
        let author = notes[position]
            .1
            .as_deref()
            .expect("the fixture items that grow have authors");
        *by_author.entry(author).or_default() += growth;
    }
    let top = by_author.iter().max_by_key(|(_, growth)| **growth).unwrap();
    assert_eq!(found["creators_fastest_growing"][0]["id"], *top.0);
    assert_eq!(found["creators_fastest_growing"][0]["growth"], *top.1);
    let most_seen = &found["creators_most_seen"][0];
    assert!(most_seen["notes"].as_u64().unwrap() >= 1);

    // The chart: an SVG document with a line over time per top note, in
    // the colours of its legend, which names them in rank order.
    let svg = std::fs::read_to_string(&chart).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let legend: Vec<&str> = document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .filter(|text| text.contains("(+"))
        .collect();
    let growths: Vec<String> = legend
        .iter()
        .filter_map(|text| {
            text.rsplit_once("(+")
                .map(|(_, n)| n.trim().trim_end_matches(')').to_owned())
        })
        .collect();
    assert_eq!(growths, ["500", "300", "100"], "{legend:?}");
    let lines: Vec<(&str, Vec<f64>)> = document
        .descendants()
        .filter(|node| node.has_tag_name("polyline") && node.attribute("stroke-width") == Some("2"))
        .map(|node| {
            let xs = node
                .attribute("points")
                .unwrap()
                .split_whitespace()
                .map(|point| point.split(',').next().unwrap().parse().unwrap())
                .collect();
            (node.attribute("stroke").unwrap(), xs)
        })
        .collect();
    // A series spans the plot from the first run to the second; a legend
    // sample is 16 pixels long.
    let series: Vec<&str> = lines
        .iter()
        .filter(|(_, xs)| xs.len() == 2 && xs[1] - xs[0] > 100.0)
        .map(|(colour, _)| *colour)
        .collect();
    assert_eq!(series.len(), 3, "{lines:?}");
    for colour in &series {
        assert!(
            lines.iter().any(|(c, xs)| c == colour && xs[1] - xs[0] <= 16.0),
            "a legend sample in {colour}"
        );
    }

    // The table says the same, the largest growth first.
    let (code, table, _) = trends(&[db.to_str().unwrap(), "--limit", "2"]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = table.lines().skip(2).take(2).collect();
    assert!(rows[0].trim_start().starts_with("+500"), "{table}");
    assert!(rows[1].trim_start().starts_with("+300"), "{table}");

    // Another channel has no sightings.
    let (code, none, _) = trends(&[db.to_str().unwrap(), "-c", "travel", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&none).unwrap()["notes"], json!([]));
}

#[test]
fn trends_refuse_what_is_not_a_database_of_this_tool() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    for (args, code) in [
        (vec![text.to_str().unwrap()], 1),
        (vec!["missing.db"], 1),
        (vec![text.to_str().unwrap(), "--since", "yesterday"], 2),
        (vec![text.to_str().unwrap(), "-c", "nowhere"], 2),
    ] {
        let (got, _, stderr) = trends(&args);
        assert_eq!(got, code, "{args:?}: {stderr}");
    }
}

#[test]
fn every_adds_one_run_per_interval_until_for_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let server = DemoServer::builder().pages(1).start();
    let started = Instant::now();
    let out = run(
        &server.base_url(),
        &[
            "-c",
            "food",
            "--every",
            "1s",
            "--for",
            "3s",
            "-o",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "three runs, a second apart"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
        3
    );
    assert_eq!(count(&db, "SELECT count(*) FROM runs"), 3);
    assert_eq!(server.requests(), 3, "one page per run");
    assert_eq!(count(&db, "SELECT count(DISTINCT run_id) FROM observations"), 3);

    let refused = run(&server.base_url(), &["-c", "food", "--every", "1s"]);
    assert_eq!(refused.code, 2, "stdout is no database: {}", refused.stderr);
    assert_eq!(server.requests(), 3);
}

/// A run of a series stopped by the budget prints a continue command that
/// works: it finishes that run (`--resume`, without `--every`, which it
/// conflicts with), buying only the pages left.
#[test]
fn a_stopped_run_of_a_series_is_continued_by_the_command_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let server = DemoServer::builder().pages(3).start();
    let db_arg = db.to_str().unwrap();
    let args = [
        "-c",
        "food",
        "--pages",
        "3",
        "--every",
        "1h",
        "--for",
        "1s",
        "--max-requests",
        "2",
        "-o",
        db_arg,
    ];
    let first = run(&server.base_url(), &args);
    assert_eq!(first.code, 10, "{}", first.stderr);
    let line = first
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("continue with: "))
        .unwrap_or_else(|| panic!("no continue command: {}", first.stderr));
    let words = shell_words::split(line).unwrap();
    assert!(!words.iter().any(|w| w == "--every" || w == "--for"), "{line}");
    let words: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let again = finished(binary(&words).output().unwrap());
    assert_eq!(again.code, 0, "{line}: {}", again.stderr);
    assert_eq!(server.requests(), 3, "each page bought once");
}

#[test]
fn a_signal_between_runs_ends_the_series_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let server = DemoServer::builder().pages(1).start();
    let mut child = support::command(
        &server.base_url(),
        &["-c", "food", "--every", "2s", "-o", db.to_str().unwrap()],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    // Two runs complete; the third is not due for almost two seconds.
    let complete = || {
        // The file may exist before its tables do.
        Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|conn| {
                conn.query_row("SELECT count(*) FROM runs WHERE status = 'complete'", [], |row| {
                    row.get(0)
                })
            })
            .unwrap_or(0)
    };
    while complete() != 2 {
        assert!(Instant::now() < deadline, "two runs never completed");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&mut child, Stop::Term);
    let out = finished(child.wait_with_output().unwrap());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("stopped by SIGTERM between runs"),
        "{}",
        out.stderr
    );
    assert_eq!(count(&db, "SELECT count(*) FROM runs"), 2);
    assert_eq!(server.requests(), 2);
}
