//! The records `feed` writes: provenance (`fetched_at`, `request_id`) in
//! every text format, `--fields`, and the published JSON Schema that every
//! record of a demo harvest satisfies.

use httpmock::MockServer;
use justone_xhs::mock::DemoServer;
use serde_json::{Value, json};

mod support;

use support::{binary, run};

fn jsonl(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Two pages of the food channel, each answer with its own request id,
/// then the end of the feed.
fn two_pages() -> (MockServer, [&'static str; 2]) {
    let server = MockServer::start();
    let ids = ["7f3a9c-first", "b2c4e1-second"];
    for (page, request_id) in (1..).zip(ids) {
        let items: Vec<Value> = (0..3)
            .map(|n| json!({"id": format!("n{page}{n}"), "title": format!("标题 {page}-{n}"), "likes": n}))
            .collect();
        server.mock(|when, then| {
            when.query_param("page", page.to_string());
            then.status(200)
                .body(json!({"code": 0, "data": items, "requestId": request_id}).to_string());
        });
    }
    server.mock(|when, then| {
        when.query_param("page", "3");
        then.status(200).body(r#"{"code":0,"data":[],"requestId":"end"}"#);
    });
    (server, ids)
}

/// `fetched_at` is RFC 3339 UTC with milliseconds, between `before` and
/// `after` (texts in the same spelling sort as times).
fn fetched_between(at: &str, before: &str, after: &str) {
    assert_eq!(at.len(), 24, "{at}");
    assert!(at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");
    assert!(
        before[..19] <= at[..19] && at[..19] <= after[..19],
        "{before} <= {at} <= {after}"
    );
}

/// The current UTC time in the records' spelling, read from `date`.
fn utc_now() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%S.000Z"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn every_format_carries_the_request_id_the_server_sent_and_the_fetch_time() {
    let (server, ids) = two_pages();
    let base = server.base_url();
    let feed = |extra: &[&str]| {
        let out = run(&base, &[&["-c", "food", "--pages", "5"], extra].concat());
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let before = utc_now();
    let lines = feed(&[]);
    let array = feed(&["--format", "json"]);
    let csv = feed(&["--format", "csv"]);
    let table = feed(&["--format", "table", "--fields", "id,request_id,fetched_at"]);
    let after = utc_now();

    let records = jsonl(&lines);
    assert_eq!(records.len(), 6);
    let array: Vec<Value> = serde_json::from_str(&array).unwrap();
    for (records, format) in [(&records, "jsonl"), (&array, "json")] {
        for (n, record) in records.iter().enumerate() {
            assert_eq!(record["request_id"], ids[n / 3], "{format} {record}");
            fetched_between(record["fetched_at"].as_str().unwrap(), &before, &after);
        }
    }
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    assert_eq!(header[header.len() - 2..], ["fetched_at", "request_id"]);
    for (n, row) in rows.enumerate() {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[cells.len() - 1], ids[n / 3], "{row}");
        fetched_between(cells[cells.len() - 2], &before, &after);
    }
    let mut rows = table.lines();
    assert!(rows.next().unwrap().starts_with("ID"));
    for (n, row) in rows.enumerate() {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[1], ids[n / 3], "{row}");
        fetched_between(cells[2], &before, &after);
    }
}

#[test]
fn fields_choose_the_columns_in_their_order() {
    let server = DemoServer::builder().pages(1).start();
    let base = server.base_url();
    let fields = ["--fields", "likes,id,author_nickname,request_id"];
    let out = run(&base, &[&["-c", "food"], &fields[..]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let full = run(&base, &["-c", "food"]);
    for (chosen, record) in jsonl(&out.stdout).iter().zip(jsonl(&full.stdout)) {
        assert_eq!(chosen.as_object().unwrap().len(), 4, "{chosen}");
        assert_eq!(chosen["likes"], record["likes"]);
        assert_eq!(chosen["id"], record["id"]);
        assert_eq!(chosen["author_nickname"], record["author"]["nickname"]);
        assert_eq!(chosen["request_id"], "demo-homefeed_food_v3-1");
    }
    // serde_json's maps sort their keys: the order is checked on the text.
    assert!(out.stdout.starts_with(r#"{"likes":"#), "{}", out.stdout);

    let csv = run(&base, &["-c", "food", "--format", "csv", "--fields", "id,author"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert_eq!(csv.stdout.lines().next(), Some("id,author_id,author_nickname"));
    assert_eq!(csv.stdout.lines().count(), 21);

    let table = run(
        &base,
        &["-c", "food", "--format", "table", "--fields", "likes,title"],
    );
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.starts_with("  LIKES TITLE\n"), "{}", table.stdout);
}

#[test]
fn an_unknown_field_is_refused_before_any_request_naming_the_fields() {
    let server = DemoServer::builder().start();
    for extra in [
        &["--fields", "id,views"][..],
        &["--fields", "id", "--raw"],
        &["--fields", "id", "--format", "sqlite"],
    ] {
        let out = run(&server.base_url(), &[&["-c", "food"], extra].concat());
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
    }
    let out = run(&server.base_url(), &["-c", "food", "--fields", "id,views"]);
    assert!(
        out.stderr.contains("unknown field \"views\"") && out.stderr.contains("fetched_at, request_id"),
        "{}",
        out.stderr
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn every_record_of_a_demo_harvest_satisfies_the_published_schema() {
    let printed = binary(&["schema", "record"]).output().unwrap();
    assert!(printed.status.success());
    let schema: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("record.schema.json", schema).unwrap();
    let record_schema = compiler.compile("record.schema.json", &mut schemas).unwrap();

    let server = DemoServer::builder().pages(3).start();
    let out = run(&server.base_url(), &["-c", "food,travel,video", "--pages", "4"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let records = jsonl(&out.stdout);
    assert_eq!(records.len(), 3 * 3 * 20);
    for record in &records {
        if let Err(error) = schemas.validate(record, record_schema) {
            panic!("{error:#}\n{record}");
        }
    }
    // The schema says something: a record missing its provenance fails.
    let mut stripped = records[0].clone();
    stripped.as_object_mut().unwrap().remove("request_id");
    assert!(schemas.validate(&stripped, record_schema).is_err());
    let mut renamed = records[0].clone();
    renamed["fetched_at"] = json!("yesterday");
    assert!(schemas.validate(&renamed, record_schema).is_err());
}
