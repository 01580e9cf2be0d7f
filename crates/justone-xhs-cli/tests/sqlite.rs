//! `--format sqlite`: the database reads back as the jsonl of the same
//! pages, repeated runs add history without duplicating notes, a killed run
//! resumes with every page exactly once, and a file that cannot be used is
//! refused before any request and left as it was.
#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use justone_xhs::mock::{DemoServer, Fault};
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

mod support;

use support::{Stop, TOKEN, command, finished, next, run, signal};

fn read(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    read(db).query_row(sql, [], |row| row.get(0)).unwrap()
}

/// The observations of the database as jsonl records, in channel, page and
/// position order: the query the README gives for an export.
fn export(db: &Path) -> Vec<Value> {
    let conn = read(db);
    let mut query = conn
        .prepare(
            r#"SELECT o.channel, o.page, n.id, n.type, n.title, n."desc", o.likes,
                      n.author_id, n.author_nickname, n.category_id, n.category_name,
                      n.timestamp, n.is_ads, n.cover
               FROM observations o JOIN notes n ON n.id = o.note_id
               ORDER BY o.run_id, o.channel, o.page, o.position"#,
        )
        .unwrap();
    query
        .query_map([], |row| {
            let text = |i| row.get::<_, Option<String>>(i);
            let category = match (text(9)?, text(10)?) {
                (Some(id), Some(name)) => json!({"id": id, "name": name}),
                _ => Value::Null,
            };
            Ok(json!({
                "channel": text(0)?,
                "page": row.get::<_, u32>(1)?,
                "id": text(2)?,
                "type": text(3)?,
                "title": text(4)?,
                "desc": text(5)?,
                "likes": row.get::<_, Option<i64>>(6)?,
                "author": {"id": text(7)?, "nickname": text(8)?},
                "category": category,
                "timestamp": row.get::<_, Option<i64>>(11)?,
                "is_ads": row.get::<_, Option<bool>>(12)?,
                "cover": text(13)?,
            }))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Records in channel, then page order (stable: positions keep their order).
fn by_channel_and_page(mut records: Vec<Value>) -> Vec<Value> {
    records.sort_by_key(|r| {
        (
            r["channel"].as_str().unwrap_or_default().to_owned(),
            r["page"].as_u64(),
        )
    });
    records
}

#[test]
fn a_database_reads_back_equal_to_the_jsonl_of_the_same_pages() {
    let server = DemoServer::builder().pages(3).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let pages = ["--channel", "food,travel", "--pages", "4"];
    let lines = run(&server.base_url(), &pages);
    assert_eq!(lines.code, 0, "{}", lines.stderr);
    let raw = run(&server.base_url(), &[&pages[..], &["--raw"]].concat());
    let stored = run(
        &server.base_url(),
        &[&pages[..], &["-o", db.to_str().unwrap()]].concat(),
    );
    assert_eq!(stored.code, 0, "{}", stored.stderr);
    assert!(stored.stdout.is_empty());

    let expected = by_channel_and_page(jsonl(&lines.stdout));
    assert_eq!(expected.len(), 2 * 3 * 20);
    assert_eq!(export(&db), expected);

    // The raw items as received (`--raw` prints them compacted).
    let conn = read(&db);
    for item in jsonl(&raw.stdout) {
        let id = item["id"].as_str().unwrap();
        let kept: String = conn
            .query_row("SELECT raw FROM notes WHERE id = ?1", [id], |row| row.get(0))
            .unwrap();
        assert_eq!(serde_json::from_str::<Value>(&kept).unwrap(), item, "{id}");
    }
    // Each page and each end of a feed has its progress row.
    assert_eq!(
        count(&db, "SELECT count(*) FROM progress WHERE state = 'written'"),
        6
    );
    assert_eq!(count(&db, "SELECT count(*) FROM progress WHERE state = 'end'"), 2);
    let (status, requests, command): (String, i64, String) = conn
        .query_row("SELECT status, requests, command FROM runs", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap();
    assert_eq!(status, "complete");
    assert_eq!(requests, 8, "six pages and two ends");
    assert_eq!(server.requests(), 3 * 8, "three runs of the same pages");
    assert!(
        command.starts_with("justone-xhs feed --channel food,travel --pages 4"),
        "{command}"
    );
    drop(conn);
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "the token is never stored"
        );
    }
}

#[test]
fn credentials_in_the_base_url_are_not_recorded() {
    let server = DemoServer::builder().pages(1).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.sqlite");
    let url = server.base_url().replace("http://", "http://user:pw-SECRET@");
    let out = run(&url, &["-o", db.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let command: String = read(&db)
        .query_row("SELECT command FROM runs", [], |row| row.get(0))
        .unwrap();
    assert!(
        !command.contains("SECRET") && command.contains("--base-url http://127.0.0.1"),
        "{command}"
    );
}

#[test]
fn a_repeated_run_adds_history_and_never_duplicates_a_note() {
    let server = DemoServer::builder().pages(5).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let output = ["-o", db.to_str().unwrap()];
    let args = [&["--channel", "food,travel", "--pages", "2"], &output[..]].concat();
    assert_eq!(run(&server.base_url(), &args).code, 0);
    let notes = |db: &Path| -> Vec<(String, String, String)> {
        let conn = read(db);
        let mut query = conn
            .prepare("SELECT id, first_seen, raw FROM notes ORDER BY id")
            .unwrap();
        query
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let first = notes(&db);
    assert_eq!(first.len(), 80);

    let again = run(&server.base_url(), &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(notes(&db), first, "the same notes, first seen in the first run");
    assert_eq!(count(&db, "SELECT count(*) FROM observations"), 160);
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
        2
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM notes WHERE last_seen > first_seen"),
        80,
        "every note seen again"
    );
    let exported = export(&db);
    assert_eq!(exported[..80], exported[80..], "both runs saw the same pages");

    // --dedup changes nothing: notes are unique by construction.
    let more = run(
        &server.base_url(),
        &[
            &["--channel", "food,travel", "--pages", "3", "--dedup"],
            &output[..],
        ]
        .concat(),
    );
    assert_eq!(more.code, 0, "{}", more.stderr);
    assert_eq!(count(&db, "SELECT count(*) FROM notes"), 120);
    assert_eq!(count(&db, "SELECT count(*) FROM observations"), 280);
}

#[test]
fn an_empty_file_is_migrated_and_a_newer_schema_is_refused() {
    let server = DemoServer::builder().pages(1).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let out = run(&server.base_url(), &["-o", db.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(count(&db, "PRAGMA user_version"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM notes"), 20);

    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let requests = server.requests();
    let out = run(&server.base_url(), &["-o", db.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("schema version 99, newer"), "{}", out.stderr);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(server.requests(), requests);
}

/// Runs the command on `file` and checks that it fails with `code` and
/// `message`, sends no request and leaves the file and its directory as
/// they were.
fn refused(server: &DemoServer, file: &Path, args: &[&str], code: i32, message: &str) {
    let before = std::fs::read(file).ok();
    let listing = || {
        let mut names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let files = listing();
    let requests = server.requests();
    let started = Instant::now();
    let out = finished(args_for(server, file, args).output().unwrap());
    assert_eq!(out.code, code, "{}", out.stderr);
    assert!(out.stderr.contains(message), "{message:?} in {}", out.stderr);
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
    assert_eq!(std::fs::read(file).ok(), before, "{} was changed", file.display());
    assert_eq!(listing(), files, "no file was added beside it");
    assert_eq!(server.requests(), requests, "no request");
}

fn args_for(server: &DemoServer, file: &Path, args: &[&str]) -> Command {
    let mut all = vec!["-c", "food", "-o", file.to_str().unwrap()];
    all.extend_from_slice(args);
    command(&server.base_url(), &all)
}

#[test]
fn a_corrupt_or_foreign_file_is_refused_and_left_alone() {
    let server = DemoServer::builder().pages(2).start();
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        (0..8192u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    refused(&server, &garbage, &[], 1, "is not an SQLite database");

    let damaged = dir.path().join("damaged.db");
    assert_eq!(
        run(
            &server.base_url(),
            &["-c", "food", "-o", damaged.to_str().unwrap()]
        )
        .code,
        0
    );
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[..16].copy_from_slice(b"SQLite format 2\0");
    std::fs::write(&damaged, &bytes).unwrap();
    refused(&server, &damaged, &[], 1, "is not an SQLite database");

    let foreign = dir.path().join("other.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (x); INSERT INTO notes VALUES (1);")
        .unwrap();
    refused(&server, &foreign, &[], 1, "database of another program");
    refused(&server, &foreign, &["--resume"], 1, "database of another program");
}

#[test]
fn a_read_only_file_is_refused_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let server = DemoServer::builder().pages(2).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    assert_eq!(
        run(&server.base_url(), &["-c", "food", "-o", db.to_str().unwrap()]).code,
        0
    );
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&db).is_ok() {
        // root ignores file modes: run as nobody, who may read the
        // directory but write nothing in it.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let before = std::fs::read(&db).unwrap();
        let requests = server.requests();
        let mut as_nobody = Command::new("setpriv");
        as_nobody
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_justone-xhs"))
            .args(["feed", "--base-url", &server.base_url(), "-q", "-c", "food", "-o"])
            .arg(&db)
            .env("JUST_ONE_API_TOKEN", TOKEN);
        let out = finished(as_nobody.output().unwrap());
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("cannot be written"), "{}", out.stderr);
        assert_eq!(std::fs::read(&db).unwrap(), before);
        assert_eq!(server.requests(), requests);
    } else {
        refused(&server, &db, &[], 1, "cannot be written");
    }
}

#[test]
fn a_busy_database_is_a_clear_error_not_a_hang() {
    let server = DemoServer::builder().pages(2).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    assert_eq!(
        run(&server.base_url(), &["-c", "food", "-o", db.to_str().unwrap()]).code,
        0
    );
    let holder = Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let requests = server.requests();
    let started = Instant::now();
    let out = run(&server.base_url(), &["-c", "food", "-o", db.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("is busy"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(server.requests(), requests);
    holder.execute_batch("COMMIT").unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM runs"), 1);
}

/// `command` run by `sh` with files limited to `kib` KiB and SIGXFSZ
/// ignored: a write past the limit fails (EFBIG) as on a full disk.
fn with_file_limit(command: Command, kib: u32) -> Command {
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("ulimit -f {}; trap '' XFSZ; exec \"$0\" \"$@\"", kib * 2))
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => limited.env(key, value),
            None => limited.env_remove(key),
        };
    }
    limited
}

/// [`run`] with files limited to `kib` KiB.
fn run_with_file_limit(server: &str, args: &[&str], kib: u32) -> support::Run {
    finished(with_file_limit(command(server, args), kib).output().unwrap())
}

#[test]
fn a_database_that_cannot_grow_stops_requests_and_resumes_whole() {
    let server = DemoServer::builder().pages(10).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let args = [
        "-c",
        "food,travel",
        "--pages",
        "10",
        "--concurrency",
        "2",
        "-o",
        db.to_str().unwrap(),
    ];
    let out = run_with_file_limit(&server.base_url(), &args, 1024);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("cannot write the output"), "{}", out.stderr);
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
    let stored = count(&db, "SELECT count(*) FROM progress WHERE state = 'written'");
    assert!((1..20).contains(&stored), "{stored} pages stored");
    // The pages stored, the one that failed, and a request per channel on
    // its way when it failed (the failure cancels the rest): nothing is
    // bought past that.
    assert!(
        server.requests() as i64 <= stored + 1 + 2,
        "{} requests for {stored} pages",
        server.requests()
    );
    assert_eq!(
        read(&db)
            .query_row("PRAGMA integrity_check", [], |row| row.get::<_, String>(0))
            .unwrap(),
        "ok"
    );
    // The report says where each channel stands in the database, not where
    // the harvest had got to when the page being stored failed.
    for (slug, oid) in [("food", "homefeed_food_v3"), ("travel", "homefeed_travel_v3")] {
        let next = count(
            &db,
            &format!("SELECT coalesce(max(page), 0) + 1 FROM progress WHERE channel = '{oid}'"),
        );
        assert!(
            out.stderr.contains(&format!("{slug} at page {next}")),
            "{slug} stands at page {next}: {}",
            out.stderr
        );
    }

    let resumed = run(&server.base_url(), &[&args[..], &["--resume"]].concat());
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(
        count(&db, "SELECT count(*) FROM progress WHERE state = 'written'"),
        20
    );
    assert_eq!(count(&db, "SELECT count(*) FROM observations"), 20 * 20);
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
        1
    );
}

#[test]
fn a_last_page_that_cannot_be_stored_leaves_the_run_unfinished() {
    let server = DemoServer::builder().pages(10).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let args = ["-c", "food", "--pages", "1", "-o", db.to_str().unwrap()];
    // Room for the schema and the run, not for the page: its commit fails
    // after the harvest has handed it over, so only the end of the run
    // can tell. Not --quiet: the summary must not count the page.
    let mut feed = support::binary(&["feed", "--base-url", &server.base_url()]);
    feed.args(args);
    let out = finished(with_file_limit(feed, 256).output().unwrap());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("0 pages, 0 items"), "{}", out.stderr);
    assert!(out.stderr.contains("cannot write the output"), "{}", out.stderr);
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
    assert_eq!(server.requests(), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM progress"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM runs WHERE status = 'failed'"), 1);

    let resumed = run(&server.base_url(), &[&args[..], &["--resume"]].concat());
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(count(&db, "SELECT count(*) FROM observations"), 20);
}

#[test]
fn a_page_that_cannot_be_stored_stops_the_retries_of_the_next() {
    // Page 2 is retried with back-off; page 1 cannot be stored. Without
    // the store cancelling the client, every retry would still be bought.
    let server = DemoServer::builder()
        .pages(10)
        .fault(Fault::HttpStatus(503))
        .fault_from_request(2)
        .start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let args = [
        "-c",
        "food",
        "--pages",
        "3",
        "--retries",
        "3",
        "-o",
        db.to_str().unwrap(),
    ];
    let out = run_with_file_limit(&server.base_url(), &args, 256);
    assert!(server.requests() <= 2, "page 1, page 2 at most once: no retry");
    assert!(out.stderr.contains("cannot write the output"), "{}", out.stderr);
    // Page 2 did not fail for good: its retry was cut short.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("503"), "{}", out.stderr);
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
}

#[test]
fn a_feed_end_that_cannot_be_stored_is_not_called_done() {
    // Each feed ends at page 2; room for one page only. The end pages
    // arrive after the writer has failed: neither channel is done.
    let server = DemoServer::builder().pages(1).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let args = [
        "-c",
        "food,travel",
        "--pages",
        "3",
        "--concurrency",
        "2",
        "-o",
        db.to_str().unwrap(),
    ];
    let out = run_with_file_limit(&server.base_url(), &args, 400);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let ended = count(&db, "SELECT count(*) FROM progress WHERE state = 'end'");
    assert!(
        out.stderr.contains(&format!("channels: {ended} done")),
        "{ended} feed ends stored: {}",
        out.stderr
    );
}

#[test]
fn resume_continues_the_matching_unfinished_run_once() {
    let failing = DemoServer::builder()
        .pages(5)
        .fault(Fault::BusinessCode(303))
        .fault_from_page(2)
        .start();
    let server = DemoServer::builder().pages(5).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let path = db.to_str().unwrap();
    let out = run(
        &server.base_url(),
        &["-c", "food", "--pages", "3", "-o", path, "--resume"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing to resume"), "{}", out.stderr);
    assert!(!db.exists(), "a resume creates nothing");

    let out = run(&failing.base_url(), &["-c", "food", "--pages", "3", "-o", path]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
    let failed: String = read(&db)
        .query_row(
            "SELECT error FROM progress WHERE state = 'failed' AND page = 2",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(failed.contains("injected"), "{failed}");

    let out = run(
        &server.base_url(),
        &["-c", "food", "--pages", "4", "-o", path, "--resume"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--pages is 4, the earlier run used 3"),
        "{}",
        out.stderr
    );
    assert_eq!(server.requests(), 0);

    let out = run(
        &server.base_url(),
        &["-c", "food", "--pages", "3", "-o", path, "--resume"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let food = |page| ("homefeed_food_v3".to_owned(), Some(page));
    assert_eq!(server.requested(), [food(2), food(3)]);
    assert_eq!(count(&db, "SELECT count(*) FROM observations"), 60);
    assert_eq!(
        count(&db, "SELECT count(*) FROM progress WHERE state = 'written'"),
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM runs WHERE status = 'complete' AND attempts = 2"
        ),
        1
    );
    // Both attempts' requests, as the servers counted them: 1 and 2, and
    // the 303 of the first.
    assert_eq!(
        count(&db, "SELECT requests FROM runs"),
        (failing.requests() + server.requests()) as i64
    );
    let out = run(
        &server.base_url(),
        &["-c", "food", "--pages", "3", "-o", path, "--resume"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("every run"), "{}", out.stderr);
}

#[test]
fn overwrite_and_stdout_are_usage_errors_for_a_database() {
    let server = DemoServer::builder().pages(1).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    assert_eq!(run(&server.base_url(), &["-o", db.to_str().unwrap()]).code, 0);
    let out = run(&server.base_url(), &["-o", db.to_str().unwrap(), "--overwrite"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("earlier runs are kept"), "{}", out.stderr);
    let out = run(&server.base_url(), &["--format", "sqlite"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = run(&server.base_url(), &["-o", db.to_str().unwrap(), "--raw"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // An explicit text format wins over the file name.
    let text = dir.path().join("lines.db");
    let out = run(
        &server.base_url(),
        &["-o", text.to_str().unwrap(), "--format", "jsonl"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&text).unwrap().lines().count(), 20);
    assert_eq!(server.requests(), 2);
}

// ---- interruption and resume ----

/// Waits (boundedly) until the run's row is committed: its signal handlers
/// are installed by then, and there is a run to resume.
fn wait_for_run(db: &Path) {
    for _ in 0..1000 {
        let runs = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|conn| conn.query_row("SELECT count(*) FROM runs", [], |row| row.get::<_, i64>(0)));
        if runs.is_ok_and(|n| n > 0) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("{} never got a run", db.display());
}

#[test]
fn a_database_moved_away_during_the_run_is_an_error_not_a_silent_success() {
    let server = DemoServer::builder()
        .pages(10)
        .latency(Duration::from_millis(30))
        .start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let moved = dir.path().join("moved.db");
    let args = ["-c", "food", "--pages", "10", "-o", db.to_str().unwrap()];
    let child = command(&server.base_url(), &args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_run(&db);
    std::fs::rename(&db, &moved).unwrap();
    let out = finished(child.wait_with_output().unwrap());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("was moved, removed or replaced"),
        "{}",
        out.stderr
    );
    // The pages are where SQLite kept writing: in the file that was moved,
    // whose run is failed, so that moved back it resumes (with nothing to
    // fetch) and completes.
    assert_eq!(count(&moved, "SELECT count(*) FROM observations"), 10 * 20);
    assert_eq!(
        count(&moved, "SELECT count(*) FROM runs WHERE status = 'failed'"),
        1
    );
    std::fs::rename(&moved, &db).unwrap();
    let requests = server.requests();
    let resumed = run(&server.base_url(), &[&args[..], &["--resume"]].concat());
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(server.requests(), requests);
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
        1
    );
}

#[test]
fn killed_and_resumed_runs_store_every_page_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::builder()
        .pages(6)
        .latency(Duration::from_millis(15))
        .start();
    let harvest = |db: &Path, concurrency: &str| -> Vec<String> {
        [
            "--channel",
            "food,travel,cosmetics",
            "--pages",
            "6",
            "--concurrency",
            concurrency,
            "-o",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([db.display().to_string()])
        .collect()
    };
    let reference_db = dir.path().join("reference.db");
    let args = harvest(&reference_db, "1");
    let out = run(
        &server.base_url(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected = export(&reference_db);
    assert_eq!(expected.len(), 3 * 6 * 20);

    let planned = 3 * 6;
    let mut seed = 11;
    let mut interrupted = 0;
    let stops = [
        Stop::Kill,
        Stop::Int,
        Stop::Kill,
        Stop::Term,
        Stop::Kill,
        Stop::Kill,
        Stop::Int,
        Stop::Kill,
    ];
    for (round, stop) in stops.into_iter().enumerate() {
        let concurrency = if round % 2 == 0 { "1" } else { "3" };
        let db: PathBuf = dir.path().join(format!("run-{round}.db"));
        let args = harvest(&db, concurrency);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = server.requests();
        let mut child = command(&server.base_url(), &args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_run(&db);
        std::thread::sleep(Duration::from_millis(next(&mut seed) % 300));
        signal(&mut child, stop);
        let first = finished(child.wait_with_output().unwrap());
        interrupted += usize::from(first.code != 0);
        match (stop, first.code) {
            (_, 0) => {}
            (Stop::Int, code) => assert_eq!(code, 130, "{}", first.stderr),
            (Stop::Term, code) => assert_eq!(code, 143, "{}", first.stderr),
            (Stop::Kill, _) => {}
        }
        // A signal after the last page stops nothing: the run is complete.
        let complete = count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'") == 1;
        if first.code != 0 && !complete {
            let resumed = run(&server.base_url(), &[&args[..], &["--resume"]].concat());
            assert_eq!(resumed.code, 0, "round {round} ({stop:?}): {}", resumed.stderr);
        }
        assert!(
            export(&db) == expected,
            "round {round} ({stop:?}): the resumed database differs"
        );
        assert_eq!(count(&db, "SELECT count(*) FROM runs"), 1, "round {round}");
        assert_eq!(
            count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
            1
        );
        assert_eq!(
            count(&db, "SELECT count(*) FROM progress WHERE state = 'written'"),
            18
        );
        let spent = server.requests() - before;
        // Pages, plus what was in flight at the stop (one per channel walked
        // at once) and a page received but not yet committed.
        let slack = concurrency.parse::<usize>().unwrap() + 1;
        assert!(
            spent <= planned + slack,
            "round {round} ({stop:?}): {spent} requests"
        );
    }
    assert!(
        interrupted >= 5,
        "only {interrupted} of {} runs were stopped before they ended",
        stops.len()
    );
}

/// A run the budget stopped was stopped on purpose, like a signal: its row
/// says `interrupted`, and its retries are the ones sent (2 requests, of
/// which 1 retry; the retry the budget refused is not counted).
#[test]
fn a_budget_stop_is_recorded_as_interrupted_with_the_retries_sent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let server = DemoServer::builder().fault(Fault::BusinessCode(301)).start();
    let out = run(
        &server.base_url(),
        &["-c", "food", "--max-requests", "2", "-o", db.to_str().unwrap()],
    );
    assert_eq!(out.code, 10, "{}", out.stderr);
    assert_eq!(server.requests(), 2);
    let row: (String, i64, i64) = read(&db)
        .query_row("SELECT status, requests, retries FROM runs", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(row, ("interrupted".to_owned(), 2, 1));
}
