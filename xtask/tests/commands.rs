//! `cargo xtask regen` and `cargo xtask check-drift` end to end, against a
//! local httpmock server serving modified copies of the committed spec.

use std::path::Path;
use std::process::{Command, Output};

use httpmock::prelude::*;
use serde_json::{Value, json};
use xtask::document::{self, canonical};
use xtask::spec_documents::{DOCUMENTS, NOTES_FEED, PUBLIC_API};

const DOC_PATH: &str = "/openapi/xiaohongshu-apis/notes-feed-v1-en.json";
const PARAMETERS: &str = "/paths/~1api~1xiaohongshu~1get-note-feed~1v1/get/parameters";
const OID: &str = "/paths/~1api~1xiaohongshu~1get-note-feed~1v1/get/parameters/1/schema/enum";

fn committed() -> Value {
    document::read(&NOTES_FEED.workspace_files().unwrap().raw).unwrap()
}

/// A spec directory holding a copy of the committed files of every
/// document (the build check merges them all).
fn spec_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for spec in DOCUMENTS {
        let workspace = spec.workspace_files().unwrap();
        let copy = spec.files_in_dir(dir.path());
        std::fs::copy(&workspace.raw, &copy.raw).unwrap();
        std::fs::copy(&workspace.normalized, &copy.normalized).unwrap();
    }
    dir
}

fn xtask(args: &[&str], spec: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--spec-dir")
        .arg(spec)
        .output()
        .unwrap()
}

fn serve(server: &MockServer, status: u16, body: String) -> String {
    server.mock(|when, then| {
        when.method(GET).path(DOC_PATH);
        then.status(status)
            .header("content-type", "application/json")
            .body(body);
    });
    server.url(DOC_PATH)
}

fn check_drift_against(document: &Value) -> (i32, String, String) {
    check_drift_with(document, &[])
}

fn check_drift_with(document: &Value, flags: &[&str]) -> (i32, String, String) {
    check_drift_of("notes-feed", document, flags)
}

/// `check-drift NAME` against `document`, served locally, with the
/// committed files of every document as the spec.
fn check_drift_of(name: &str, document: &Value, flags: &[&str]) -> (i32, String, String) {
    let server = MockServer::start();
    let url = serve(&server, 200, canonical(document));
    let dir = spec_dir();
    let mut args = vec!["check-drift", name, "--url", &url];
    args.extend_from_slice(flags);
    let out = xtask(&args, dir.path());
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn identical_document_is_no_drift() {
    let (code, stdout, _) = check_drift_against(&committed());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("no drift"), "{stdout}");
}

/// Applies `change` to a copy of the committed spec, serves it, and checks
/// that check-drift exits 1 with `expected` in its report.
fn assert_drift(change: impl FnOnce(&mut Value), expected: &str) {
    let mut doc = committed();
    change(&mut doc);
    let (code, stdout, _) = check_drift_against(&doc);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains(expected), "expected {expected:?} in:\n{stdout}");
}

fn array_at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Vec<Value> {
    doc.pointer_mut(pointer).unwrap().as_array_mut().unwrap()
}

#[test]
fn added_channel_is_drift_and_named() {
    assert_drift(
        |doc| array_at(doc, OID).push(json!("homefeed_drift_test_only_v0")),
        "parameter oid: enum value added: homefeed_drift_test_only_v0",
    );
}

#[test]
fn removed_channel_is_drift_and_named() {
    assert_drift(
        |doc| array_at(doc, OID).retain(|v| v != "homefeed_live"),
        "parameter oid: enum value removed: homefeed_live",
    );
}

#[test]
fn page_made_required_is_drift() {
    assert_drift(
        |doc| *doc.pointer_mut(&format!("{PARAMETERS}/2/required")).unwrap() = json!(true),
        "parameter page: became required",
    );
}

#[test]
fn new_business_code_is_drift() {
    assert_drift(
        |doc| array_at(doc, "/components/schemas/Result/properties/code/enum").push(json!(304)),
        "business code added: 304",
    );
}

#[test]
fn http_error_is_a_failure_not_no_drift() {
    let server = MockServer::start();
    let url = serve(&server, 500, "upstream exploded".into());
    let dir = spec_dir();
    let out = xtask(&["check-drift", "notes-feed", "--url", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
}

#[test]
fn html_body_is_a_failure() {
    let server = MockServer::start();
    let url = serve(
        &server,
        200,
        "<!DOCTYPE html><html><body>Maintenance</body></html>".into(),
    );
    let dir = spec_dir();
    let out = xtask(&["check-drift", "notes-feed", "--url", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

#[test]
fn json_that_is_not_openapi_is_a_failure() {
    let server = MockServer::start();
    let url = serve(&server, 200, r#"{"code": 0, "data": []}"#.into());
    let dir = spec_dir();
    let out = xtask(&["check-drift", "notes-feed", "--url", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an OpenAPI document"));
}

#[test]
fn connection_failure_is_a_failure() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = spec_dir();
    let out = xtask(
        &[
            "check-drift",
            "notes-feed",
            "--url",
            &format!("http://127.0.0.1:{port}/x.json"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("connection failed"));
}

#[test]
fn regen_rewrites_both_files_and_reports_the_change() {
    let mut doc = committed();
    array_at(&mut doc, OID).push(json!("homefeed_drift_test_only_v0"));
    let server = MockServer::start();
    let url = serve(&server, 200, serde_json::to_string(&doc).unwrap());
    let dir = spec_dir();
    let out = xtask(&["regen", "notes-feed", "--url", &url], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("enum value added: homefeed_drift_test_only_v0"));

    let files = NOTES_FEED.files_in_dir(dir.path());
    // The raw file is the published document, in canonical form.
    assert_eq!(std::fs::read_to_string(&files.raw).unwrap(), canonical(&doc));
    let normalized = document::read(&files.normalized).unwrap();
    let kept = normalized
        .pointer("/paths/~1api~1xiaohongshu~1get-note-feed~1v1/get/parameters/1/schema/x-justone-enum")
        .unwrap();
    assert!(
        kept.as_array()
            .unwrap()
            .contains(&json!("homefeed_drift_test_only_v0"))
    );

    // Now the copy matches what is published.
    let again = xtask(&["check-drift", "notes-feed", "--url", &url], dir.path());
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn failed_regen_leaves_spec_untouched() {
    let server = MockServer::start();
    let url = serve(&server, 200, "<html>oops</html>".into());
    let dir = spec_dir();
    let files = NOTES_FEED.files_in_dir(dir.path());
    let before = std::fs::read(&files.raw).unwrap();
    let out = xtask(&["regen", "notes-feed", "--url", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&files.raw).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2 * DOCUMENTS.len(),
        "no stray files"
    );
}

#[test]
fn regen_from_file_of_the_committed_spec_is_no_change() {
    let dir = spec_dir();
    let raw = NOTES_FEED.workspace_files().unwrap().raw;
    let out = xtask(
        &["regen", "notes-feed", "--from-file", raw.to_str().unwrap()],
        dir.path(),
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no change\n");
}

/// Applies `change` to a copy of the committed spec and checks that
/// check-drift lists it as docs-only and exits 0, or 1 with `--fail-on docs`.
fn assert_docs_only(change: impl FnOnce(&mut Value), expected: &str) {
    let mut doc = committed();
    change(&mut doc);
    let (code, stdout, _) = check_drift_against(&doc);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 breaking, 0 additive"), "{stdout}");
    assert!(stdout.contains(expected), "expected {expected:?} in:\n{stdout}");
    let (code, stdout, _) = check_drift_with(&doc, &["--fail-on", "docs"]);
    assert_eq!(code, 1, "{stdout}");
}

#[test]
fn a_new_release_id_alone_is_docs_only() {
    assert_docs_only(
        |doc| doc["x-openapi-release-id"] = json!("0123456789abcdef"),
        "release id: 1",
    );
}

#[test]
fn reordered_channels_are_docs_only() {
    assert_docs_only(|doc| array_at(doc, OID).reverse(), "enum order: 1");
}

#[test]
fn reordered_parameters_are_docs_only() {
    assert_docs_only(|doc| array_at(doc, PARAMETERS).reverse(), "parameter order: 1");
}

#[test]
fn docs_metadata_is_docs_only() {
    assert_docs_only(
        |doc| {
            let op = doc
                .pointer_mut("/paths/~1api~1xiaohongshu~1get-note-feed~1v1/get")
                .unwrap();
            op["x-highlights"] = json!(["new"]);
            op["x-recommended"] = json!(true);
            op["description"] = json!("changed");
        },
        "x-recommended: 1",
    );
}

#[test]
fn fail_on_breaking_ignores_additive_changes() {
    let mut doc = committed();
    array_at(&mut doc, OID).push(json!("homefeed_drift_test_only_v0"));
    let (code, stdout, _) = check_drift_with(&doc, &["--fail-on", "breaking"]);
    assert_eq!(code, 0, "{stdout}");
    array_at(&mut doc, OID).retain(|v| v != "homefeed_live");
    let (code, stdout, _) = check_drift_with(&doc, &["--fail-on", "breaking"]);
    assert_eq!(code, 1, "{stdout}");
}

#[test]
fn markdown_and_json_reports() {
    let mut doc = committed();
    array_at(&mut doc, OID).retain(|v| v != "homefeed_live");
    let (code, markdown, _) = check_drift_with(&doc, &["--format", "markdown"]);
    assert_eq!(code, 1);
    assert!(
        markdown.starts_with(
            "## Upstream drift: 1 breaking, 0 additive, 0 docs-only (alert); generated surface: \
             1 breaking, 0 additive, 0 docs-only <!-- drift-alerts: "
        ),
        "{markdown}"
    );
    assert!(markdown.contains("**Breaking (1 in 1 line)**"), "{markdown}");
    assert!(
        markdown.contains(
            "- `GET /api/xiaohongshu/get-note-feed/v1`: `parameter oid: enum value removed: homefeed_live`"
        ),
        "{markdown}"
    );

    let (code, json, _) = check_drift_with(&doc, &["--format", "json"]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["counts"]["breaking"], 1);
    assert_eq!(json["exit_status"], 1);
    assert_eq!(json["changes"][0]["kind"], "enum value removed");
    assert_eq!(
        json["changes"][0]["subject"],
        "GET /api/xiaohongshu/get-note-feed/v1"
    );

    let (code, json, _) = check_drift_with(&committed(), &["--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&json).unwrap()["changes"],
        json!([])
    );
}

#[cfg(unix)]
#[test]
fn regen_keeps_file_modes() {
    use std::os::unix::fs::PermissionsExt;
    let mut doc = committed();
    array_at(&mut doc, OID).push(json!("homefeed_drift_test_only_v0"));
    let source = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(source.path(), canonical(&doc)).unwrap();
    let dir = spec_dir();
    let files = NOTES_FEED.files_in_dir(dir.path());
    for file in [&files.raw, &files.normalized] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = xtask(
        &[
            "regen",
            "notes-feed",
            "--from-file",
            source.path().to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for file in [&files.raw, &files.normalized] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{}", file.display());
    }
}

/// An xtask binary built in one checkout and run from another (a shared
/// target directory) reads and writes the checkout it is run in.
#[test]
fn regen_writes_into_the_checkout_it_is_run_from() {
    let clone = tempfile::tempdir().unwrap();
    std::fs::write(clone.path().join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    let ours = NOTES_FEED.workspace_files().unwrap();
    let theirs = NOTES_FEED.files_in_workspace(clone.path());
    for file in [&theirs.raw, &theirs.normalized] {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    }
    std::fs::copy(&ours.raw, &theirs.raw).unwrap();
    let before = std::fs::read(&ours.raw).unwrap();

    let mut doc = committed();
    array_at(&mut doc, OID).push(json!("homefeed_drift_test_only_v0"));
    let source = clone.path().join("published.json");
    std::fs::write(&source, canonical(&doc)).unwrap();
    let nested = clone.path().join("crates/some-crate");
    std::fs::create_dir_all(&nested).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "notes-feed", "--from-file"])
        .arg(&source)
        .current_dir(&nested)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&theirs.raw).unwrap(), canonical(&doc));
    assert!(theirs.normalized.exists());
    assert_eq!(
        std::fs::read(&ours.raw).unwrap(),
        before,
        "this checkout's spec/ was written"
    );

    // Outside any workspace: a clear error, nothing written.
    let nowhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check-drift", "notes-feed", "--from-file"])
        .arg(&source)
        .current_dir(nowhere.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot find the workspace"));
}

/// The workflow comments only when the report changes: a drift that
/// persists across releases (new release ids) keeps the same report.
#[test]
fn a_persisting_drift_reports_the_same_across_releases() {
    let report = |release: &str| {
        let mut doc = committed();
        array_at(&mut doc, OID).push(json!("homefeed_drift_test_only_v0"));
        doc["x-openapi-release-id"] = json!(release);
        check_drift_with(&doc, &["--format", "markdown"]).1
    };
    assert_eq!(report("1111111111111111"), report("2222222222222222"));
}

/// The hand-written account document has no source: `regen account`
/// re-normalizes the committed raw file, and `check-drift` leaves it out.
#[test]
fn regen_of_the_account_document_needs_no_download() {
    use xtask::spec_documents::ACCOUNT;
    let dir = tempfile::tempdir().unwrap();
    let workspace = ACCOUNT.workspace_files().unwrap();
    let copy = ACCOUNT.files_in_dir(dir.path());
    std::fs::copy(&workspace.raw, &copy.raw).unwrap();
    let out = xtask(&["regen", "account"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        std::fs::read(&copy.normalized).unwrap(),
        std::fs::read(&workspace.normalized).unwrap()
    );
}

#[test]
fn a_source_or_json_report_needs_one_named_document() {
    let dir = spec_dir();
    let refused = |args: &[&str]| {
        let out = xtask(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(refused(&["regen", "--url", "http://127.0.0.1:9/x.json"]).contains("DOCUMENT"));
    assert!(refused(&["check-drift", "--format", "json"]).contains("needs one document"));
    assert!(refused(&["regen", "nope", "--from-file", "x.json"]).contains("no document named \"nope\""));
}

fn committed_public_api() -> Value {
    document::read(&PUBLIC_API.workspace_files().unwrap().raw).unwrap()
}

#[test]
fn another_platforms_change_alerts_only_with_scope_all() {
    let mut doc = committed_public_api();
    let paths = doc["paths"].as_object_mut().unwrap();
    let other = paths
        .keys()
        .find(|p| !p.starts_with("/api/xiaohongshu/"))
        .unwrap()
        .clone();
    paths.remove(&other);
    let (code, stdout, _) = check_drift_of("public-api", &doc, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(&format!("GET {other}: operation removed")),
        "{stdout}"
    );
    let (code, stdout, _) = check_drift_of("public-api", &doc, &["--scope", "all"]);
    assert_eq!(code, 1, "{stdout}");
}

/// A business code added to the public document alone makes its `Result`
/// differ from the feed's: the build would stop, which a comparison of the
/// public document alone cannot see.
#[test]
fn a_document_the_build_would_refuse_is_breaking() {
    let mut doc = committed_public_api();
    array_at(&mut doc, "/components/schemas/Result/properties/code/enum").push(json!(777));
    let (code, stdout, _) = check_drift_of("public-api", &doc, &[]);
    assert_eq!(code, 1, "{stdout}");
    let second_line = stdout.lines().nth(1).unwrap_or_default();
    assert!(
        second_line.starts_with("!! breaking: the build would refuse this: ")
            && second_line.contains("components/schemas/Result differently"),
        "{stdout}"
    );
}

/// An operation on another platform that reuses a Xiaohongshu operationId
/// makes the unique-id rule rename both, and the other one takes the name
/// first: the generated method changes though nothing of the Xiaohongshu
/// operation did.
#[test]
fn a_method_renamed_through_another_platform_is_breaking() {
    let mut doc = committed_public_api();
    let path = "/api/xiaohongshu/get-note-detail/v1";
    let mut copy = doc["paths"][path].clone();
    assert_eq!(copy["get"]["operationId"], "getApiXiaohongshuGetNoteDetailV1");
    copy["get"]["x-note"] = json!("a copy for the test");
    // Sorts before the Xiaohongshu path and spells the same method name.
    doc["paths"]["/api/xiaohongshu-get/note-detail/v1"] = copy;
    let (code, stdout, _) = check_drift_of("public-api", &doc, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "GET {path}: method `get_api_xiaohongshu_get_note_detail_v1` would be renamed to \
             `get_api_xiaohongshu_get_note_detail_v12`"
        )),
        "{stdout}"
    );
}
