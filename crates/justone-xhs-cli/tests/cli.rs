//! The command-line contract: exit codes, formats, partial failure, dedup,
//! concurrency, and that no output ever contains the token.

use std::process::Command;
use std::time::Duration;

use httpmock::prelude::*;
use justone_xhs::mock::{DemoServer, Fault};
use serde_json::Value;

// `api` and `balance`, on the same `run`.
#[path = "cli/api_and_balance.rs"]
mod api_and_balance;

mod support;

use support::{Run, TOKEN, binary, finished};

fn run(args: &[&str]) -> Run {
    finished(binary(args).output().unwrap())
}

fn feed(server: &str, extra: &[&str]) -> Run {
    let mut args = vec!["feed", "--base-url", server, "--quiet"];
    args.extend_from_slice(extra);
    run(&args)
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn demo_runs_without_a_token() {
    let output = Command::new(env!("CARGO_BIN_EXE_justone-xhs"))
        .args(["feed", "--demo", "--channel", "food", "--pages", "3"])
        .env_remove("JUST_ONE_API_TOKEN")
        .env_remove("JUSTONEAPI_TOKEN")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = jsonl(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(records.len(), 60);
    for key in [
        "channel",
        "page",
        "id",
        "type",
        "title",
        "desc",
        "likes",
        "author",
        "category",
        "timestamp",
        "is_ads",
        "cover",
    ] {
        assert!(records[0].get(key).is_some(), "record has {key}");
    }
    assert_eq!(records[0]["channel"], "homefeed_food_v3");
    assert!(String::from_utf8_lossy(&output.stderr).contains("3 pages, 60 items, 0 retries"));
}

#[test]
fn exit_codes_follow_the_contract() {
    let cases: &[(Fault, i32, &str)] = &[
        (Fault::BusinessCode(100), 3, "code 100"),
        (Fault::BusinessCode(600), 3, "code 600"),
        (Fault::BusinessCode(303), 4, "code 303"),
        (Fault::BusinessCode(601), 4, "code 601"),
        (Fault::BusinessCode(302), 5, "code 302"),
        (Fault::HttpStatus(429), 5, "HTTP 429"),
        (Fault::BusinessCode(301), 6, "code 301"),
        (Fault::BusinessCode(500), 6, "code 500"),
        (Fault::HttpStatus(502), 6, "HTTP 502"),
        (Fault::BusinessCode(999), 8, "code 999"),
        (Fault::BusinessCode(400), 9, "code 400"),
    ];
    for (fault, code, context) in cases {
        let server = DemoServer::builder().fault(*fault).start();
        let out = feed(&server.base_url(), &["--channel", "food", "--retries", "1"]);
        assert_eq!(out.code, *code, "{fault:?}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 3, "error, hint, the way on: {}", out.stderr);
        assert!(
            lines[0].starts_with("error: food page 1: ") && lines[0].contains(context),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("hint: "), "{}", lines[1]);
        assert!(
            lines[2]
                .starts_with("continue with: justone-xhs feed --channel food --page 1 --pages 1 --base-url "),
            "{}",
            lines[2]
        );
    }
}

#[test]
fn usage_auth_network_and_protocol_exit_codes() {
    assert_eq!(run(&["feed", "--channel", "fod"]).code, 2);
    assert_eq!(run(&["feed", "--no-such-flag"]).code, 2);
    assert_eq!(run(&["feed", "--raw", "--format", "csv", "--demo"]).code, 2);

    let no_token = Command::new(env!("CARGO_BIN_EXE_justone-xhs"))
        .args(["feed", "--base-url", "http://127.0.0.1:9"])
        .env_remove("JUST_ONE_API_TOKEN")
        .env_remove("JUSTONEAPI_TOKEN")
        .output()
        .unwrap();
    assert_eq!(no_token.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("hint: set JUST_ONE_API_TOKEN"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = feed(&format!("http://127.0.0.1:{port}"), &["--retries", "0"]);
    assert_eq!(refused.code, 7, "{}", refused.stderr);

    let slow = DemoServer::builder().latency(Duration::from_secs(3)).start();
    let timeout = feed(&slow.base_url(), &["--timeout", "1", "--retries", "0"]);
    assert_eq!(timeout.code, 7, "{}", timeout.stderr);
    assert!(timeout.stderr.contains("timed out"), "{}", timeout.stderr);

    let html = MockServer::start();
    html.mock(|when, then| {
        when.any_request();
        then.status(200).body("<html>captive portal</html>");
    });
    let decode = feed(&html.base_url(), &[]);
    assert_eq!(decode.code, 8, "{}", decode.stderr);
    assert!(decode.stderr.contains("not JSON"), "{}", decode.stderr);
}

#[test]
fn raw_output_is_the_served_items() {
    let server = DemoServer::builder().pages(1).start();
    let out = feed(&server.base_url(), &["--channel", "food", "--raw"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let served: Value = reqwest_free_get(&server.base_url(), "homefeed_food_v3", 1);
    assert_eq!(jsonl(&out.stdout), served["data"].as_array().unwrap().clone());
}

/// Fetches a page from the demo server without the library, via curl-less
/// std networking (a plain HTTP/1.0 GET).
fn reqwest_free_get(base: &str, oid: &str, page: u32) -> Value {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET /api/xiaohongshu/get-note-feed/v1?token=t&oid={oid}&page={page} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str(body).unwrap()
}

#[test]
fn csv_has_a_header_and_one_row_per_note() {
    let server = DemoServer::builder().start();
    let out = feed(
        &server.base_url(),
        &["--channel", "pets", "--pages", "2", "--format", "csv"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[..4], ["channel", "page", "id", "type"]);
    assert!(header.contains(&"author_nickname".to_owned()) && header.contains(&"cover".to_owned()));
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 40);
    assert!(rows.iter().all(|r| &r[0] == "homefeed_pets_v3"));
}

#[test]
fn json_is_one_array_even_when_a_page_fails() {
    let server = DemoServer::builder()
        .fault(Fault::BusinessCode(303))
        .fault_from_page(2)
        .start();
    let out = feed(
        &server.base_url(),
        &["--channel", "food", "--pages", "3", "--format", "json"],
    );
    assert_eq!(out.code, 4);
    let array: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(array.as_array().unwrap().len(), 20);
}

#[test]
fn partial_failure_keeps_earlier_pages_and_names_the_failing_one() {
    let server = DemoServer::builder()
        .fault(Fault::BusinessCode(303))
        .fault_from_page(3)
        .start();
    let dir = std::env::temp_dir().join(format!("justone-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.jsonl");
    let out = feed(
        &server.base_url(),
        &[
            "--channel",
            "food",
            "--pages",
            "5",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 4);
    let records = jsonl(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(records.len(), 40);
    assert!(records.iter().all(|r| r["page"] == 1 || r["page"] == 2));
    assert!(out.stderr.contains("error: food page 3:"), "{}", out.stderr);
    let resume = format!(
        "continue with: justone-xhs feed --channel food --pages 5 --output {} --resume --base-url {} --quiet\n",
        file.display(),
        server.base_url()
    );
    assert!(out.stderr.contains(&resume), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dedup_drops_repeated_note_ids() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/api/xiaohongshu/get-note-feed/v1");
        then.status(200)
            .body(r#"{"code":0,"data":[{"id":"a","title":"A"},{"id":"b"}]}"#);
    });
    let plain = feed(&server.base_url(), &["--pages", "3"]);
    assert_eq!(jsonl(&plain.stdout).len(), 6);
    let deduped = feed(&server.base_url(), &["--pages", "3", "--dedup"]);
    let ids: Vec<Value> = jsonl(&deduped.stdout)
        .into_iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, ["a", "b"]);
}

#[test]
fn many_channels_concurrently_keep_each_channel_in_page_order() {
    let server = DemoServer::builder().pages(4).start();
    let out = feed(
        &server.base_url(),
        &[
            "--channel",
            "food,travel",
            "--channel",
            "pets",
            "--pages",
            "4",
            "--concurrency",
            "8",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let records = jsonl(&out.stdout);
    assert_eq!(records.len(), 3 * 4 * 20);
    for oid in ["homefeed_food_v3", "homefeed_travel_v3", "homefeed_pets_v3"] {
        let pages: Vec<u64> = records
            .iter()
            .filter(|r| r["channel"] == oid)
            .map(|r| r["page"].as_u64().unwrap())
            .collect();
        assert!(pages.windows(2).all(|w| w[0] <= w[1]), "{oid} out of order");
        assert_eq!(pages.len(), 80);
    }
}

#[test]
fn a_channel_named_twice_is_fetched_once() {
    let server = DemoServer::builder().pages(1).start();
    let out = feed(
        &server.base_url(),
        &["--channel", "food,travel", "--channel", "homefeed_food_v3"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(jsonl(&out.stdout).len(), 40);
}

#[test]
fn all_channels_stop_at_the_end_of_each_feed() {
    let server = DemoServer::builder().pages(1).start();
    let out = run(&[
        "feed",
        "--base-url",
        &server.base_url(),
        "--all-channels",
        "--pages",
        "3",
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1 + 41 * 20);
    assert!(out.stderr.contains("41 pages, 820 items"), "{}", out.stderr);
}

#[test]
fn token_file_is_read_and_never_echoed() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.query_param("token", "from-file-TOKEN");
        then.status(200)
            .body(r#"{"code":100,"message":"Invalid or Inactive Token","data":null,"requestId":"r-9"}"#);
    });
    let path = std::env::temp_dir().join(format!("justone-token-{}", std::process::id()));
    std::fs::write(&path, "from-file-TOKEN\n").unwrap();
    let out = feed(&server.base_url(), &["--token-file", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    mock.assert();
    assert_eq!(out.code, 3);
    assert!(!out.stderr.contains("from-file-TOKEN"));
    assert!(
        out.stderr.contains("(code 100, request id r-9)"),
        "{}",
        out.stderr
    );
}

#[test]
fn channels_lists_all_41() {
    let table = run(&["channels"]);
    assert_eq!(table.stdout.lines().count(), 42);
    let json: Value = serde_json::from_str(&run(&["channels", "--format", "json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 41);
    assert_eq!(
        json[17],
        serde_json::json!({"slug": "movie-and-tv", "oid": "homefeed_movie_and_tv_v3", "label": "movie and tv", "label_zh": "影视"})
    );
}

#[test]
fn help_snapshots() {
    insta::assert_snapshot!("help", run(&["--help"]).stdout);
    insta::assert_snapshot!("feed_help", run(&["feed", "--help"]).stdout);
}

/// Through the CLI, broken connections write nothing wrong and exit with the
/// documented code.
#[tokio::test(flavor = "multi_thread")]
async fn faulty_servers_give_documented_exit_codes_and_no_output() {
    use justone_xhs::mock::{FaultyServer, Misbehaviour};
    for (misbehaviour, code) in [
        (Misbehaviour::ResetBeforeResponse, 7),
        (Misbehaviour::StallMidBody, 7),
        (Misbehaviour::AbortedChunked, 7),
        (Misbehaviour::NeverAnswer, 7),
        (Misbehaviour::LargeBody(40_000_000), 8),
    ] {
        let server = FaultyServer::start_async(misbehaviour.clone()).await.unwrap();
        let url = server.base_url();
        let out = tokio::task::spawn_blocking(move || feed(&url, &["--timeout", "1", "--retries", "1"]))
            .await
            .unwrap();
        assert_eq!(out.code, code, "{misbehaviour:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{misbehaviour:?} wrote {:?}", out.stdout);
        assert!(
            out.stderr.starts_with("error: recommend page 1: "),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn trace_logging_never_shows_the_token() {
    let server = DemoServer::builder().flaky(0.5, 7).pages(2).start();
    let output = Command::new(env!("CARGO_BIN_EXE_justone-xhs"))
        .args([
            "feed",
            "--base-url",
            &server.base_url(),
            "--pages",
            "3",
            "--retries",
            "4",
        ])
        .env("JUST_ONE_API_TOKEN", TOKEN)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TRACE") && stderr.contains("note_feed"),
        "trace logs are on"
    );
    assert!(!stderr.contains(TOKEN), "token in trace logs");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(TOKEN));
}

#[test]
fn an_unwritable_output_is_exit_1() {
    let out = run(&["feed", "--demo", "--output", "/nonexistent-dir/out.jsonl"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("error: cannot create /nonexistent-dir/out.jsonl"),
        "{}",
        out.stderr
    );
}
