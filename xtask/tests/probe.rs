//! `cargo xtask probe` against the local demo server, with the bundled
//! fixtures and with modified ones; and the committed shape file is current.

use std::process::Command;

use justone_xhs::mock::{DemoServer, FIXTURE_PAGES, Fault};
use serde_json::Value;

const TOKEN: &str = "probe-SECRET-77aa";

fn probe(base_url: &str, token: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(["probe", "--base-url", base_url])
        .env_remove("JUST_ONE_API_TOKEN")
        .env_remove("JUSTONEAPI_TOKEN");
    if let Some(token) = token {
        command.env("JUST_ONE_API_TOKEN", token);
    }
    let out = command.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "token leaked: {stdout}{stderr}"
    );
    (out.status.code().unwrap(), stdout, stderr)
}

#[test]
fn committed_shape_is_derived_from_the_example_and_the_fixtures() {
    let fixtures = xtask::fixtures_dir().unwrap();
    let example = xtask::document::read(&fixtures.join("example-response.json")).unwrap();
    let pages: Vec<Value> = FIXTURE_PAGES
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect();
    let derived = xtask::probe::derive_shape(&example, &pages).to_json();
    let committed = xtask::document::read(&xtask::shape_file().unwrap()).unwrap();
    assert!(
        derived == committed,
        "spec/feed-item-shape.json is stale: run `cargo xtask shape`"
    );
}

#[test]
fn the_demo_feed_matches_the_shape() {
    let server = DemoServer::builder().start();
    let (code, stdout, stderr) = probe(&server.base_url(), Some(TOKEN));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("no change"), "{stdout}");
}

#[test]
fn new_retyped_and_missing_fields_are_drift() {
    let pages: Vec<String> = FIXTURE_PAGES
        .iter()
        .map(|page| {
            let mut envelope: Value = serde_json::from_str(page).unwrap();
            for item in envelope["data"].as_array_mut().unwrap() {
                let item = item.as_object_mut().unwrap();
                item.insert("share_info".into(), serde_json::json!({"link": "https://x"}));
                item.insert("cursor_score".into(), serde_json::json!(1772084648.999));
                item.remove("display_title");
            }
            envelope.to_string()
        })
        .collect();
    let server = DemoServer::builder().fixture_pages(pages).start();
    let (code, stdout, _) = probe(&server.base_url(), Some(TOKEN));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("- new field: share_info (object)"), "{stdout}");
    assert!(
        stdout.contains("- new field: share_info.link (string)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- retyped field: cursor_score: string -> number"),
        "{stdout}"
    );
    assert!(stdout.contains("- missing field: display_title"), "{stdout}");
}

#[test]
fn failures_are_exit_2_never_no_drift() {
    let server = DemoServer::builder().start();
    let (code, _, stderr) = probe(&server.base_url(), None);
    assert_eq!(code, 2);
    assert!(stderr.contains("JUST_ONE_API_TOKEN"), "{stderr}");

    let refusing = DemoServer::builder().fault(Fault::BusinessCode(100)).start();
    let (code, _, stderr) = probe(&refusing.base_url(), Some(TOKEN));
    assert_eq!(code, 2);
    assert!(stderr.contains("code 100"), "{stderr}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, stderr) = probe(&format!("http://127.0.0.1:{port}"), Some(TOKEN));
    assert_eq!(code, 2, "{stderr}");
}
