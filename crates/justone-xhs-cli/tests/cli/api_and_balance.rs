//! `justone-xhs api` and `justone-xhs balance` through the binary, against
//! the library's demo server and httpmock, counting what the server got.

use httpmock::prelude::*;
use justone_xhs::Client;
use justone_xhs::mock::DemoServer;

// The binary runs as in the rest of the contract: token in the environment,
// and no output may contain it.
use super::{TOKEN, run};

#[test]
fn list_names_every_operation_and_sends_nothing() {
    let listed = run(&["api", "--list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(listed.stdout.lines().count(), Client::operations().len());
    for op in Client::operations() {
        assert!(
            listed.stdout.contains(op.id) && listed.stdout.contains(op.path),
            "{}",
            op.id
        );
    }
    assert!(listed.stdout.contains("getUserGetBalance"));
}

#[test]
fn a_call_prints_data_and_the_request_id() {
    let server = DemoServer::builder().start();
    let url = server.base_url();
    let out = run(&[
        "api",
        "getApiXiaohongshuGetNoteDetailV1",
        "--base-url",
        &url,
        "--param",
        "noteId=n1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "{\"demo\":true,\"operation\":\"/api/xiaohongshu/get-note-detail/v1\"}\n"
    );
    assert!(
        out.stderr
            .contains("request id: req-getApiXiaohongshuGetNoteDetailV1"),
        "{}",
        out.stderr
    );
    assert_eq!(server.requests(), 1);
}

#[test]
fn parameters_and_token_reach_the_server_as_given() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/api/xiaohongshu/search-note/v1")
            .query_param("token", TOKEN)
            .query_param("keyword", "咖啡 & tea")
            .query_param("page", "2")
            .query_param("sort", "time_descending");
        then.status(200)
            .body(r#"{"code":0,"data":[1.10, "x"],"requestId":"r9"}"#);
    });
    let out = run(&[
        "api",
        "getApiXiaohongshuSearchNoteV1",
        "--base-url",
        &server.base_url(),
        "-p",
        "keyword=咖啡 & tea",
        "-p",
        "page=2",
        "-p",
        "sort=time_descending",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One line per page: the provider's whitespace goes, its numbers stay.
    assert_eq!(out.stdout, "[1.10,\"x\"]\n");
    assert_eq!(mock.calls(), 1);
    // search-note/v1 is hidden from the provider's documentation.
    assert!(
        out.stderr
            .contains("warning: getApiXiaohongshuSearchNoteV1 is hidden from the provider's documentation"),
        "{}",
        out.stderr
    );
}

#[test]
fn invalid_calls_exit_2_with_what_is_allowed_and_send_nothing() {
    let server = DemoServer::builder().start();
    let url = server.base_url();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "getApiXiaohongshuSearchNoteV1",
                "-p",
                "keyword=k",
                "-p",
                "sort=best",
            ],
            "time_descending",
        ),
        (
            &["getApiXiaohongshuSearchNoteV1", "-p", "page=1"],
            "\"keyword\" is required",
        ),
        (
            &["getApiXiaohongshuSearchNoteV1", "-p", "keyword=k", "-p", "page=x"],
            "whole number",
        ),
        (
            &[
                "getApiXiaohongshuSearchNoteV1",
                "-p",
                "keyword=k",
                "-p",
                "colour=red",
            ],
            "noteType",
        ),
        (&["getNothing"], "no operation"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["api", "--base-url", &url];
        all.extend_from_slice(args);
        let out = run(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn balance_prints_the_exact_amount() {
    let server = DemoServer::builder().start();
    let url = server.base_url();
    let text = run(&["balance", "--base-url", &url]);
    assert_eq!(
        (text.code, text.stdout.as_str()),
        (0, "balance: 100.0000 CNY\n"),
        "{}",
        text.stderr
    );
    let json = run(&["balance", "--base-url", &url, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["balance"], "100.0000");
    assert_eq!(value["currency"], "CNY");
    assert_eq!(server.requests(), 2);
    let demo = run(&["balance", "--demo"]);
    assert_eq!(demo.stdout, "balance: 100.0000 CNY\n");
}
