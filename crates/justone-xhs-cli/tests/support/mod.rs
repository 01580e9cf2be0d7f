//! What the CLI's test suites share: running the binary against a local
//! server with a token that must never show, and stopping it at random
//! moments.
// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "tok-HARVEST-SECRET-77";

/// Every connection option has a variable, ours and the provider SDKs':
/// none may come from the environment the tests run in.
pub const CONNECTION_ENV: [&str; 10] = [
    "JUSTONE_BASE_URL",
    "JUSTONE_REGION",
    "JUSTONE_TIMEOUT",
    "JUSTONE_RETRIES",
    "JUSTONE_RATE",
    "JUSTONE_DEMO",
    "JUSTONE_TOKEN_FILE",
    "JUSTONEAPI_BASE_URL",
    "JUSTONEAPI_TIMEOUT_MS",
    "JUSTONEAPI_RETRY",
];

/// The binary with `args`, the token in the environment, and nothing else
/// from the environment that could change what it does or prints.
pub fn binary(args: &[&str]) -> Command {
    binary_with_token(TOKEN, args)
}

/// [`binary`] with another token (one with characters URL encoding changes,
/// say).
pub fn binary_with_token(token: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_justone-xhs"));
    command
        .args(args)
        .env("JUST_ONE_API_TOKEN", token)
        .env_remove("JUSTONEAPI_TOKEN")
        .env_remove("RUST_LOG");
    for name in CONNECTION_ENV {
        command.env_remove(name);
    }
    // Help text is wrapped to the terminal, at most 100 columns.
    command.env_remove("COLUMNS");
    command
}

/// `feed` against `server`, quiet, with `args`.
pub fn command(server: &str, args: &[&str]) -> Command {
    let mut command = binary(&["feed", "--base-url", server, "--quiet"]);
    command.args(args);
    command
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn finished(output: Output) -> Run {
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token leaked: {}",
        run.stderr
    );
    run
}

pub fn run(server: &str, args: &[&str]) -> Run {
    finished(command(server, args).output().unwrap())
}

/// How a run is stopped.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    Int,
    Term,
    Kill,
}

pub fn signal(child: &mut Child, kill: Stop) {
    let name = match kill {
        Stop::Int => "-INT",
        Stop::Term => "-TERM",
        Stop::Kill => "-KILL",
    };
    let _ = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status();
}

/// A small deterministic generator for kill moments.
pub fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

/// Waits (boundedly) until `ready` says the run has started: its output is
/// locked and its signal handlers are installed by then.
pub fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until `path` exists (a checkpoint, a lock file).
pub fn wait_for(path: &Path) {
    wait_until(&format!("{} appearing", path.display()), || path.exists());
}

/// The interrupt-and-resume trial every output goes through (jsonl, csv,
/// json, the database, a paged `api`), first half: runs the binary with
/// `args`, waits until `started`, stops it with `stop` after `pause`, and
/// checks the exit status a signal gives (130, 143; any after `kill -9`; 0
/// when the run ended first) and that a signal names the way on.
pub fn stop_run(args: &[&str], started: impl Fn() -> bool, stop: Stop, pause: Duration) -> Run {
    let mut child = binary(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the run's start", started);
    std::thread::sleep(pause);
    signal(&mut child, stop);
    let first = finished(child.wait_with_output().unwrap());
    match (stop, first.code) {
        (_, 0) | (Stop::Kill, _) => {}
        (Stop::Int, code) => assert_eq!(code, 130, "{}", first.stderr),
        (Stop::Term, code) => assert_eq!(code, 143, "{}", first.stderr),
    }
    if matches!(stop, Stop::Int | Stop::Term) && first.code != 0 {
        assert!(first.stderr.contains("--resume"), "the way on: {}", first.stderr);
    }
    first
}

/// The trial's second half: when the `first` run did not end (and the
/// output does not say it is `complete`: a `kill -9` may land after the
/// run recorded its end), the same command with `--resume` must finish it.
pub fn resume_after(args: &[&str], first: &Run, complete: impl Fn() -> bool) {
    if first.code != 0 && !complete() {
        let resumed = finished(binary(&[args, &["--resume"]].concat()).output().unwrap());
        assert_eq!(resumed.code, 0, "after exit {}: {}", first.code, resumed.stderr);
    }
}

/// The answer to page N of a five-page comment walk chained by
/// `data.cursor` (`c1` … `c4`): `last_cursor` is the cursor sent (none for
/// page 1); one comment `kN` per page, `has_more` false on page 5.
pub fn comment_page(last_cursor: Option<&str>) -> String {
    let page: u32 = last_cursor.map_or(1, |c| c.trim_start_matches('c').parse::<u32>().unwrap() + 1);
    let more = if page < 5 {
        format!(r#","cursor":"c{page}","has_more":true"#)
    } else {
        r#","has_more":false"#.to_owned()
    };
    format!(r#"{{"code":0,"requestId":"r{page}","data":{{"comments":[{{"id":"k{page}"}}]{more}}}}}"#)
}
