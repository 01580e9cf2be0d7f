//! Outputs as a cron job and a hurried user treat them: two runs on one
//! output at once, every printed continue command run as printed, and an
//! output that cannot even be opened yet.

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use justone_xhs::mock::DemoServer;
use support::{Run, Stop, binary, command, finished, run, signal, wait_until};

fn spawn(server: &str, args: &[&str]) -> Child {
    command(server, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Whether this system shows who holds a lock on a file in `dir`, as the
/// refusal needs to name the other run: Linux's `/proc/locks` lists a
/// `flock` with its process and inode (another system, or a `/proc` of
/// another pid namespace, may not).
fn holders_are_shown(dir: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = std::fs::File::create(dir.join("probe")).unwrap();
    probe.lock().unwrap();
    let inode = probe.metadata().unwrap().ino().to_string();
    let pid = std::process::id().to_string();
    std::fs::read_to_string("/proc/locks").is_ok_and(|locks| {
        locks.lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1) == Some(&"FLOCK")
                && fields.get(4) == Some(&pid.as_str())
                && fields.get(5).and_then(|id| id.rsplit(':').next()) == Some(inode.as_str())
        })
    })
}

/// Asserts that `second`, a run on `output`, was refused for the run
/// `first` holding it: exit 2, nothing sent, the first run's process named
/// where the system shows it, the hint.
fn refused_for(second: &Run, output: &str, first: &Child, named: bool) {
    assert_eq!(second.code, 2, "{output}: {}", second.stderr);
    let busy = format!("{output} is being written by another justone-xhs run");
    let busy = match named {
        true => format!("{busy} (process {})", first.id()),
        false => busy,
    };
    assert!(second.stderr.contains(&busy), "{}", second.stderr);
    assert!(
        second.stderr.contains("hint: one run per output"),
        "{}",
        second.stderr
    );
}

/// A demo server slow enough that a second run, started once the first
/// has sent its first request (it locks its output before that), meets
/// the first still running: 6 pages of 400 ms.
fn slow_server() -> DemoServer {
    DemoServer::builder()
        .pages(6)
        .latency(Duration::from_millis(400))
        .start()
}

/// Starts a first run with `args` on `server` and returns once it holds
/// its output's lock.
fn first_run(server: &DemoServer, args: &[&str]) -> Child {
    let first = spawn(&server.base_url(), args);
    wait_until("the first run's first request", || server.requests() >= 1);
    first
}

/// A second run on an output that a first run is writing, fresh or
/// resumed, sends nothing, exits 2 and names the first run's process; the
/// first run ends as if alone.
#[test]
fn a_second_run_on_a_busy_output_sends_nothing_and_names_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let named = holders_are_shown(dir.path());
    for name in ["d.jsonl", "d.db"] {
        let server = slow_server();
        let output = dir.path().join(name);
        let output = output.to_str().unwrap();
        let args = ["-c", "food", "--pages", "6", "-o", output];
        let first = first_run(&server, &args);
        for extra in [&[][..], &["--resume"][..]] {
            let again: Vec<&str> = args.iter().copied().chain(extra.iter().copied()).collect();
            refused_for(&run(&server.base_url(), &again), output, &first, named);
        }
        let first = finished(first.wait_with_output().unwrap());
        assert_eq!(first.code, 0, "{name}: {}", first.stderr);
        assert_eq!(server.requests(), 6, "{name}: only the first run bought pages");
        if name.ends_with(".jsonl") {
            let text = std::fs::read_to_string(output).unwrap();
            assert_eq!(text.lines().count(), 120);
            assert!(
                text.lines()
                    .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
            );
        } else {
            let db = rusqlite::Connection::open(output).unwrap();
            let count: i64 = db
                .query_row("SELECT count(*) FROM observations", [], |r| r.get(0))
                .unwrap();
            assert_eq!(count, 120);
        }
    }
}

/// An output reached through another name is the same output. Through a
/// symbolic link a second run meets the first run's lock and sends
/// nothing, as through a hard link to a file (the lock is on the file).
/// A database with a hard link is refused before anything is sent, even
/// when no other run holds it: SQLite keeps its log beside one name, so
/// pages written through the other would be missing.
#[cfg(unix)]
#[test]
fn an_output_under_another_name_is_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let named = holders_are_shown(dir.path());
    for name in ["d.jsonl", "d.db"] {
        let server = slow_server();
        let output = dir.path().join(name);
        let first = first_run(
            &server,
            &["-c", "food", "--pages", "6", "-o", output.to_str().unwrap()],
        );
        let second_on = |alias: &str| run(&server.base_url(), &["-c", "food", "--pages", "6", "-o", alias]);
        let symbolic = dir.path().join(format!("symbolic-{name}"));
        std::os::unix::fs::symlink(&output, &symbolic).unwrap();
        let symbolic = symbolic.to_str().unwrap();
        refused_for(&second_on(symbolic), symbolic, &first, named);
        let hard = dir.path().join(format!("hard-{name}"));
        std::fs::hard_link(&output, &hard).unwrap();
        let hard = hard.to_str().unwrap();
        let second = second_on(hard);
        if name == "d.db" {
            assert_eq!(second.code, 2, "{}", second.stderr);
            assert!(second.stderr.contains("has 2 hard links"), "{}", second.stderr);
        } else {
            refused_for(&second, hard, &first, named);
        }
        let first = finished(first.wait_with_output().unwrap());
        assert_eq!(first.code, 0, "{name}: {}", first.stderr);
        assert_eq!(server.requests(), 6, "{name}: only the first run bought pages");
    }
    let db = dir.path().join("d.db");
    let server = DemoServer::builder().pages(1).start();
    for path in [dir.path().join("hard-d.db"), db] {
        let third = run(
            &server.base_url(),
            &["-c", "food", "--pages", "1", "-o", path.to_str().unwrap()],
        );
        assert_eq!(third.code, 2, "{}", third.stderr);
        assert!(third.stderr.contains("has 2 hard links"), "{}", third.stderr);
    }
    assert_eq!(server.requests(), 0, "nothing sent to a database with two names");
}

/// Every continue command a stopped run prints, in every format, is run as
/// printed (split like a shell would): together they finish the run,
/// buying each page once.
#[test]
fn every_printed_continue_command_works_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["jsonl", "json", "csv", "table", "sqlite"] {
        let server = DemoServer::builder().pages(3).start();
        let output = dir.path().join(format!("out dir {format}.out"));
        let output = output.to_str().unwrap();
        let args = [
            "-c",
            "food,travel",
            "--pages",
            "3",
            "--format",
            format,
            "-o",
            output,
            "--max-requests",
            "2",
        ];
        // Each run keeps the budget of 2 requests: it takes three to finish.
        let mut last = run(&server.base_url(), &args);
        for _ in 0..2 {
            assert_eq!(last.code, 10, "{format}: {}", last.stderr);
            let commands: Vec<&str> = last
                .stderr
                .lines()
                .filter_map(|line| line.strip_prefix("continue with: "))
                .collect();
            assert_eq!(commands.len(), 1, "{format}: {}", last.stderr);
            let words = shell_words::split(commands[0]).unwrap();
            assert_eq!(words[0], "justone-xhs");
            let words: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            last = finished(binary(&words).output().unwrap());
        }
        assert_eq!(last.code, 0, "{format}: {}", last.stderr);
        assert_eq!(server.requests(), 6, "{format}: each page bought once");
        let records = match format {
            "sqlite" => rusqlite::Connection::open(output)
                .unwrap()
                .query_row("SELECT count(*) FROM observations", [], |r| r.get::<_, i64>(0))
                .unwrap() as usize,
            "json" => {
                serde_json::from_str::<Vec<serde_json::Value>>(&std::fs::read_to_string(output).unwrap())
                    .unwrap()
                    .len()
            }
            // One header line.
            "csv" | "table" => std::fs::read_to_string(output).unwrap().lines().count() - 1,
            _ => std::fs::read_to_string(output).unwrap().lines().count(),
        };
        assert_eq!(records, 120, "{format}");
    }
}

/// A named pipe nobody reads makes `open()` wait; SIGINT and SIGTERM still
/// stop the command at once, with nothing sent.
#[test]
fn a_signal_stops_a_run_waiting_for_a_pipes_reader() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let server = DemoServer::builder().start();
    for (stop, code) in [(Stop::Int, 130), (Stop::Term, 143)] {
        let mut child = spawn(&server.base_url(), &["-o", fifo.to_str().unwrap()]);
        std::thread::sleep(Duration::from_millis(300));
        signal(&mut child, stop);
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "{stop:?} did not stop the run");
            std::thread::sleep(Duration::from_millis(20));
        }
        let out: Run = finished(child.wait_with_output().unwrap());
        assert_eq!(out.code, code, "{}", out.stderr);
        assert!(
            out.stderr.contains("before any request was sent"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(server.requests(), 0);
}
