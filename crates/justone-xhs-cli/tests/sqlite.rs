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
use serde_json::Value;

mod support;

use support::{Stop, TOKEN, command, finished, next, resume_after, run, stop_run};

fn read(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    read(db).query_row(sql, [], |row| row.get(0)).unwrap()
}

/// The database's records (the `records` view), in run, channel, page and
/// position order, without `fetched_at`: the one field two runs of the
/// same pages write differently.
fn export(db: &Path) -> Vec<Value> {
    let conn = read(db);
    let mut query = conn
        .prepare("SELECT record FROM records ORDER BY run_id, channel, page, position")
        .unwrap();
    query
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(|record| without_fetch_time(serde_json::from_str(&record.unwrap()).unwrap()))
        .collect()
}

/// `record` without `fetched_at`, after checking that it is RFC 3339 UTC
/// with milliseconds (`2026-11-27T10:00:00.123Z`).
fn without_fetch_time(mut record: Value) -> Value {
    let at = record
        .as_object_mut()
        .and_then(|r| r.remove("fetched_at"))
        .unwrap_or_default();
    let at = at.as_str().unwrap_or_default();
    let shape = at.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        19 => b == b'.',
        23 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    assert!(at.len() == 24 && shape, "fetched_at {at:?}");
    record
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The jsonl records of `text`, without `fetched_at`.
fn jsonl_records(text: &str) -> Vec<Value> {
    jsonl(text).into_iter().map(without_fetch_time).collect()
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

    let expected = by_channel_and_page(jsonl_records(&lines.stdout));
    assert_eq!(expected.len(), 2 * 3 * 20);
    // The records view is the jsonl, request ids included: the demo
    // server's are `demo-OID-PAGE`.
    assert_eq!(export(&db), expected);
    for record in &expected {
        let sent = format!("demo-{}-{}", record["channel"].as_str().unwrap(), record["page"]);
        assert_eq!(record["request_id"], sent.as_str());
    }

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
    assert_eq!(count(&db, "PRAGMA user_version"), 3);
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
        let out = finished(as_nobody(&server, &db).output().unwrap());
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("cannot be written"), "{}", out.stderr);
        assert_eq!(std::fs::read(&db).unwrap(), before);
        assert_eq!(server.requests(), requests);
    } else {
        refused(&server, &db, &[], 1, "cannot be written");
    }
}

/// A harvest of the database at `db` run as the user nobody (root only),
/// from a copy of the binary beside it: the build's own directory may sit
/// under a home that only its owner may enter.
fn as_nobody(server: &DemoServer, db: &Path) -> Command {
    let binary = db.with_file_name("justone-xhs");
    if !binary.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_justone-xhs"), &binary).unwrap();
    }
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&binary)
        .args(["feed", "--base-url", &server.base_url(), "-q", "-c", "food", "-o"])
        .arg(db)
        .env("JUST_ONE_API_TOKEN", TOKEN);
    command
}

/// A database two users write in turn (a shared directory, the file
/// writable by both): the second takes the run lock through the lock file
/// the first made, which it may not write (on a local file system a lock
/// needs no write access). Run as another user where this test is root;
/// otherwise the lock file is made read-only to its owner, which the run
/// meets the same way. One it cannot read stops the dry run as the run.
#[test]
fn another_user_can_continue_a_shared_database() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let server = DemoServer::builder().pages(2).start();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().metadata().unwrap().uid() == 0;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = dir.path().join("notes.db");
    let args = ["-c", "food", "-o", db.to_str().unwrap()];
    assert_eq!(run(&server.base_url(), &args).code, 0);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o666)).unwrap();
    let lock = dir.path().join("notes.db.lock");
    let mode = if root { 0o644 } else { 0o444 };
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(mode)).unwrap();
    let second_user = |extra: &[&str]| match root {
        true => finished(as_nobody(&server, &db).args(extra).output().unwrap()),
        false => run(&server.base_url(), &[&args[..], extra].concat()),
    };
    let out = second_user(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.requests(), 2, "both runs bought their page");

    // A lock file the user cannot even read: the dry run says so as the
    // real run does, and nothing is sent.
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o000)).unwrap();
    for extra in [&["--dry-run"][..], &[]] {
        let out = second_user(extra);
        assert_eq!(out.code, 1, "{extra:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("notes.db.lock: Permission denied"),
            "{extra:?}: {}",
            out.stderr
        );
    }
    assert_eq!(server.requests(), 2);
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
    let out = finished(with_file_limit(feed, 320).output().unwrap());
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
    let out = run_with_file_limit(&server.base_url(), &args, 320);
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
    let out = run_with_file_limit(&server.base_url(), &args, 464);
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
/// Whether the database holds a run's row yet.
fn has_run(db: &Path) -> bool {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|conn| conn.query_row("SELECT count(*) FROM runs", [], |row| row.get::<_, i64>(0)))
        .is_ok_and(|n| n > 0)
}

fn wait_for_run(db: &Path) {
    support::wait_until("a run's row", || has_run(db));
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
        let url = server.base_url();
        let args: Vec<&str> = [
            &["feed", "--base-url", url.as_str(), "--quiet"][..],
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat();
        let before = server.requests();
        let pause = Duration::from_millis(next(&mut seed) % 300);
        let first = stop_run(&args, || has_run(&db), stop, pause);
        interrupted += usize::from(first.code != 0);
        resume_after(&args, &first, || {
            count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'") == 1
        });
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

/// Note ids whose title or description a full-text query finds.
fn found(db: &Path, sql: &str, query: &str) -> Vec<String> {
    let conn = read(db);
    let mut statement = conn.prepare(sql).unwrap();
    statement
        .query_map([query], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The README's searches: MATCH for three characters or more, LIKE on the
/// index's columns for one or two (trigrams cannot index those).
const SEARCH: &str = "SELECT note_id FROM notes_fts WHERE notes_fts MATCH ?1 ORDER BY note_id";
const SHORT_SEARCH: &str = r#"SELECT note_id FROM notes_fts WHERE title LIKE '%' || ?1 || '%' OR "desc" LIKE '%' || ?1 || '%' ORDER BY note_id"#;

#[test]
fn full_text_search_finds_chinese_titles_and_follows_changed_notes() {
    let server = DemoServer::builder().pages(2).start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let out = run(
        &server.base_url(),
        &["-c", "food", "--pages", "2", "-o", db.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let titled = |needle: &str| -> Vec<String> {
        let conn = read(&db);
        let mut statement = conn
            .prepare(r#"SELECT id FROM notes WHERE instr(title, ?1) OR instr("desc", ?1) ORDER BY id"#)
            .unwrap();
        statement
            .query_map([needle], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let two = found(&db, SHORT_SEARCH, "穿搭");
    assert!(!two.is_empty());
    assert_eq!(two, titled("穿搭"), "a two-character query");
    let three = found(&db, SEARCH, "番茄牛");
    assert!(!three.is_empty());
    assert_eq!(three, titled("番茄牛"), "a three-character query");

    // A note whose title changes is found by its new title only; one
    // deleted is no longer found.
    let conn = Connection::open(&db).unwrap();
    let id = &three[0];
    conn.execute("UPDATE notes SET title = '春日樱花季' WHERE id = ?1", [id])
        .unwrap();
    conn.execute("DELETE FROM observations WHERE note_id = ?1", [&two[0]])
        .unwrap();
    conn.execute("DELETE FROM notes WHERE id = ?1", [&two[0]])
        .unwrap();
    drop(conn);
    assert_eq!(found(&db, SEARCH, "樱花季"), std::slice::from_ref(id));
    assert_eq!(found(&db, SEARCH, "番茄牛"), titled("番茄牛"));
    assert_eq!(found(&db, SHORT_SEARCH, "穿搭"), titled("穿搭"));
    assert_eq!(
        count(&db, "SELECT count(*) FROM notes_fts"),
        count(&db, "SELECT count(*) FROM notes")
    );
}

/// A database written by schema version 1 (before provenance and search)
/// is migrated when a run opens it: its notes become searchable, its
/// observations appear in the records view without a request id, and the
/// new run's have theirs.
#[test]
fn a_version_1_database_is_migrated_and_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(include_str!("../src/store/schema_v1.sql"))
        .unwrap();
    conn.execute_batch(
        r#"PRAGMA application_id = 1247299667; PRAGMA user_version = 1;
        INSERT INTO runs (id, started_at, finished_at, command, channels, first_page, pages, status)
        VALUES (1, '2026-11-01T08:00:00.000Z', '2026-11-01T08:00:01.000Z', 'justone-xhs feed -o old.db',
                '["homefeed_food_v3"]', 1, 1, 'complete');
        INSERT INTO notes (id, type, title, "desc", likes, first_seen, last_seen, raw)
        VALUES ('old-1', 'normal', '老店的红烧肉', '五花肉', 7, '2026-11-01T08:00:00.500Z',
                '2026-11-01T08:00:00.500Z', '{"id":"old-1"}');
        INSERT INTO observations (run_id, channel, page, position, note_id, fetched_at, likes)
        VALUES (1, 'homefeed_food_v3', 1, 1, 'old-1', '2026-11-01T08:00:00.500Z', 7);
        INSERT INTO progress VALUES (1, 'homefeed_food_v3', 1, 'written', 1, '2026-11-01T08:00:00.500Z', NULL);"#,
    )
    .unwrap();
    drop(conn);

    let server = DemoServer::builder().pages(1).start();
    let out = run(&server.base_url(), &["-c", "food", "-o", db.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(count(&db, "PRAGMA user_version"), 3);
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
        2
    );
    assert_eq!(found(&db, SEARCH, "红烧肉"), ["old-1"]);
    assert_eq!(found(&db, SHORT_SEARCH, "老店"), ["old-1"]);
    let old: String = read(&db)
        .query_row("SELECT record FROM records WHERE run_id = 1", [], |row| {
            row.get(0)
        })
        .unwrap();
    let old: Value = serde_json::from_str(&old).unwrap();
    assert_eq!(old["title"], "老店的红烧肉");
    assert_eq!(old["request_id"], Value::Null);
    assert_eq!(old["fetched_at"], "2026-11-01T08:00:00.500Z");
    let new = export(&db);
    assert_eq!(new.len(), 21);
    assert!(
        new[1..]
            .iter()
            .all(|r| r["request_id"] == "demo-homefeed_food_v3-1")
    );
}
