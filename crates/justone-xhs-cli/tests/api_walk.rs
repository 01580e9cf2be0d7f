//! `api --pages` through the binary, against a local server that pages as
//! the documents describe: walked to the end with one request per page,
//! killed and resumed with every page exactly once, held to a budget, and
//! continued with the command it prints.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use httpmock::prelude::*;
use support::{Stop, binary, comment_page, finished, resume_after, stop_run};

const COMMENTS: &str = "/api/xiaohongshu/get-note-comment/v2";

/// Five pages of comments chained by `data.cursor` (`c1` … `c4`), each
/// answered after `delay`; the mock counts the requests.
fn comments(server: &MockServer, delay: Duration) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.path(COMMENTS);
        then.respond_with(move |request| {
            let query: HashMap<String, String> = request.query_params().into_iter().collect();
            std::thread::sleep(delay);
            httpmock::HttpMockResponse::builder()
                .status(200)
                .body(comment_page(query.get("lastCursor").map(String::as_str)))
                .build()
        });
    })
}

/// The comments walk of `comments`, up to 50 pages, into `output`.
fn comments_walk<'a>(output: &'a str, url: &'a str) -> [&'a str; 11] {
    [
        "api",
        "getApiXiaohongshuGetNoteCommentV2",
        "-p",
        "noteId=n",
        "--pages",
        "50",
        "-o",
        output,
        "--base-url",
        url,
        "--quiet",
    ]
}

fn api(server: &MockServer, args: &[&str]) -> support::Run {
    let url = server.base_url();
    let mut all = vec!["api", "--base-url", url.as_str(), "--quiet"];
    all.extend_from_slice(args);
    finished(binary(&all).output().unwrap())
}

/// The ids of the lines written, in order.
fn ids(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let data: serde_json::Value = serde_json::from_str(line).unwrap();
            data["comments"][0]["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_cursor_walk_and_a_page_walk_end_where_the_answers_say() {
    let server = MockServer::start();
    let mock = comments(&server, Duration::ZERO);
    let out = api(
        &server,
        &[
            "getApiXiaohongshuGetNoteCommentV2",
            "-p",
            "noteId=n",
            "--pages",
            "50",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ids(&out.stdout), ["k1", "k2", "k3", "k4", "k5"]);
    assert_eq!(mock.calls(), 5, "one request per page, none past the end");

    let pages = MockServer::start();
    let search = pages.mock(|when, then| {
        when.path("/api/xiaohongshu/search-note/v2");
        then.respond_with(|request| {
            let query: HashMap<String, String> = request.query_params().into_iter().collect();
            let page: u32 = query.get("page").map_or(1, |p| p.parse().unwrap());
            httpmock::HttpMockResponse::builder()
                .status(200)
                .body(format!(
                    r#"{{"code":0,"data":{{"items":[{{"id":"p{page}"}}],"has_more":{}}}}}"#,
                    page < 3
                ))
                .build()
        });
    });
    let out = api(
        &pages,
        &["getApiXiaohongshuSearchNoteV2", "-p", "keyword=k", "--pages", "9"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 3);
    assert_eq!(search.calls(), 3);
}

/// What the README promises of `--demo`: every paged operation has 10 pages
/// of 10 items, so a walk needs no token and ends on its own.
#[test]
fn the_demo_pages_every_paged_operation_ten_times() {
    for (operation, param) in [
        ("getApiXiaohongshuGetNoteCommentV2", "noteId=n"),
        ("getApiXiaohongshuSearchNoteV2", "keyword=k"),
    ] {
        let out = finished(
            binary(&["api", operation, "-p", param, "--pages", "50", "--demo"])
                .env_remove("JUST_ONE_API_TOKEN")
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 0, "{operation}: {}", out.stderr);
        let pages: Vec<serde_json::Value> = out
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(pages.len(), 10, "{operation}");
        assert!(
            pages
                .iter()
                .all(|p| p["items"].as_array().map(Vec::len) == Some(10))
        );
        assert!(out.stderr.contains("10 pages, 10 requests"), "{}", out.stderr);
    }
}

/// The interrupt-and-resume trial of every output, on a paged `api`: each
/// stop (SIGKILL, SIGINT, SIGTERM) mid-walk, then `--resume`, gives every
/// page exactly once, and nothing is left to resume after.
#[test]
fn a_stopped_walk_resumes_with_every_page_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start();
    let mock = comments(&server, Duration::from_millis(250));
    let url = server.base_url();
    for (round, stop) in [Stop::Kill, Stop::Int, Stop::Term].into_iter().enumerate() {
        let path = dir.path().join(format!("comments-{round}.jsonl"));
        let path = path.to_str().unwrap();
        let args = comments_walk(path, &url);
        let checkpoint = std::path::PathBuf::from(format!("{path}.checkpoint"));
        let first = stop_run(&args, || checkpoint.exists(), stop, Duration::from_millis(700));
        let before = ids(&std::fs::read_to_string(path).unwrap());
        assert!(
            first.code != 0 && before.len() < 5,
            "{stop:?}: stopped mid-walk: {before:?}"
        );
        resume_after(&args, &first, || !checkpoint.exists());
        assert_eq!(
            ids(&std::fs::read_to_string(path).unwrap()),
            ["k1", "k2", "k3", "k4", "k5"],
            "{stop:?}"
        );
        assert!(!checkpoint.exists());
        let sent = mock.calls();
        let again = finished(binary(&[&args[..], &["--resume"]].concat()).output().unwrap());
        assert_eq!(again.code, 2, "{}", again.stderr);
        assert_eq!(mock.calls(), sent, "nothing to resume, nothing sent");
    }
    // Five pages a round, and at most the page in flight at each kill twice.
    assert!(mock.calls() <= 3 * 5 + 3, "{}", mock.calls());
}

#[test]
fn a_budget_stops_the_walk_and_its_continue_commands_finish_it() {
    for output in [None, Some("walk.jsonl")] {
        let dir = tempfile::tempdir().unwrap();
        let server = MockServer::start();
        let mock = comments(&server, Duration::ZERO);
        let file = output.map(|name| dir.path().join(name).to_str().unwrap().to_owned());
        let mut args = vec![
            "getApiXiaohongshuGetNoteCommentV2",
            "-p",
            "noteId=n",
            "--pages",
            "50",
            "--max-requests",
            "2",
        ];
        if let Some(file) = &file {
            args.extend(["-o", file.as_str()]);
        }
        let mut out = api(&server, &args);
        let mut written = out.stdout.clone();
        for _ in 0..2 {
            assert_eq!(out.code, 10, "{output:?}: {}", out.stderr);
            let command = out
                .stderr
                .lines()
                .find_map(|line| line.strip_prefix("continue with: "))
                .unwrap_or_else(|| panic!("{}", out.stderr))
                .to_owned();
            let words = shell_words::split(&command).unwrap();
            let words: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            out = finished(binary(&words).output().unwrap());
            written.push_str(&out.stdout);
        }
        assert_eq!(out.code, 0, "{output:?}: {}", out.stderr);
        if let Some(file) = &file {
            written = std::fs::read_to_string(file).unwrap();
        }
        assert_eq!(ids(&written), ["k1", "k2", "k3", "k4", "k5"], "{output:?}");
        assert_eq!(mock.calls(), 5, "{output:?}: each page bought once");
    }
}

#[test]
fn the_list_covers_every_xiaohongshu_operation_and_marks_the_deprecated() {
    let out = finished(binary(&["api", "--list"]).output().unwrap());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let xiaohongshu: Vec<&str> = out
        .stdout
        .lines()
        .filter(|line| line.contains(" /api/xiaohongshu") && !line.contains("get-note-feed"))
        .collect();
    assert_eq!(xiaohongshu.len(), 54);
    let v7 = xiaohongshu
        .iter()
        .find(|l| l.starts_with("getApiXiaohongshuGetNoteDetailV7 "))
        .unwrap();
    assert!(v7.contains("(deprecated, hidden)"), "{v7}");

    let out = finished(binary(&["api", "--list", "--format", "json"]).output().unwrap());
    let all: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let search = all
        .iter()
        .find(|op| op["id"] == "getApiXiaohongshuSearchNoteV2")
        .unwrap();
    assert_eq!(
        search["paging"],
        serde_json::json!({"kind": "page-number", "param": "page"})
    );
    let note_type = search["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "noteType")
        .unwrap();
    assert_eq!(
        note_type["enum"][1],
        serde_json::json!({"value": "_1", "meaning": "Video"})
    );
    assert_eq!(note_type["default"], "_0");
}

/// `--output FILE.db`: every page with its parameters and the next
/// page's, every item with its raw JSON and its id, a run row; killed and
/// resumed, each page stored once.
#[test]
fn a_walk_into_a_database_stores_pages_and_items_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start();
    let mock = comments(&server, Duration::from_millis(250));
    let url = server.base_url();
    let db = dir.path().join("comments.db");
    let db_text = db.to_str().unwrap();
    let args = comments_walk(db_text, &url);
    let query = |sql: &str| -> i64 {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let first = stop_run(
        &args,
        || query("SELECT count(*) FROM operation_pages") > 0,
        Stop::Kill,
        Duration::ZERO,
    );
    assert!(
        query("SELECT count(*) FROM operation_pages") < 5,
        "killed mid-walk"
    );
    resume_after(&args, &first, || {
        query("SELECT count(*) FROM operation_runs WHERE status = 'complete'") == 1
    });
    assert_eq!(query("SELECT count(*) FROM operation_pages"), 5);
    assert_eq!(query("SELECT count(DISTINCT page) FROM operation_pages"), 5);
    assert_eq!(
        query("SELECT count(*) FROM operation_items WHERE item_id LIKE 'k%'"),
        5
    );
    assert_eq!(
        query("SELECT count(*) FROM operation_pages WHERE next_params IS NULL AND page = 5"),
        1
    );
    assert_eq!(
        query("SELECT count(*) FROM operation_runs WHERE status = 'complete' AND attempts = 2"),
        1
    );
    let raw: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT raw FROM operation_items WHERE page = 3", [], |r| r.get(0))
        .unwrap();
    assert_eq!(raw, r#"{"id":"k3"}"#);
    assert!(
        mock.calls() <= 6,
        "each page bought once, but the one in flight at the kill: {}",
        mock.calls()
    );
}

/// `api --dry-run` refuses what the real walk refuses (an output that holds
/// something, a resume with no checkpoint, a path it cannot create, no
/// token) and changes nothing.
#[cfg(unix)]
#[test]
fn a_dry_run_makes_the_real_walks_checks() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.jsonl");
    std::fs::write(&full, "{}\n").unwrap();
    let full = full.to_str().unwrap();
    let walk = [
        "api",
        "getApiXiaohongshuGetNoteCommentV2",
        "-p",
        "noteId=n",
        "--demo",
        "--dry-run",
    ];
    for (extra, says) in [
        (vec!["-o", full], "exists and is not empty"),
        (vec!["-o", full, "--resume"], "nothing to resume"),
    ] {
        let out = finished(binary(&[&walk[..], &extra[..]].concat()).output().unwrap());
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{extra:?}: {}", out.stderr);
    }
    assert_eq!(std::fs::read_to_string(full).unwrap(), "{}\n");
    // Paths the real walk cannot create: a directory, a missing directory,
    // a symbolic link to nowhere.
    let dangling = dir.path().join("dangling.jsonl");
    std::os::unix::fs::symlink(dir.path().join("none/x"), &dangling).unwrap();
    for path in [
        dir.path().to_path_buf(),
        dir.path().join("none/x.jsonl"),
        dangling,
    ] {
        let path = path.to_str().unwrap();
        for dry in [true, false] {
            let args: Vec<&str> = walk
                .iter()
                .copied()
                .filter(|a| dry || *a != "--dry-run")
                .collect();
            let out = finished(binary(&[&args[..], &["-o", path]].concat()).output().unwrap());
            assert_eq!(out.code, 1, "{path} (dry run: {dry}): {}", out.stderr);
            assert!(out.stderr.contains("cannot create"), "{path}: {}", out.stderr);
        }
    }
    let no_token = finished(
        binary(&[
            "api",
            "getApiXiaohongshuGetNoteCommentV2",
            "-p",
            "noteId=n",
            "--dry-run",
        ])
        .env_remove("JUST_ONE_API_TOKEN")
        .output()
        .unwrap(),
    );
    assert_eq!(no_token.code, 3, "{}", no_token.stderr);
}
