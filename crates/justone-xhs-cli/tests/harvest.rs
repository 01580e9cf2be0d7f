//! Harvest discipline, counted by the server: no request that cannot be
//! used, a run that stops at once when going on would only cost money, and
//! interrupted runs that resume into exactly what one uninterrupted run
//! writes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use httpmock::prelude::*;
use justone_xhs::mock::{DemoServer, Fault};

mod support;

use support::{Stop, command, finished, next, resume_after, run, signal, stop_run, wait_for};

fn lines_starting(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn all_channels_past_the_end_waste_no_request() {
    let server = DemoServer::builder().pages(50).start();
    let out = run(
        &server.base_url(),
        &[
            "--all-channels",
            "--page",
            "49",
            "--pages",
            "20",
            "--concurrency",
            "16",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 41 * 2 * 20);
    // Pages 49 and 50 of each channel, and page 51, the empty one that ends it.
    assert_eq!(server.requests(), 41 * 3);
    assert!(server.requested().iter().all(|(_, page)| *page <= Some(51)));

    let one = DemoServer::builder().pages(50).start();
    let out = run(
        &one.base_url(),
        &["--channel", "food", "--page", "49", "--pages", "5"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(one.requests(), 3, "page 52 is never asked for");
}

#[test]
fn prefetch_is_opt_in_and_bounded() {
    let server = DemoServer::builder().pages(3).start();
    let out = run(
        &server.base_url(),
        &["--channel", "food", "--pages", "20", "--prefetch", "2"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 60);
    assert!((4..=6).contains(&server.requests()), "{}", server.requests());
}

#[test]
fn a_token_wide_failure_stops_every_channel_at_once_and_is_said_once() {
    for (code, exit) in [(303, 4), (100, 3), (600, 3), (601, 4)] {
        let server = DemoServer::builder().fault(Fault::BusinessCode(code)).start();
        let out = run(
            &server.base_url(),
            &["--all-channels", "--pages", "5", "--concurrency", "4"],
        );
        assert_eq!(out.code, exit, "{code}: {}", out.stderr);
        assert!(server.requests() <= 4, "{code}: {} requests", server.requests());
        assert_eq!(lines_starting(&out.stderr, "error:"), 1, "{}", out.stderr);
        assert_eq!(lines_starting(&out.stderr, "hint:"), 1, "{}", out.stderr);
        assert!(out.stderr.lines().count() <= 6, "{}", out.stderr);
    }
}

#[test]
fn a_failure_from_a_later_request_on_keeps_what_came_before() {
    let server = DemoServer::builder()
        .pages(5)
        .fault(Fault::BusinessCode(601))
        .fault_from_request(3)
        .start();
    let out = run(
        &server.base_url(),
        &["--channel", "food,travel", "--pages", "5", "--concurrency", "1"],
    );
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(server.requests(), 3);
    assert_eq!(out.stdout.lines().count(), 40, "the two good pages are written");
    assert!(out.stderr.contains("error: food page 3"), "{}", out.stderr);
}

#[test]
fn a_persistent_rate_limit_ends_the_run_with_exit_5_within_the_retry_budget() {
    let server = DemoServer::builder().fault(Fault::HttpStatus(429)).start();
    let out = run(
        &server.base_url(),
        &[
            "--all-channels",
            "--pages",
            "3",
            "--retries",
            "2",
            "--concurrency",
            "4",
        ],
    );
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(server.requests() <= 3 * 4, "{} requests", server.requests());
    assert_eq!(lines_starting(&out.stderr, "error:"), 1, "{}", out.stderr);
}

#[test]
fn nothing_is_asked_after_a_failed_page_of_the_same_channel() {
    let server = DemoServer::builder()
        .pages(10)
        .fault(Fault::HttpStatus(502))
        .start();
    let out = run(
        &server.base_url(),
        &["--channel", "food", "--pages", "3", "--retries", "1"],
    );
    assert_eq!(out.code, 6, "{}", out.stderr);
    let pages: Vec<_> = server.requested().into_iter().map(|(_, p)| p).collect();
    assert_eq!(pages, [Some(1), Some(1)], "page 1 and its retry, nothing after");
}

#[test]
fn the_exit_code_follows_the_priority_not_the_arrival_order() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.query_param("oid", "homefeed_food_v3");
        then.status(200)
            .body(r#"{"code":400,"message":"Invalid Parameters","data":null}"#);
    });
    server.mock(|when, then| {
        when.query_param("oid", "homefeed_travel_v3");
        then.status(502)
            .body("<html><title>502 Bad Gateway</title></html>");
    });
    for concurrency in ["1", "2"] {
        for channels in ["food,travel", "travel,food"] {
            let out = run(
                &server.base_url(),
                &[
                    "--channel",
                    channels,
                    "--retries",
                    "0",
                    "--concurrency",
                    concurrency,
                ],
            );
            assert_eq!(out.code, 9, "400 outranks 502 ({channels}): {}", out.stderr);
            assert!(out.stderr.lines().count() <= 7, "{}", out.stderr);
            assert!(
                out.stderr
                    .lines()
                    .any(|l| l.starts_with("channels: 0 done, 2 failed")),
                "{}",
                out.stderr
            );
        }
    }
}

#[test]
fn an_existing_output_is_never_truncated_without_overwrite() {
    let server = DemoServer::builder().start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.jsonl");
    std::fs::write(&file, "precious\n").unwrap();
    let path = file.to_str().unwrap();
    let out = run(&server.base_url(), &["--channel", "food", "-o", path]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--overwrite"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious\n");
    assert_eq!(server.requests(), 0);

    let out = run(
        &server.base_url(),
        &["--channel", "food", "-o", path, "--overwrite"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 20);

    let out = run(&server.base_url(), &["--channel", "food", "-o", "-"]);
    assert_eq!(out.stdout.lines().count(), 20, "`-o -` is stdout");
}

#[test]
fn resume_must_repeat_the_command_and_have_something_to_resume() {
    let server = DemoServer::builder().pages(5).start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let path = path.to_str().unwrap();
    let out = run(
        &server.base_url(),
        &["--channel", "food", "--pages", "3", "-o", path, "--resume"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing to resume"), "{}", out.stderr);

    let failing = DemoServer::builder()
        .pages(5)
        .fault(Fault::BusinessCode(303))
        .fault_from_page(2)
        .start();
    let out = run(
        &failing.base_url(),
        &["--channel", "food", "--pages", "3", "-o", path],
    );
    assert_eq!(out.code, 4);
    let out = run(
        &server.base_url(),
        &["--channel", "food", "--pages", "4", "-o", path, "--resume"],
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
        &["--channel", "food", "--pages", "3", "-o", path, "--resume"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        server.requested(),
        [
            ("homefeed_food_v3".to_owned(), Some(2)),
            ("homefeed_food_v3".to_owned(), Some(3))
        ]
    );
    assert_eq!(std::fs::read_to_string(path).unwrap().lines().count(), 60);
    assert!(
        !Path::new(&format!("{path}.checkpoint")).exists(),
        "a finished run leaves no checkpoint"
    );
}

#[test]
fn a_full_disk_stops_requests_and_exits_1() {
    for concurrency in [1, 2] {
        let server = DemoServer::builder().pages(10).start();
        let out = run(
            &server.base_url(),
            &[
                "--all-channels",
                "--pages",
                "10",
                "--concurrency",
                &concurrency.to_string(),
                "-o",
                "/dev/full",
            ],
        );
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("cannot write the output"), "{}", out.stderr);
        // The page that could not be written, and what was already on its
        // way: one request per channel walked at once.
        assert!(
            server.requests() <= concurrency + 1,
            "concurrency {concurrency}: {} requests",
            server.requests()
        );
    }
}

#[test]
fn a_reader_that_stops_reading_ends_the_run_quietly_in_every_format() {
    use std::io::Read;
    for format in ["jsonl", "json", "csv"] {
        let server = DemoServer::builder().pages(10).start();
        let mut child = command(
            &server.base_url(),
            &["--all-channels", "--pages", "10", "--format", format],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        // `| head -c 100`: far less than a pipe holds of 410 pages.
        let mut stdout = child.stdout.take().unwrap();
        stdout.read_exact(&mut [0; 100]).unwrap();
        drop(stdout);
        let out = finished(child.wait_with_output().unwrap());
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert!(!out.stderr.contains("error"), "{format}: {}", out.stderr);
        assert!(server.requests() < 41 * 10, "{format}: the run stopped");
    }
}

#[test]
fn a_closed_stderr_is_not_a_panic() {
    let server = DemoServer::builder().fault(Fault::BusinessCode(303)).start();
    let output = command(&server.base_url(), &["--channel", "food"])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    // The same with stderr a pipe whose reader is gone.
    let mut child = command(&server.base_url(), &["--channel", "food"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(4));
}

// ---- interruption and resume ----

fn harvest_args(format: &str, output: &Path, concurrency: &str) -> Vec<String> {
    [
        // Every field but fetched_at, the one that differs between runs.
        "--fields",
        "channel,page,id,type,title,desc,likes,author,category,timestamp,is_ads,cover,request_id",
        "--channel",
        "food,travel,cosmetics",
        "--pages",
        "6",
        "--format",
        format,
        "--concurrency",
        concurrency,
        "-o",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([output.display().to_string()])
    .collect()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// One uninterrupted run: the reference output.
fn reference(server: &DemoServer, format: &str, dir: &Path) -> Vec<u8> {
    let path = dir.join(format!("reference.{format}"));
    let out = run(&server.base_url(), &as_strs(&harvest_args(format, &path, "1")));
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::read(path).unwrap()
}

#[test]
fn interrupted_and_resumed_runs_equal_an_uninterrupted_one_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::builder()
        .pages(6)
        .latency(Duration::from_millis(15))
        .start();
    let mut seed = 7;
    let mut interrupted = 0;
    for format in ["jsonl", "csv", "json"] {
        let expected = reference(&server, format, dir.path());
        let planned = 3 * 6; // three channels of six full pages (the limit: no end page)
        for (round, kill) in [
            Stop::Int,
            Stop::Term,
            Stop::Kill,
            Stop::Kill,
            Stop::Int,
            Stop::Kill,
        ]
        .into_iter()
        .enumerate()
        {
            let path: PathBuf = dir.path().join(format!("run-{format}-{round}.{format}"));
            let url = server.base_url();
            let own = harvest_args(format, &path, "1");
            let args = [
                &["feed", "--base-url", url.as_str(), "--quiet"][..],
                &as_strs(&own),
            ]
            .concat();
            let before = server.requests();
            let checkpoint = checkpoint_of(&path);
            let pause = Duration::from_millis(next(&mut seed) % 300);
            let first = stop_run(&args, || checkpoint.exists(), kill, pause);
            interrupted += usize::from(first.code != 0);
            if format == "json" && matches!(kill, Stop::Int | Stop::Term) && first.code != 0 {
                let text = std::fs::read_to_string(&path).unwrap();
                serde_json::from_str::<serde_json::Value>(&text).expect("a closed JSON array");
            }
            resume_after(&args, &first, || !checkpoint.exists());
            let got = std::fs::read(&path).unwrap();
            assert!(
                got == expected,
                "{format} round {round} ({kill:?}): the resumed output differs\n{}",
                String::from_utf8_lossy(&got)
            );
            let spent = server.requests() - before;
            // Pages, plus what was in flight at the kill (one request at
            // concurrency 1) and a page received but not yet checkpointed.
            assert!(spent <= planned + 2, "{format} {kill:?}: {spent} requests");
        }
    }
    assert!(
        interrupted >= 9,
        "only {interrupted} of 18 runs were stopped before they ended"
    );
}

fn checkpoint_of(output: &Path) -> PathBuf {
    PathBuf::from(format!("{}.checkpoint", output.display()))
}

#[test]
fn concurrent_channels_resume_with_every_record_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::builder()
        .pages(6)
        .latency(Duration::from_millis(30))
        .start();
    let path = dir.path().join("many.jsonl");
    let args = harvest_args("jsonl", &path, "3");
    let mut child = command(&server.base_url(), &as_strs(&args))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&checkpoint_of(&path));
    std::thread::sleep(Duration::from_millis(60));
    signal(&mut child, Stop::Kill);
    let _ = child.wait();
    let mut resume = args.clone();
    resume.push("--resume".into());
    assert_eq!(run(&server.base_url(), &as_strs(&resume)).code, 0);

    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 3 * 6 * 20);
    let ids: std::collections::HashSet<_> = records.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids.len(), records.len(), "no record twice");
    for channel in ["homefeed_food_v3", "homefeed_travel_v3", "homefeed_cosmetics_v3"] {
        let pages: Vec<u64> = records
            .iter()
            .filter(|r| r["channel"] == channel)
            .map(|r| r["page"].as_u64().unwrap())
            .collect();
        assert!(pages.windows(2).all(|w| w[0] <= w[1]), "{channel} in page order");
    }
}

#[test]
fn max_requests_is_never_passed_and_says_how_to_go_on() {
    let server = DemoServer::builder().pages(10).start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("budget.jsonl");
    let path = path.to_str().unwrap();
    let out = run(
        &server.base_url(),
        &[
            "--channel",
            "food,travel",
            "--pages",
            "5",
            "--max-requests",
            "3",
            "-o",
            path,
        ],
    );
    assert_eq!(out.code, 10, "{}", out.stderr);
    assert_eq!(server.requests(), 3);
    assert_eq!(std::fs::read_to_string(path).unwrap().lines().count(), 60);
    assert!(out.stderr.contains("--max-requests 3"), "{}", out.stderr);
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
    let out = run(
        &server.base_url(),
        &[
            "--channel",
            "food,travel",
            "--pages",
            "5",
            "--max-requests",
            "100",
            "-o",
            path,
            "--resume",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        server.requests(),
        10,
        "the resumed run fetches only the 7 pages left"
    );
    assert_eq!(std::fs::read_to_string(path).unwrap().lines().count(), 200);
}

#[test]
fn a_dry_run_sends_nothing_and_states_the_bound() {
    let server = DemoServer::builder().start();
    let out = run(
        &server.base_url(),
        &["--all-channels", "--pages", "5", "--retries", "2", "--dry-run"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.requests(), 0);
    assert!(out.stdout.contains("at most 205 pages"), "{}", out.stdout);
    assert!(
        out.stdout.contains("at most 615 with --retries 2"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("pages 1 to 5 of each"), "{}", out.stdout);

    // One page, one channel: singular words, and the look-ahead inside the
    // budget's bound, not added after it.
    let out = run(
        &server.base_url(),
        &[
            "-c",
            "food",
            "--prefetch",
            "2",
            "--max-requests",
            "3",
            "--dry-run",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("plan: 1 channel (food), page 1 of each: at most 1 page\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("at most 3 with --retries 3 and --max-requests 3\n"),
        "{}",
        out.stdout
    );

    // What the real run refuses, the dry run refuses too.
    let out = run(&server.base_url(), &["--rate", "1e-9", "--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("rate"), "{}", out.stderr);
    assert_eq!(server.requests(), 0);
}

/// The output's checks are the real run's too, and the dry run changes no
/// file: an output that holds something, a resume without a checkpoint or
/// of another command, a missing database, and no token at all.
#[test]
fn a_dry_run_makes_the_real_runs_checks_of_the_output_and_the_token() {
    let server = DemoServer::builder().start();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.jsonl");
    std::fs::write(&full, "{}\n").unwrap();
    let full = full.to_str().unwrap();
    let started = dir.path().join("started.jsonl");
    let started = started.to_str().unwrap();
    // A stopped run leaves a checkpoint to resume.
    let stopped = run(
        &server.base_url(),
        &["-c", "food", "--pages", "3", "--max-requests", "1", "-o", started],
    );
    assert_eq!(stopped.code, 10, "{}", stopped.stderr);
    let before = std::fs::read(started).unwrap();
    let missing_db = dir.path().join("none.db");
    for (args, code, says) in [
        (vec!["-o", full], 2, "exists and is not empty"),
        (vec!["-o", full, "--resume"], 2, "nothing to resume"),
        (
            vec!["-c", "travel", "--pages", "3", "-o", started, "--resume"],
            2,
            "must repeat",
        ),
        (
            vec!["-o", missing_db.to_str().unwrap(), "--resume"],
            2,
            "nothing to resume",
        ),
    ] {
        let all = [&args[..], &["--dry-run"]].concat();
        for real in [false, true] {
            let line = if real { &args[..] } else { &all[..] };
            let out = run(&server.base_url(), line);
            assert_eq!(out.code, code, "{line:?}: {}", out.stderr);
            assert!(out.stderr.contains(says), "{line:?}: {}", out.stderr);
        }
    }
    let resumable = run(
        &server.base_url(),
        &[
            "-c",
            "food",
            "--pages",
            "3",
            "-o",
            started,
            "--resume",
            "--dry-run",
        ],
    );
    assert_eq!(resumable.code, 0, "{}", resumable.stderr);
    assert_eq!(
        std::fs::read(started).unwrap(),
        before,
        "the dry run changed nothing"
    );
    assert!(!missing_db.exists());
    let no_token = finished(
        support::binary(&["feed", "--base-url", &server.base_url(), "-q", "--dry-run"])
            .env_remove("JUST_ONE_API_TOKEN")
            .output()
            .unwrap(),
    );
    assert_eq!(no_token.code, 3, "{}", no_token.stderr);
    assert_eq!(server.requests(), 1, "only the stopped run's page");
}
