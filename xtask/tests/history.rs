//! The drift alarms and the normalizer replayed on the provider's real
//! history: 15 published versions of its full public document (of 67 between
//! 2026-03-29 and 2026-08-21), with this client's endpoint added to each,
//! since none of them contains it.
//!
//! The versions are carried in the repository, compressed
//! (`tests/data/public-api-history.jsonl.zst`, see the README beside it).

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;
use xtask::SpecLayout;
use xtask::document;
use xtask::drift::build_check;
use xtask::drift::lifecycle::NoticeHistory;
use xtask::drift::{self, Change, Class, Format, Policy, Scope};
use xtask::normalize::{Rule, normalize};
use xtask::spec_documents::{NOTES_FEED, PUBLIC_API};

const ENDPOINT_PATH: &str = NOTES_FEED.required_path;

#[path = "../../crates/justone-gen/generation_settings.rs"]
mod generation_settings;

/// The published versions, each as (file name, document), in order.
fn published_versions() -> Vec<(String, Value)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/public-api-history.jsonl.zst");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = ruzstd::decoding::StreamingDecoder::new(file).unwrap();
    BufReader::new(decoder)
        .lines()
        .map(|line| {
            let mut entry: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let file = entry["file"].as_str().unwrap().to_owned();
            (file, entry["document"].take())
        })
        .collect()
}

/// Every version, as (position among the 67, document with the endpoint).
fn versions() -> Vec<(u32, Value)> {
    let feed = document::read(&NOTES_FEED.workspace_files().unwrap().raw).unwrap();
    let versions = published_versions();
    assert_eq!(versions.len(), 15, "expected the 15 historical versions");
    versions
        .into_iter()
        .map(|(file, version)| {
            let position = file.split('.').nth(1).unwrap().parse().unwrap();
            (position, with_endpoint(version, &feed))
        })
        .collect()
}

/// Adds this client's operation to a version of the full document, with the
/// shared responses it refers to when the version has none of its own.
fn with_endpoint(mut version: Value, feed: &Value) -> Value {
    let item = feed["paths"][ENDPOINT_PATH].clone();
    version["paths"][ENDPOINT_PATH] = item;
    let responses = feed["components"]["responses"].as_object().unwrap();
    for (name, response) in responses {
        let slot = &mut version["components"]["responses"][name];
        if slot.is_null() {
            *slot = response.clone();
        }
    }
    version
}

/// Each consecutive pair: the changes, the text and markdown reports.
struct Replay {
    from: u32,
    to: u32,
    changes: Vec<Change>,
    text: String,
    markdown: String,
}

/// Replays the versions in order, as `check-drift public-api` would have
/// compared each with the one before, knowing since when removed operations
/// carried a notice.
fn replays(versions: &[(u32, Value)]) -> Vec<Replay> {
    let mut notices = NoticeHistory::default();
    let mut out = Vec::new();
    let mut previous: Option<(u32, &Value)> = None;
    for (position, version) in versions {
        if let Some((from, old)) = previous {
            let mut changes = drift::compare(old, version, &drift::GeneratedSurface::of(&PUBLIC_API));
            notices.annotate(&mut changes);
            out.push(Replay {
                from,
                to: *position,
                text: drift::render(&changes, Format::Text, Policy::default()),
                markdown: drift::render(&changes, Format::Markdown, Policy::default()),
                changes,
            });
        }
        notices.observe(&format!("{position:02}"), version);
        previous = Some((*position, version));
    }
    out
}

const SCOPE_ALL: Policy = Policy {
    fail_on: drift::FailOn::Additive,
    scope: Scope::All,
};

fn exit(changes: &[Change]) -> u8 {
    Policy::default().exit_status(changes)
}

fn count(changes: &[Change], detail: &str) -> usize {
    changes.iter().filter(|c| c.detail == detail).count()
}

/// Operations in both documents whose boolean `key` differs, found without
/// the drift module: the oracle for "every deprecation and every hiding is
/// reported".
fn flag_flips(old: &Value, new: &Value, key: &str) -> usize {
    let flag =
        |doc: &Value, path: &str, method: &str| doc["paths"][path][method][key].as_bool().unwrap_or(false);
    let mut flips = 0;
    for (path, item) in new["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if old["paths"][path].get(method).is_some() && flag(old, path, method) != flag(new, path, method)
            {
                flips += 1;
            }
        }
    }
    flips
}

#[test]
fn consecutive_versions_are_classified_and_reported() {
    let versions = versions();
    let replays = replays(&versions);
    let mut headlines = String::new();
    for (replay, pair) in replays.iter().zip(versions.windows(2)) {
        let Replay {
            from,
            to,
            changes,
            text,
            markdown,
        } = replay;
        for report in [text, markdown] {
            assert!(
                report.len() <= drift::report::MAX_CHARS,
                "{from}->{to}: {} characters",
                report.len()
            );
        }
        let json: Value =
            serde_json::from_str(&drift::render(changes, Format::Json, Policy::default())).unwrap();
        assert_eq!(json["changes"].as_array().unwrap().len(), changes.len());
        assert_eq!(json["exit_status"], exit(changes));

        // Every deprecation and every hiding is reported, whatever else
        // changed with it; a deprecation replaced by hiding is one change.
        let (old, new) = (&pair[0].1, &pair[1].1);
        let reported = |kind: &str, detail: &str| {
            changes
                .iter()
                .filter(|c| c.kind == kind && c.detail.starts_with("operation:") && c.detail.contains(detail))
                .count()
        };
        assert_eq!(
            reported("deprecated", "") + reported("hidden", "instead of deprecated"),
            flag_flips(old, new, "deprecated"),
            "{from}->{to}"
        );
        assert_eq!(
            reported("hidden", ""),
            flag_flips(old, new, "x-docs-hidden"),
            "{from}->{to}"
        );
        // No raw JSON pointers: everything the walk meets has a rule.
        assert!(
            changes.iter().all(|c| c.kind != "other"),
            "{from}->{to}: unclassified: {:?}",
            changes.iter().filter(|c| c.kind == "other").collect::<Vec<_>>()
        );

        headlines.push_str(&format!(
            "{from:02} -> {to:02}: exit {} (--scope all: {}), {} lines\n{}\n",
            exit(changes),
            SCOPE_ALL.exit_status(changes),
            text.lines().count(),
            text.lines().next().unwrap_or_default()
        ));
    }
    insta::assert_snapshot!("history_headlines", headlines);

    let pair = |from: u32| replays.iter().find(|r| r.from == from).unwrap();

    // Pairs that change only other platforms' operations: listed,
    // collapsed, and no alert unless `--scope all`. (15 -> 22 adds Creator
    // Marketplace operations, which are generated.)
    for from in [12, 22, 59] {
        let r = pair(from);
        assert!(
            r.changes
                .iter()
                .all(|c| !c.generated || c.class == Class::DocsOnly),
            "{}",
            r.text
        );
        assert_eq!(
            (exit(&r.changes), SCOPE_ALL.exit_status(&r.changes)),
            (0, 1),
            "{}",
            r.text
        );
        assert!(
            r.markdown
                .contains("<details><summary>Rest of the document, not generated")
        );
    }

    // 11 -> 12: 220 operationIds moved to the method-and-path scheme; the
    // 39 that rename generated methods (15 RedNote, 24 Creator Marketplace)
    // are each named, the rest one line.
    let r = pair(11);
    let generated_renames: Vec<&Change> = r
        .changes
        .iter()
        .filter(|c| c.kind == "operation-id" && c.generated)
        .collect();
    assert_eq!(generated_renames.len(), 39);
    for rename in generated_renames {
        assert!(
            r.text.contains(&format!("{}: {}", rename.subject, rename.detail)),
            "{}",
            r.text
        );
    }
    assert!(
        r.text.contains(
            "operationId renamed to the provider's method-and-path scheme (`getApiXV1`) in 181 places:"
        ),
        "{}",
        r.text
    );

    // 12 -> 13: one deprecation, reported next to five new operations.
    let r = pair(12);
    assert!(
        r.text
            .contains("GET /api/douyin-ec/get-item-detail/v1: operation: deprecated"),
        "{}",
        r.text
    );

    // 14 -> 15: Xiaohongshu operations hidden, one where it was deprecated.
    let r = pair(14);
    assert!(
        r.text.contains(
            "GET /api/xiaohongshu/get-note-detail/v3: operation: hidden from the documentation \
             (x-docs-hidden) instead of deprecated"
        ),
        "{}",
        r.text
    );
    assert!(
        !r.text
            .contains("get-note-detail/v3: operation: no longer deprecated")
    );

    // 23 -> 39 and 60 -> 66 (31 -> 32 and 63 -> 64 upstream): a generated
    // operation hidden is an alert.
    for (from, path) in [(23, "get-note-detail/v5"), (60, "hot-list/v1")] {
        let r = pair(from);
        let subject = format!("GET /api/xiaohongshu/{path}");
        assert!(
            r.changes.iter().any(|c| c.kind == "hidden"
                && c.generated
                && c.subject == subject
                && Policy::default().alerts(c)),
            "{}",
            r.text
        );
        assert_eq!(exit(&r.changes), 1);
    }

    // 14 -> 15: `Result.requestId` appeared.
    assert!(
        pair(14).text.contains("Result.requestId: added (string)"),
        "{}",
        pair(14).text
    );

    // 23 -> 39 (38 -> 39 upstream): 13 POST request bodies became required.
    let r = pair(23);
    assert_eq!(count(&r.changes, "request body: became required"), 13);
    assert!(
        r.changes
            .iter()
            .filter(|c| c.detail == "request body: became required")
            .all(|c| c.class == Class::Breaking)
    );

    // 39 -> 40: `Result.code` retyped, said first and plainly; the report
    // fits a screen and still names every operation removed and added, and
    // whether and since when each removal was announced.
    let r = pair(39);
    let second_line = r.text.lines().nth(1).unwrap();
    assert!(
        second_line
            .starts_with("!! breaking: Result.code: type string -> integer/int32; it is now an integer"),
        "{second_line}"
    );
    assert!(
        r.markdown
            .contains("> [!CAUTION]\n> breaking: `Result.code: type string -> integer/int32")
    );
    assert!(r.text.lines().count() <= 50, "{}", r.text);
    for (kind, expected) in [("operation-removed", 47), ("operation-added", 15)] {
        let subjects: Vec<&str> = r
            .changes
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.subject.as_str())
            .collect();
        assert_eq!(subjects.len(), expected, "{kind}");
        for subject in subjects {
            assert!(r.text.contains(subject), "{subject} not in:\n{}", r.text);
        }
    }
    // get-note-detail/v7 went the way of nine Creator Marketplace
    // operations: one line for the ten.
    let v7 = r
        .text
        .lines()
        .find(|line| line.contains("GET /api/xiaohongshu/get-note-detail/v7"))
        .unwrap_or_default();
    assert!(
        v7.contains(
            "operation removed after notice: it was deprecated since version 07 or earlier and hidden \
             since version 15 in 10 places:"
        ),
        "{}",
        r.text
    );
    for detail in [
        "Result.message: type string -> string|null",
        "Result.recordTime: became required",
    ] {
        assert!(r.text.contains(detail), "{detail} not in:\n{}", r.text);
    }
    insta::assert_snapshot!("history_39_to_40_markdown", r.markdown);

    // 66 -> 67: a release id and an `x-recommended` flag: docs-only, exit 0.
    let r = pair(66);
    assert_eq!(exit(&r.changes), 0, "{}", r.text);
    assert!(r.changes.iter().all(|c| c.class == Class::DocsOnly));
    assert!(r.text.contains("release id: 1"), "{}", r.text);
}

/// Since version 40 the provider publishes one document per endpoint besides
/// the full one: servers, components, the endpoint's tag, the release id and
/// the one operation. Built that way for this client's endpoint, the
/// releases that did not touch it must not alert.
#[test]
fn single_endpoint_documents_alert_only_when_the_endpoint_changes() {
    let committed = document::read(&NOTES_FEED.workspace_files().unwrap().raw).unwrap();
    let single = |version: &Value| {
        let mut doc = committed.clone();
        for key in ["servers", "components", "x-openapi-release-id", "info", "openapi"] {
            doc[key] = version[key].clone();
        }
        doc["tags"] = Value::Array(
            version["tags"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["name"] == "Xiaohongshu (RedNote)")
                .cloned()
                .collect(),
        );
        doc
    };
    let versions: Vec<(u32, Value)> = versions()
        .into_iter()
        .filter(|(n, _)| *n >= 40)
        .map(|(n, v)| (n, single(&v)))
        .collect();
    let outcomes: Vec<(u32, u8)> = replays(&versions)
        .iter()
        .map(|r| (r.from, exit(&r.changes)))
        .collect();
    // 40 -> 59 added business code 503 and the shared 503 response.
    assert_eq!(outcomes, [(40, 1), (59, 0), (60, 0), (66, 0)]);
    for replay in replays(&versions).iter().filter(|r| r.from > 40) {
        assert!(
            replay.changes.iter().any(|c| c.kind == "release id"),
            "{}",
            replay.text
        );
    }
    let first = &replays(&versions)[0];
    assert!(
        first.text.contains("Result.code: business code added: 503"),
        "{}",
        first.text
    );
}

/// Every version, normalized, generates with the build script's settings:
/// the operationIds early versions reuse are made unique on the way.
#[test]
fn every_version_normalizes_and_generates() {
    let settings = generation_settings::generation_settings();
    for (position, version) in versions() {
        let normalized = normalize(&version).unwrap();
        if [7, 11].contains(&position) {
            assert!(
                normalized
                    .rewrites
                    .iter()
                    .any(|r| r.rule == Rule::UniqueOperationId),
                "version {position} reuses operationIds"
            );
        }
        let spec: openapiv3::OpenAPI = serde_json::from_value(normalized.document)
            .unwrap_or_else(|e| panic!("version {position}: not OpenAPI 3.0 after normalizing: {e}"));
        let tokens = progenitor::Generator::new(&settings)
            .generate_tokens(&spec)
            .unwrap_or_else(|e| panic!("version {position}: progenitor: {e}"));
        let code = tokens.to_string();
        assert!(
            code.contains(&format!("Sends a `GET` request to `{ENDPOINT_PATH}`")),
            "version {position}: no method for the endpoint"
        );
    }
}

/// The build check on the history: each version, as `public-api`, merged
/// with the committed feed and account documents the way `build.rs` merges
/// them. Versions up to 40 carry a `Result` other than the feed's (the
/// business codes differ), so the build would refuse them; from 59 on it
/// takes them, and no later release renames a generated method.
#[test]
fn the_build_check_replays_the_history() {
    let layout = SpecLayout::workspace().unwrap();
    let verdicts: Vec<(String, build_check::Verdict)> = published_versions()
        .into_iter()
        .map(|(file, version)| {
            let verdict = build_check::union_with(&PUBLIC_API, &version, &layout).unwrap();
            (file, verdict)
        })
        .collect();
    for (file, verdict) in &verdicts {
        let position: u32 = file.split('.').nth(1).unwrap().parse().unwrap();
        match verdict {
            Err(reason) => {
                assert!(position <= 40, "{file}: refused: {reason}");
                assert!(
                    reason.contains("components/schemas/Result differently"),
                    "{file}: {reason}"
                );
            }
            Ok(_) => assert!(position >= 59, "{file}: accepted"),
        }
    }
    for pair in verdicts.windows(2) {
        let effects = build_check::effects(&pair[0].1, &pair[1].1);
        let (from, to) = (&pair[0].0, &pair[1].0);
        match &pair[1].1 {
            Err(_) => {
                assert_eq!(effects.len(), 1, "{from} -> {to}");
                assert_eq!(effects[0].kind, "build-refused");
            }
            Ok(_) => assert!(effects.is_empty(), "{from} -> {to}: {effects:?}"),
        }
    }
}
