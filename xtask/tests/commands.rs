//! `cargo xtask regen` and `cargo xtask check-drift` end to end, against a
//! local httpmock server serving modified copies of the committed spec.

use std::path::Path;
use std::process::{Command, Output};

use httpmock::prelude::*;
use serde_json::{Value, json};
use xtask::SpecFiles;
use xtask::document::{self, canonical};

const DOC_PATH: &str = "/openapi/xiaohongshu-apis/notes-feed-v1-en.json";
const PARAMETERS: &str = "/paths/~1api~1xiaohongshu~1get-note-feed~1v1/get/parameters";
const OID: &str = "/paths/~1api~1xiaohongshu~1get-note-feed~1v1/get/parameters/1/schema/enum";

fn committed() -> Value {
    document::read(&SpecFiles::workspace().unwrap().raw).unwrap()
}

/// A spec directory holding a copy of the committed files.
fn spec_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let workspace = SpecFiles::workspace().unwrap();
    let copy = SpecFiles::in_dir(dir.path());
    std::fs::copy(&workspace.raw, &copy.raw).unwrap();
    std::fs::copy(&workspace.normalized, &copy.normalized).unwrap();
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
    let server = MockServer::start();
    let url = serve(&server, 200, canonical(document));
    let dir = spec_dir();
    let out = xtask(&["check-drift", "--url", &url], dir.path());
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
    let out = xtask(&["check-drift", "--url", &url], dir.path());
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
    let out = xtask(&["check-drift", "--url", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

#[test]
fn json_that_is_not_openapi_is_a_failure() {
    let server = MockServer::start();
    let url = serve(&server, 200, r#"{"code": 0, "data": []}"#.into());
    let dir = spec_dir();
    let out = xtask(&["check-drift", "--url", &url], dir.path());
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
        &["check-drift", "--url", &format!("http://127.0.0.1:{port}/x.json")],
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
    let out = xtask(&["regen", "--url", &url], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("enum value added: homefeed_drift_test_only_v0"));

    let files = SpecFiles::in_dir(dir.path());
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
    let again = xtask(&["check-drift", "--url", &url], dir.path());
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn failed_regen_leaves_spec_untouched() {
    let server = MockServer::start();
    let url = serve(&server, 200, "<html>oops</html>".into());
    let dir = spec_dir();
    let files = SpecFiles::in_dir(dir.path());
    let before = std::fs::read(&files.raw).unwrap();
    let out = xtask(&["regen", "--url", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&files.raw).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no stray files"
    );
}

#[test]
fn regen_from_file_of_the_committed_spec_is_no_change() {
    let dir = spec_dir();
    let raw = SpecFiles::workspace().unwrap().raw;
    let out = xtask(&["regen", "--from-file", raw.to_str().unwrap()], dir.path());
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no change\n");
}
