//! `justone-xhs mcp` driven by a real MCP client (rmcp's) over stdio, the
//! server a separate process of the built binary, the API the demo server
//! in this process (so that the test counts requests). Every byte that
//! crosses stdin, stdout and stderr is recorded and searched for the token.

#![cfg(feature = "mcp")]

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use justone_xhs::mock::{DemoServer, Fault};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::process::{Child, Command};

/// A token with the characters that URL encoding changes.
const TOKEN: &str = "tok+MCP/secret==";

/// The token as it could appear anywhere: as is, percent-encoded (either
/// case), form-decoded (`+` as a space).
const TOKEN_FORMS: [&str; 5] = [
    "tok+MCP/secret==",
    "tok%2BMCP%2Fsecret%3D%3D",
    "tok%2bMCP%2fsecret%3d%3d",
    "tok MCP/secret==",
    "MCP/secret",
];

type Log = Arc<Mutex<Vec<u8>>>;

/// One `justone-xhs mcp` process and the client talking to it.
struct Session {
    client: RunningService<RoleClient, ()>,
    child: Child,
    /// What the client wrote to the server's stdin.
    sent: Log,
    /// What the server wrote to its stdout.
    received: Log,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
}

/// What a session exchanged, once it is over.
struct Transcript {
    status: ExitStatus,
    sent: String,
    received: String,
    stderr: String,
}

/// Starts `justone-xhs mcp ARGS` with the token in the environment.
async fn start(args: &[&str]) -> Session {
    start_with(args, Some(TOKEN), false).await
}

async fn start_with(args: &[&str], token: Option<&str>, log: bool) -> Session {
    let mut command = Command::new(env!("CARGO_BIN_EXE_justone-xhs"));
    command
        .arg("mcp")
        .args(args)
        .env_remove("JUST_ONE_API_TOKEN")
        .env_remove("JUSTONEAPI_TOKEN")
        .env_remove("JUSTONE_BASE_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(token) = token {
        command.env("JUST_ONE_API_TOKEN", token);
    }
    if log {
        // Every log line the server can write, to stderr.
        command.env("RUST_LOG", "trace");
    }
    let mut child = command.spawn().unwrap();
    let (sent, received) = (Log::default(), Log::default());
    // The client talks to the process through two in-memory pipes; a pump
    // on each records the bytes on their way.
    let (client_writes, pump_reads) = tokio::io::duplex(1 << 16);
    let (pump_writes, client_reads) = tokio::io::duplex(1 << 16);
    tokio::spawn(pump(pump_reads, child.stdin.take().unwrap(), sent.clone()));
    tokio::spawn(pump(child.stdout.take().unwrap(), pump_writes, received.clone()));
    let mut stderr = child.stderr.take().unwrap();
    let stderr = tokio::spawn(async move {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes).await;
        bytes
    });
    let client = ().serve((client_reads, client_writes)).await.unwrap();
    Session {
        client,
        child,
        sent,
        received,
        stderr,
    }
}

/// Copies `from` to `to`, recording every byte, and closes `to` at the end.
async fn pump(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, log: Log) {
    let mut buffer = vec![0; 1 << 16];
    while let Ok(n @ 1..) = from.read(&mut buffer).await {
        log.lock().unwrap().extend_from_slice(&buffer[..n]);
        if to.write_all(&buffer[..n]).await.is_err() || to.flush().await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl Session {
    async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object");
        };
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
            .await
            .unwrap()
    }

    /// Closes the server's stdin, waits for it to exit, and checks that
    /// nothing it exchanged holds the token and stdout held only JSON-RPC.
    async fn finish(mut self) -> Transcript {
        self.client.cancel().await.unwrap();
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the server exits when stdin closes")
            .unwrap();
        let text = |log: &Log| String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
        let transcript = Transcript {
            status,
            sent: text(&self.sent),
            received: text(&self.received),
            stderr: String::from_utf8_lossy(&self.stderr.await.unwrap()).into_owned(),
        };
        for (name, text) in [
            ("stdin", &transcript.sent),
            ("stdout", &transcript.received),
            ("stderr", &transcript.stderr),
        ] {
            for form in TOKEN_FORMS {
                assert!(!text.contains(form), "the token ({form}) is on {name}:\n{text}");
            }
        }
        for line in transcript.received.lines() {
            let message: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout holds a line that is not JSON ({e}): {line}"));
            assert_eq!(message["jsonrpc"], "2.0", "{line}");
        }
        transcript
    }
}

/// The structured content of a successful call.
fn success(result: &CallToolResult) -> &Value {
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result.structured_content.as_ref().unwrap()
}

/// The `error` object of a failed call.
fn failure(result: &CallToolResult) -> &Value {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    &result.structured_content.as_ref().unwrap()["error"]
}

#[tokio::test]
async fn every_tool_answers_over_stdio_and_the_server_exits_when_stdin_closes() {
    let server = DemoServer::builder().pages(3).start_async().await;
    // Trace logging on: every log line goes to stderr, none to stdout, and
    // none holds the token.
    let session = start_with(&["--base-url", &server.base_url()], Some(TOKEN), true).await;

    let info = session.client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "justone-xhs");
    assert!(info.instructions.as_deref().unwrap().contains("billed"));

    let tools = session.client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "call_operation",
            "get_account_balance",
            "get_feed",
            "get_feed_pages",
            "get_usage_summary",
            "list_channels",
            "list_operations",
        ]
    );
    for tool in &tools {
        let description = tool.description.as_deref().unwrap();
        assert!(description.contains("billed"), "{}: {description}", tool.name);
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
    }
    let schema = |name: &str| {
        let tool = tools.iter().find(|t| t.name == name).unwrap();
        Value::Object((*tool.input_schema).clone())
    };
    let get_feed = schema("get_feed");
    assert_eq!(get_feed["required"], json!(["channel"]));
    assert_eq!(get_feed["properties"]["page"]["minimum"], 1);
    assert_eq!(get_feed["properties"]["raw"]["type"], "boolean");
    let get_feed_pages = schema("get_feed_pages");
    assert_eq!(get_feed_pages["properties"]["pages"]["maximum"], 10);
    let walk_tool = tools.iter().find(|t| t.name == "get_feed_pages").unwrap();
    assert!(
        walk_tool
            .description
            .as_deref()
            .unwrap()
            .contains("up to 10 consecutive pages")
    );
    assert_eq!(get_feed_pages["required"], json!(["channel", "pages"]));

    let channels = session.call("list_channels", json!({})).await;
    let channels = success(&channels)["channels"].as_array().unwrap().clone();
    assert_eq!(channels.len(), 41);
    assert!(channels.contains(&json!({
        "slug": "food", "oid": "homefeed_food_v3", "label": "food", "label_zh": "美食"
    })));
    assert_eq!(server.requests(), 0, "list_channels sends nothing");

    let page = session
        .call("get_feed", json!({"channel": "美食", "page": 2}))
        .await;
    let page = success(&page);
    assert_eq!(page["channel"], "homefeed_food_v3");
    assert_eq!(page["page"], 2);
    assert_eq!(page["next_page"], 3);
    assert_eq!(page["request_id"], "demo-homefeed_food_v3-2");
    let records = page["items"].as_array().unwrap();
    assert_eq!(records.len(), 20);
    let mut fields: Vec<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "author",
            "category",
            "channel",
            "cover",
            "desc",
            "fetched_at",
            "id",
            "is_ads",
            "likes",
            "page",
            "request_id",
            "timestamp",
            "title",
            "type"
        ]
    );

    let raw = session
        .call("get_feed", json!({"channel": "food", "page": 1, "raw": true}))
        .await;
    let raw = &success(&raw)["items"][0];
    assert!(raw["user"]["userid"].is_string(), "the provider's object: {raw}");
    assert!(raw.get("author").is_none());

    let walk = session
        .call(
            "get_feed_pages",
            json!({"channel": "food", "from_page": 2, "pages": 5}),
        )
        .await;
    let walk = success(&walk);
    let pages: Vec<&Value> = walk["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["page"])
        .collect();
    assert_eq!(pages, [2, 3], "the feed ends after page 3");
    assert_eq!(walk["next_page"], Value::Null);
    assert_eq!(walk["pages"][1]["items"].as_array().unwrap().len(), 20);

    let oid = "homefeed_food_v3".to_owned();
    assert_eq!(
        server.requested(),
        [
            (oid.clone(), Some(2)),
            (oid.clone(), Some(1)),
            (oid.clone(), Some(2)),
            (oid.clone(), Some(3)),
            // The page that ends the feed, and nothing after it.
            (oid, Some(4)),
        ]
    );

    let transcript = session.finish().await;
    assert!(transcript.status.success(), "{}", transcript.stderr);
    assert!(transcript.sent.contains("tools/call"));
    assert!(
        transcript.stderr.contains("note_feed"),
        "the trace logs were searched too: {}",
        transcript.stderr
    );
}

/// One failure injected by the demo server, and the error a tool call gets.
async fn failing_call(fault: Fault, tool: &str, arguments: Value) -> (Value, usize) {
    let server = DemoServer::builder().fault(fault).start_async().await;
    let session = start(&["--base-url", &server.base_url(), "--retries", "0"]).await;
    let result = session.call(tool, arguments).await;
    let error = failure(&result).clone();
    assert!(session.finish().await.status.success());
    (error, server.requests())
}

#[tokio::test]
async fn each_class_of_failure_is_a_tool_error_with_a_stable_name() {
    let cases = [
        // Auth.
        (Fault::BusinessCode(100), "INVALID_TOKEN", Some(100)),
        (Fault::BusinessCode(600), "PERMISSION_DENIED", Some(600)),
        // Quota.
        (Fault::BusinessCode(303), "DAILY_QUOTA_EXCEEDED", Some(303)),
        (Fault::BusinessCode(601), "INSUFFICIENT_BALANCE", Some(601)),
        (Fault::BusinessCode(602), "TOKEN_LIMIT_EXCEEDED", Some(602)),
        // Rate limit.
        (Fault::BusinessCode(302), "RATE_LIMITED", Some(302)),
        (Fault::HttpStatus(429), "RATE_LIMITED", None),
        // Upstream.
        (Fault::BusinessCode(301), "COLLECT_FAILED", Some(301)),
        (Fault::BusinessCode(500), "INTERNAL_ERROR", Some(500)),
        (Fault::HttpStatus(503), "UPSTREAM_ERROR", None),
        // Invalid parameters.
        (Fault::BusinessCode(400), "VALIDATION_ERROR", Some(400)),
        // Protocol.
        (Fault::HttpStatus(404), "PROTOCOL_ERROR", None),
    ];
    for (fault, name, code) in cases {
        let (error, requests) = failing_call(fault, "get_feed", json!({"channel": "food"})).await;
        assert_eq!(error["code"], name, "{fault:?}: {error}");
        assert_eq!(error["api_code"], json!(code), "{fault:?}: {error}");
        assert_eq!(requests, 1, "{fault:?}: --retries 0 sends one request");
        if code.is_some() {
            assert_eq!(error["message"], "injected by the demo server", "{error}");
            assert_eq!(error["request_id"], "demo-homefeed_food_v3-1", "{error}");
        } else {
            assert_eq!(error["http_status"], json!(fault_status(fault)), "{error}");
        }
        let retryable = matches!(
            name,
            "RATE_LIMITED" | "COLLECT_FAILED" | "INTERNAL_ERROR" | "UPSTREAM_ERROR"
        );
        assert_eq!(error["retryable"], retryable, "{error}");
    }
}

fn fault_status(fault: Fault) -> Option<u16> {
    match fault {
        Fault::HttpStatus(status) => Some(status),
        _ => None,
    }
}

#[tokio::test]
async fn timeouts_and_network_failures_have_names_too() {
    let slow = DemoServer::builder()
        .latency(Duration::from_secs(3))
        .start_async()
        .await;
    let session = start(&["--base-url", &slow.base_url(), "--retries", "0", "--timeout", "1"]).await;
    let result = session.call("get_feed", json!({"channel": "food"})).await;
    let error = failure(&result);
    assert_eq!(error["code"], "TIMEOUT", "{error}");
    assert_eq!(error["retryable"], true, "{error}");
    session.finish().await;

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let session = start(&["--base-url", &format!("http://{closed}"), "--retries", "0"]).await;
    let result = session.call("get_feed", json!({"channel": "food"})).await;
    assert_eq!(failure(&result)["code"], "NETWORK_ERROR");
    session.finish().await;
}

#[tokio::test]
async fn a_page_walk_that_fails_returns_the_pages_it_already_paid_for() {
    let server = DemoServer::builder()
        .fault(Fault::BusinessCode(500))
        .fault_from_page(3)
        .start_async()
        .await;
    let session = start(&["--base-url", &server.base_url(), "--retries", "0"]).await;
    let result = session
        .call("get_feed_pages", json!({"channel": "travel", "pages": 10}))
        .await;
    assert_eq!(failure(&result)["code"], "INTERNAL_ERROR");
    let content = result.structured_content.as_ref().unwrap();
    assert_eq!(content["pages"].as_array().unwrap().len(), 2);
    assert_eq!(content["next_page"], 3);
    assert_eq!(server.requests(), 3, "nothing after the page that failed");
    session.finish().await;
}

#[tokio::test]
async fn invalid_arguments_send_nothing() {
    let server = DemoServer::builder().start_async().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    for (tool, arguments, says) in [
        (
            "get_feed",
            json!({"channel": "no-such-channel"}),
            "unknown channel",
        ),
        (
            "get_feed",
            json!({"channel": "food", "page": 0}),
            "page must be from 1",
        ),
        (
            "get_feed",
            json!({"channel": "food", "page": 2147483648_i64}),
            "page must be from 1",
        ),
        (
            "get_feed_pages",
            json!({"channel": "food", "pages": 11}),
            "pages must be from 1 to 10",
        ),
        (
            "get_feed_pages",
            json!({"channel": "food", "pages": 0}),
            "pages must be from 1 to 10",
        ),
        (
            "get_feed_pages",
            json!({"channel": "food", "from_page": 2147483647_i64, "pages": 2}),
            "must not pass",
        ),
    ] {
        let result = session.call(tool, arguments.clone()).await;
        let error = failure(&result);
        assert_eq!(error["code"], "INVALID_ARGUMENT", "{arguments}: {error}");
        assert!(error["message"].as_str().unwrap().contains(says), "{error}");
    }
    assert_eq!(server.requests(), 0);
    session.finish().await;
}

#[tokio::test]
async fn operations_and_the_account_are_tools_too() {
    let server = DemoServer::builder().start_async().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    let listed = session.call("list_operations", json!({})).await;
    let operations = success(&listed)["operations"].as_array().unwrap().clone();
    assert!(operations.len() >= 31, "{}", operations.len());
    assert!(
        operations
            .iter()
            .any(|op| op["operation"] == "getApiXiaohongshuGetNoteDetailV1")
    );
    assert_eq!(server.requests(), 0, "listing is free");

    // Refused before sending: an unknown operation, an unknown parameter.
    for arguments in [
        json!({"operation": "getNoSuchThing"}),
        json!({"operation": "getApiXiaohongshuGetNoteDetailV1", "params": {"bogus": "1"}}),
    ] {
        let refused = session.call("call_operation", arguments.clone()).await;
        assert_eq!(failure(&refused)["code"], "INVALID_ARGUMENT", "{arguments}");
    }
    assert_eq!(server.requests(), 0);

    let detail = session
        .call(
            "call_operation",
            json!({"operation": "getApiXiaohongshuGetNoteDetailV1", "params": {"noteId": "n1"}}),
        )
        .await;
    let detail = success(&detail);
    assert_eq!(detail["data"]["demo"], true, "{detail}");
    assert_eq!(detail["operation"], "getApiXiaohongshuGetNoteDetailV1");

    let balance = session.call("get_account_balance", json!({})).await;
    let balance = success(&balance);
    assert_eq!(
        balance["balance"], "100.0000",
        "the decimal text, exactly: {balance}"
    );
    assert_eq!(balance["currency"], "CNY");
    let usage = session.call("get_usage_summary", json!({})).await;
    assert!(success(&usage)["data"].is_object());
    assert_eq!(server.requests(), 3);
    session.finish().await;
}

#[tokio::test]
async fn max_requests_is_a_budget_for_the_whole_session() {
    let server = DemoServer::builder().start_async().await;
    let session = start(&["--base-url", &server.base_url(), "--max-requests", "1"]).await;
    success(&session.call("get_feed", json!({"channel": "food"})).await);
    let refused = session.call("get_feed", json!({"channel": "travel"})).await;
    assert_eq!(failure(&refused)["code"], "BUDGET_SPENT");
    assert_eq!(server.requests(), 1);
    session.finish().await;
}

#[tokio::test]
async fn demo_serves_without_a_token() {
    let session = start_with(&["--demo"], None, false).await;
    let page = session.call("get_feed", json!({"channel": "food"})).await;
    assert_eq!(success(&page)["items"].as_array().unwrap().len(), 20);
    // The demo's token is no word of the demo's own texts: its request ids
    // are shown as they are, not redacted.
    assert_eq!(success(&page)["request_id"], "demo-homefeed_food_v3-1");
    // An oid newer than this release is requested as given, with a warning.
    let page = session
        .call("get_feed", json!({"channel": "homefeed_gardening_v3"}))
        .await;
    let page = success(&page);
    assert_eq!(page["channel"], "homefeed_gardening_v3");
    assert!(
        page["warning"].as_str().unwrap().contains("not in this release"),
        "{page}"
    );
    assert!(session.finish().await.status.success());
}

#[tokio::test]
async fn without_a_token_the_server_does_not_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_justone-xhs"))
        .arg("mcp")
        .env_remove("JUST_ONE_API_TOKEN")
        .env_remove("JUSTONEAPI_TOKEN")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(output.stdout.is_empty(), "stdout is for MCP messages only");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no API token"), "{stderr}");
}
