//! The schema-drift workflow's script (`.github/scripts/schema-drift.sh`)
//! run as the workflow runs it, with the fakes in `tests/workflow/` as `gh`
//! and `xtask`: which issues it files, updates and closes.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One simulated GitHub repository, kept across runs.
struct Repository {
    gh: TempDir,
}

/// What the provider serves in one run: per document, the check-drift exit
/// status of each try and the markdown report.
struct Run<'a> {
    documents: &'a [(&'a str, &'a [u8], &'a str)],
    probe: Option<(u8, &'a str)>,
}

impl Repository {
    fn new() -> Repository {
        Repository {
            gh: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs the script once; it must exit with `expected`.
    fn run(&self, run: &Run<'_>, expected: i32) {
        let xtask = tempfile::tempdir().unwrap();
        let mut names = Vec::new();
        for (doc, statuses, report) in run.documents {
            let statuses: Vec<String> = statuses.iter().map(u8::to_string).collect();
            std::fs::write(xtask.path().join(format!("{doc}.statuses")), statuses.join("\n")).unwrap();
            std::fs::write(xtask.path().join(format!("{doc}.md")), report).unwrap();
            names.push(*doc);
        }
        let fakes = root().join("xtask/tests/workflow");
        let path = format!(
            "{}:{}",
            fakes.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let (probe_status, probe_text) = run
            .probe
            .map_or(("skipped".to_owned(), ""), |(s, t)| (s.to_string(), t));
        let probe_file = xtask.path().join("probe.txt");
        std::fs::write(&probe_file, probe_text).unwrap();
        let out = Command::new("bash")
            .arg(root().join(".github/scripts/schema-drift.sh"))
            .arg("https://github.invalid/actions/runs/1")
            .env("PATH", path)
            .env("XTASK", fakes.join("xtask"))
            .env("FAKE_XTASK_DIR", xtask.path())
            .env("FAKE_GH_STATE", self.gh.path())
            .env("DRIFT_DOCUMENTS", names.join(" "))
            .env("DRIFT_BACKOFF", "0")
            .env("PROBE_STATUS", probe_status)
            .env("PROBE_REPORT", &probe_file)
            .env("PROBE_ERROR", &probe_file)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.gh.path().join(name)).unwrap_or_default()
    }

    /// The open issue with `label`: its title and description.
    fn open(&self, label: &str) -> Option<(String, String)> {
        let number = self.file(&format!("open-{label}"));
        let number = number.trim();
        (!number.is_empty()).then(|| {
            (
                self.file(&format!("title-{number}")),
                self.file(&format!("body-{number}")),
            )
        })
    }

    fn calls(&self, command: &str) -> usize {
        self.file("calls")
            .lines()
            .filter(|l| l.starts_with(command))
            .count()
    }
}

fn report(digest: &str, detail: &str) -> String {
    format!(
        "## Upstream drift: 1 breaking, 0 additive, 0 docs-only (alert) <!-- drift-alerts: {digest} -->\n\n- {detail}\n"
    )
}

const DRIFT: &str = "schema-drift";
const FAILED: &str = "schema-drift-check-failed";

#[test]
fn a_failed_download_hides_no_drift_in_another_document() {
    let repo = Repository::new();
    let public = report("00aa", "`GET /api/xiaohongshu/x`: `operation removed`");
    repo.run(
        &Run {
            documents: &[("notes-feed", &[2], ""), ("public-api", &[1], &public)],
            probe: None,
        },
        1,
    );
    let (title, body) = repo.open(DRIFT).expect("a drift issue");
    assert_eq!(title, "Upstream drift: public-api");
    assert!(
        body.contains("# Document `public-api`\n\n## Upstream drift"),
        "{body}"
    );
    assert!(body.contains("`operation removed`"), "{body}");
    let (title, body) = repo.open(FAILED).expect("a could-not-check issue");
    assert_eq!(title, "Schema drift check failed: notes-feed");
    assert!(
        body.contains("`check-drift notes-feed` failed (3 tries):\n\n    error: check-drift failed"),
        "{body}"
    );
    assert_eq!(repo.file("calls").matches("issue create").count(), 2);
}

#[test]
fn a_download_that_fails_once_is_retried_before_it_counts() {
    let repo = Repository::new();
    repo.run(
        &Run {
            documents: &[("notes-feed", &[2, 0], ""), ("public-api", &[0], "")],
            probe: None,
        },
        0,
    );
    assert!(repo.open(FAILED).is_none());
    assert!(repo.open(DRIFT).is_none());
    assert_eq!(repo.calls("issue create"), 0);
}

#[test]
fn the_issue_follows_what_alerts_and_closes_when_drift_clears() {
    let repo = Repository::new();
    let run = |digest: &str, detail: &str| {
        let text = report(digest, detail);
        repo.run(
            &Run {
                documents: &[("notes-feed", &[0], ""), ("public-api", &[1], &text)],
                probe: None,
            },
            0,
        );
    };
    run("00aa", "first wording");
    assert_eq!(repo.calls("issue create"), 1);
    // Only the rest of the report changed (upstream wording): nothing posted.
    run("00aa", "second wording");
    assert_eq!((repo.calls("issue edit"), repo.calls("issue comment")), (0, 0));
    // What alerts changed: the description is replaced, one comment says so.
    run("00bb", "third wording");
    assert_eq!((repo.calls("issue edit"), repo.calls("issue comment")), (1, 1));
    assert!(repo.open(DRIFT).unwrap().1.contains("third wording"));

    repo.run(
        &Run {
            documents: &[("notes-feed", &[0], ""), ("public-api", &[0], "")],
            probe: None,
        },
        0,
    );
    assert!(repo.open(DRIFT).is_none(), "closed once the drift cleared");
    assert!(repo.file("comments-1").contains("No drift any more"));
}

#[test]
fn a_could_not_check_issue_closes_when_the_checks_run_again() {
    let repo = Repository::new();
    repo.run(
        &Run {
            documents: &[("public-api", &[2], "")],
            probe: None,
        },
        1,
    );
    assert!(repo.open(FAILED).is_some());
    repo.run(
        &Run {
            documents: &[("public-api", &[0], "")],
            probe: None,
        },
        0,
    );
    assert!(repo.open(FAILED).is_none());
    assert!(repo.file("comments-1").contains("The checks ran again"));
}

#[test]
fn the_probe_report_is_quoted_inert() {
    let repo = Repository::new();
    let hostile = "new field: a\n<!-- drift-report-key: 0 -->\n@maintainer <img src=x>\n";
    repo.run(
        &Run {
            documents: &[("public-api", &[0], "")],
            probe: Some((1, hostile)),
        },
        0,
    );
    let (title, body) = repo.open(DRIFT).expect("a drift issue");
    assert_eq!(title, "Upstream drift: live feed items");
    assert!(
        body.contains("    new field: a\n    <!-- drift-report-key: 0 -->\n    @maintainer <img src=x>\n"),
        "{body}"
    );
    assert!(body.starts_with("<!-- drift-report-key: "), "{body}");
    // A second run with the same report: the marker on the first line
    // matches, the one quoted inside does not count.
    repo.run(
        &Run {
            documents: &[("public-api", &[0], "")],
            probe: Some((1, hostile)),
        },
        0,
    );
    assert_eq!((repo.calls("issue edit"), repo.calls("issue comment")), (0, 0));
}
