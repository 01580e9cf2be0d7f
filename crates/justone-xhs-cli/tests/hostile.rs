//! Hostile input and exact promises, through the binary: what the server
//! sends cannot reach the terminal raw, the token never shows in any form,
//! and every usage error is exit 2 before any request.

use std::process::{Command, Stdio};

use httpmock::prelude::*;
use justone_xhs::mock::DemoServer;

mod support;

/// Long enough (16+ bytes) to be searched for in free text too.
const TOKEN: &str = "tok+SECRET/ab==-x";
const BIN: &str = env!("CARGO_BIN_EXE_justone-xhs");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = support::binary_with_token(TOKEN, args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for form in [
        TOKEN,
        "tok%2BSECRET%2Fab%3D%3D-x",
        "tok%2bSECRET%2fab%3d%3d-x",
        "SECRET",
    ] {
        assert!(
            !run.stdout.contains(form) && !run.stderr.contains(form),
            "the token leaked as {form}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn run(args: &[&str]) -> Run {
    run_with(args, &[])
}

fn feed(server: &MockServer, extra: &[&str]) -> Run {
    let url = server.base_url();
    let mut args = vec!["feed", "--base-url", url.as_str(), "--quiet", "--retries", "0"];
    args.extend_from_slice(extra);
    run(&args)
}

fn envelope(data: &str) -> String {
    format!(r#"{{"code":0,"message":"success","requestId":"r-1","data":{data}}}"#)
}

#[test]
fn a_server_echoing_the_url_never_shows_the_token() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.query_param("oid", "homefeed_food_v3");
        then.status(200).body(
            r#"{"code":400,"message":"bad request GET /api?token=tok%2BSECRET%2Fab%3D%3D&oid=x","data":null}"#,
        );
    });
    server.mock(|when, then| {
        when.query_param("oid", "homefeed_travel_v3");
        then.status(502).body(
            "<html><head><title>502 Bad Gateway</title></head><body>GET /?token=tok%2bSECRET%2fab%3d%3d</body></html>",
        );
    });
    let out = feed(&server, &["-c", "food,travel"]);
    assert_eq!(out.code, 9, "{}", out.stderr);
    assert!(
        out.stderr.contains("502 Bad Gateway"),
        "the page is named by its title: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("<html"), "never the markup: {}", out.stderr);
}

#[test]
fn nothing_the_api_sends_can_drive_the_terminal() {
    let server = MockServer::start();
    let hostile = r#"{"id":"n1","display_title":"\u001b[31mred\u001b]0;pwned\u0007\r\u001b[2J\u009b2J gpj.\u202eexe\u200b","user":{"nickname":"\u001b[1mbold\u007f\u2066"},"likes":"10万+"}"#;
    server.mock(|when, then| {
        when.query_param("page", "1");
        then.status(200).body(envelope(&format!("[{hostile}]")));
    });
    server.mock(|when, then| {
        when.query_param("page", "2");
        then.status(200).body(
            r#"{"code":303,"message":"quota \u001b[2J\u001b]0;title\u0007 used \u202e\ufeff","data":null}"#,
        );
    });
    let out = feed(&server, &["-c", "food", "--pages", "2", "--format", "table"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    for text in [&out.stdout, &out.stderr] {
        assert_inert(text);
    }
    assert!(out.stdout.contains("red"), "{}", out.stdout);
    assert!(
        out.stdout.contains("100000"),
        "10万+ is at least 100000: {}",
        out.stdout
    );
}

/// On a terminal (a pty from `script`) every format goes through the
/// scrubber: a CSV field or a JSON string the provider filled with escape
/// sequences, bidi controls and invisible characters shows none of them
/// (into a pipe the bytes stay as sent: see the raw-bytes tests).
#[test]
fn records_on_a_terminal_cannot_drive_it_in_any_format() {
    let server = MockServer::start();
    let hostile = r#"{"id":"n1","display_title":"\u001b]0;PWNED\u0007 red\u009b \u202egpj\u200b\u2028\u00ad\udb40\udc41","user":{"nickname":"\u2066x"}}"#;
    server.mock(|when, then| {
        when.query_param("page", "1");
        then.status(200).body(envelope(&format!("[{hostile}]")));
    });
    for format in ["csv", "jsonl", "json", "table"] {
        let command = format!(
            "{BIN} feed --base-url {} -q --channel food --format {format}",
            server.base_url()
        );
        let output = Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            .env("JUST_ONE_API_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(output.status.success(), "{format}");
        // The pty turns each line end into \r\n.
        let screen = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
        assert!(screen.contains("red"), "{format}: {screen:?}");
        assert_inert(&screen);
        assert!(
            !screen.contains(['\u{2028}', '\u{ad}', '\u{e0041}']),
            "{format}: {screen:?}"
        );
    }
}

/// No control character (but the line ends), bidi control or invisible
/// character.
fn assert_inert(text: &str) {
    let bad = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}')
    };
    assert!(!text.chars().any(bad), "{text:?}");
}

/// `balance` prints the provider's currency: on a terminal or not, its
/// escape sequences, bells and bidi controls never reach it.
#[test]
fn the_balance_cannot_drive_the_terminal() {
    let server = MockServer::start();
    server.mock(|_, then| {
        then.status(200).body(
            r#"{"code":0,"requestId":"r\u001b[0m","data":{"balance":"1.00","currency":"C\u001b]0;pwned\u0007N\u202eY\u200d"}}"#,
        );
    });
    let url = server.base_url();
    let out = run(&["balance", "--base-url", url.as_str()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_inert(&out.stdout);
    assert!(out.stdout.starts_with("balance: 1.00 C"), "{}", out.stdout);
}

#[test]
fn the_table_fits_100_columns_with_wide_and_joined_characters() {
    let server = MockServer::start();
    let item = r#"{"id":"n1","display_title":"👨‍👩‍👧 一家三口的周末 family weekend with a very long title that goes on and on","user":{"nickname":"👍🏽小红薯用户名很长很长"},"likes":3}"#;
    server.mock(|_, then| {
        then.status(200).body(envelope(&format!("[{item},{item}]")));
    });
    let out = feed(&server, &["-c", "food", "--format", "table"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let widths: Vec<usize> = out
        .stdout
        .lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .collect();
    assert!(widths.iter().all(|w| *w <= 100), "{widths:?}\n{}", out.stdout);
    assert_eq!(widths[1], widths[2]);
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    let server = MockServer::start();
    let hits = server.mock(|_, then| {
        then.status(200).body(envelope("[]"));
    });
    for bad in [
        vec!["--rate", "0"],
        vec!["--rate", "-1"],
        vec!["--rate", "NaN"],
        vec!["--rate", "inf"],
        vec!["--rate", "1e-300"],
        vec!["--page", "3000000000"],
        vec!["--page", "2147483000", "--pages", "1000"],
        vec!["--raw", "--format", "csv"],
    ] {
        let out = feed(&server, &bad);
        assert_eq!(out.code, 2, "{bad:?}: {}", out.stderr);
        assert!(out.stderr.len() < 400, "{bad:?}: a short message: {}", out.stderr);
    }
    for url in [
        "not a url",
        "ftp://x",
        "http://127.0.0.1:9/#fragment",
        "http://h/?token=1",
    ] {
        let out = run(&["feed", "--base-url", url]);
        assert_eq!(out.code, 2, "{url}: {}", out.stderr);
    }
    let csv = feed(&server, &["--raw", "--format", "csv"]);
    assert!(csv.stderr.contains("Usage: justone-xhs feed"), "{}", csv.stderr);
    let huge = "t".repeat(100_000);
    let out = run_with(
        &["feed", "--base-url", &server.base_url()],
        &[("JUST_ONE_API_TOKEN", &huge)],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains("tttttttttt"), "{}", out.stderr);
    hits.assert_calls(0);
}

#[test]
fn help_hides_environment_values_and_states_the_token_precedence() {
    let out = run_with(
        &["feed", "--help"],
        &[("JUSTONE_BASE_URL", "http://user:PASSW0RD@proxy.example:3128")],
    );
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains("PASSW0RD"), "{}", out.stdout);
    assert!(out.stdout.contains("JUST_ONE_API_TOKEN, else"), "{}", out.stdout);
}

#[test]
fn token_files_lose_their_bom_and_leading_blank_lines() {
    let server = MockServer::start();
    let good = server.mock(|when, then| {
        when.query_param("token", "tok-from-file");
        then.status(200).body(envelope("[]"));
    });
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("bom", "\u{feff}tok-from-file\n"),
        ("blank", "\n  \ntok-from-file\r\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = feed(&server, &["-c", "food", "--token-file", path.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
    }
    good.assert_calls(2);
    let out = feed(&server, &["--token-file", "tokABCDEFGHIJKLMNOPQRSTUVWXYZ0123"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        !out.stderr.contains("tokABCDEFGHIJKLMNOPQRSTUVWXYZ0123"),
        "{}",
        out.stderr
    );
}

#[test]
fn channel_names_are_forgiving_and_errors_brief() {
    let server = DemoServer::builder().pages(1).start();
    let url = server.base_url();
    let out = run(&[
        "feed",
        "--base-url",
        &url,
        "-q",
        "-c",
        "food,",
        "-c",
        ",,美食,homefeed_gardening_v3",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 40, "food once, the new oid once");
    assert!(
        out.stderr
            .contains("warning: homefeed_gardening_v3 is not in this release"),
        "{}",
        out.stderr
    );
    let huge = "q".repeat(10_000);
    let out = run(&["feed", "--base-url", &url, "-c", &huge]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.len() < 400, "{}", out.stderr.len());
    assert_eq!(server.requests(), 2);
}

#[test]
fn success_without_data_is_a_warning_not_the_end() {
    let server = MockServer::start();
    let first = server.mock(|when, then| {
        when.query_param("page", "1");
        then.status(200)
            .body(r#"{"code":0,"message":"success","requestId":"r-null","data":null}"#);
    });
    let second = server.mock(|when, then| {
        when.query_param("page", "2");
        then.status(200).body(envelope(r#"[{"id":"n2"}]"#));
    });
    let out = feed(&server, &["-c", "food", "--pages", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("warning: food page 1") && out.stderr.contains("r-null"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout.lines().count(), 1);
    first.assert_calls(1);
    second.assert_calls(1);
}

#[test]
fn raw_json_keeps_the_providers_text_but_its_whitespace() {
    let server = MockServer::start();
    let pretty = "{\n  \"code\": 0,\n  \"data\": [\n    {\n      \"z\": 1.0,\n      \"id\": \"n\\u00e9\",\n      \"big\": 123456789012345678901234567890,\n      \"t\": \"a b\"\n    }\n  ]\n}";
    server.mock(|_, then| {
        then.status(200).body(pretty);
    });
    let out = feed(&server, &["-c", "food", "--raw"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "{\"z\":1.0,\"id\":\"n\\u00e9\",\"big\":123456789012345678901234567890,\"t\":\"a b\"}\n"
    );
}

#[test]
fn debug_logs_show_each_attempt_and_never_the_token() {
    let server = DemoServer::builder().pages(1).start();
    let out = run_with(
        &["feed", "--base-url", &server.base_url(), "-q", "-c", "food"],
        &[("RUST_LOG", "justone_xhs=debug")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("attempt"), "{}", out.stderr);
    assert!(out.stderr.contains("elapsed_ms"), "{}", out.stderr);
}

#[test]
fn a_closed_stdout_is_an_error_not_a_silent_success() {
    let server = DemoServer::builder().pages(1).start();
    let status = Command::new("sh")
        .args([
            "-c",
            "exec \"$0\" feed --base-url \"$1\" -c food >&-",
            BIN,
            &server.base_url(),
        ])
        .env("JUST_ONE_API_TOKEN", TOKEN)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert_eq!(server.requests(), 0, "nothing is bought that cannot be written");
}

#[test]
fn completions_and_the_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("all-channels"), "{shell}");
    }
    let man = run(&["man"]);
    assert!(
        man.stdout.starts_with(".ie") && man.stdout.contains("justone\\-xhs"),
        "{}",
        &man.stdout[..80]
    );
}

/// `man --dir` writes a page per command, and every page one of them refers
/// to is among them (a single page once referred to pages that did not exist).
#[test]
fn man_dir_writes_every_page_the_pages_refer_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    let mut expected: Vec<String> = [
        "",
        "-api",
        "-balance",
        "-channels",
        "-completions",
        "-feed",
        "-man",
        "-schema",
    ]
    .iter()
    .chain(cfg!(feature = "mcp").then_some(&"-mcp"))
    .chain(cfg!(feature = "sqlite").then_some(&"-trends"))
    .map(|command| format!("justone-xhs{command}.1"))
    .collect();
    expected.sort();
    assert_eq!(pages, expected);
    let mut references = 0;
    for page in &pages {
        let roff = std::fs::read_to_string(dir.path().join(page)).unwrap();
        for reference in roff
            .split_whitespace()
            .filter_map(|word| word.strip_suffix("(1)"))
        {
            let name = format!("{}.1", reference.replace("\\fB", "").replace("\\-", "-"));
            assert!(
                pages.contains(&name),
                "{page} refers to {name}, which was not written"
            );
            references += 1;
        }
    }
    assert_eq!(
        references,
        pages.len() - 1,
        "the first page names each of the others"
    );
}

/// On a terminal (a pty from `script`), the bar shows the rate and the time
/// left, and it never leaves a stale line among the records written to the
/// same terminal.
#[test]
fn the_progress_bar_shows_rate_and_eta_and_never_mixes_with_records() {
    let server = DemoServer::builder()
        .pages(3)
        .latency(std::time::Duration::from_millis(300))
        .start();
    let command = format!(
        "{BIN} feed --base-url {} --channel food --pages 10",
        server.base_url()
    );
    let output = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("JUST_ONE_API_TOKEN", TOKEN)
        .env("COLUMNS", "200")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(screen.contains("/s"), "a rate: {screen}");
    assert!(screen.contains("eta"), "the time left: {screen}");
    // Every line that holds a record is the record alone.
    let records: Vec<&str> = screen.lines().filter(|l| l.contains("\"channel\"")).collect();
    assert_eq!(records.len(), 60, "{screen}");
    for line in records {
        let line = line.trim_start_matches(|c: char| c != '{').trim_end();
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    }
}

/// The token echoed in a successful answer through JSON escapes (PHP's
/// `\/`, `\uXXXX`) reaches no output decoded: not jsonl, csv, `--raw`, a
/// database, nor `api`. (`run` checks stdout and stderr for every form.)
#[test]
fn a_token_echoed_through_json_escapes_reaches_no_output() {
    let slashed = TOKEN.replace('/', r"\/");
    let unicode: String = TOKEN.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    let item = format!(
        r#"{{"id":"n1","display_title":"a {slashed} b","desc":"c {unicode} d","user":{{"nickname":"{unicode}"}}}}"#
    );
    let server = MockServer::start();
    server.mock(|_, then| {
        then.status(200).body(envelope(&format!("[{item}]")));
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("n.db");
    for extra in [
        &["--format", "jsonl"][..],
        &["--format", "csv"],
        &["--raw"],
        &["--format", "table"],
        &["-o", db.to_str().unwrap()],
    ] {
        let out = feed(&server, &[&["-c", "food"][..], extra].concat());
        assert_eq!(out.code, 0, "{extra:?}: {}", out.stderr);
        if extra[0] != "-o" {
            assert!(out.stdout.contains("[redacted]"), "{extra:?}: {}", out.stdout);
        }
        for spelling in [&slashed, &unicode] {
            assert!(
                !out.stdout.contains(spelling.as_str()),
                "{extra:?}: {}",
                out.stdout
            );
        }
    }
    let stored = std::fs::read(&db).unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains("SECRET"),
        "in the database"
    );
    let url = server.base_url();
    let out = run(&[
        "api",
        "getApiXiaohongshuSearchNoteV1",
        "--base-url",
        url.as_str(),
        "-p",
        "keyword=k",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("[redacted]"), "{}", out.stdout);
}

/// The provider SDKs' variables are read after this tool's, and what comes
/// from the environment stays out of the printed continue command.
#[test]
fn the_provider_sdks_environment_variables_are_honoured_after_ours() {
    let ours = DemoServer::builder().pages(1).start();
    let theirs = DemoServer::builder().pages(1).start();
    let theirs_url = theirs.base_url();
    let out = run_with(&["balance"], &[("JUSTONEAPI_BASE_URL", theirs_url.as_str())]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(theirs.requests(), 1, "JUSTONEAPI_BASE_URL is read");
    let ours_url = ours.base_url();
    let out = run_with(
        &["balance"],
        &[
            ("JUSTONEAPI_BASE_URL", theirs_url.as_str()),
            ("JUSTONE_BASE_URL", ours_url.as_str()),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!((ours.requests(), theirs.requests()), (1, 1), "ours wins");
    // A stop prints a continue command without the URL (the environment
    // still has it) and with the retries the provider's variable set.
    let out = run_with(
        &[
            "feed",
            "-c",
            "food",
            "--pages",
            "3",
            "--max-requests",
            "1",
            "--quiet",
        ],
        &[
            ("JUSTONEAPI_BASE_URL", theirs_url.as_str()),
            ("JUSTONEAPI_RETRY", "0"),
        ],
    );
    assert_eq!(out.code, 10, "{}", out.stderr);
    let command = out
        .stderr
        .lines()
        .find(|l| l.starts_with("continue with: "))
        .unwrap();
    assert!(
        !command.contains("127.0.0.1") && !command.contains("--retries"),
        "{command}"
    );
}
