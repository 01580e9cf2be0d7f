//! `justone-xhs mcp` driven by a real MCP client (rmcp's) over stdio, the
//! server a separate process of the built binary, the API the demo server
//! in this process (so that the test counts requests, as they arrive). Every
//! byte that crosses stdin, stdout and stderr is recorded and searched for
//! the token, and every tool result is validated against the tool's
//! `outputSchema`.

#![cfg(feature = "mcp")]

mod support;

use std::collections::HashMap;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use justone_xhs::mock::{DemoServer, Fault};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
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
    /// The server's tools, by name.
    tools: HashMap<String, Tool>,
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
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for name in support::CONNECTION_ENV {
        command.env_remove(name);
    }
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
    let tools = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|tool| (tool.name.to_string(), tool))
        .collect();
    Session {
        client,
        tools,
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
    /// Calls `tool` and checks its structured result, a success or an
    /// error, against the tool's `outputSchema`.
    async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let result = self.client.call_tool(request(tool, arguments)).await.unwrap();
        self.check_output(tool, &result);
        result
    }

    fn check_output(&self, tool: &str, result: &CallToolResult) {
        let schema = self.tools[tool]
            .output_schema
            .as_ref()
            .unwrap_or_else(|| panic!("{tool} has no outputSchema"));
        let content = result
            .structured_content
            .as_ref()
            .unwrap_or_else(|| panic!("{tool}: no structuredContent: {result:?}"));
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler
            .add_resource("urn:output", Value::Object((**schema).clone()))
            .unwrap();
        let index = compiler
            .compile("urn:output", &mut schemas)
            .unwrap_or_else(|e| panic!("{tool}: the outputSchema does not compile: {e}"));
        if let Err(e) = schemas.validate(content, index) {
            panic!("{tool}: the result does not match its outputSchema: {e:#}\n{content:#}");
        }
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

fn request(tool: &str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object");
    };
    CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)
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
        // An uncertain failure may have been billed: whether to pay again
        // is the agent's call, not advertised as retryable.
        let uncertain = matches!(name, "INTERNAL_ERROR" | "UPSTREAM_ERROR");
        let retryable = matches!(name, "RATE_LIMITED" | "COLLECT_FAILED");
        assert_eq!(error["retryable"], retryable, "{error}");
        assert_eq!(error["may_have_been_billed"], uncertain, "{error}");
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
    assert_eq!(error["retryable"], false, "{error}");
    assert_eq!(error["may_have_been_billed"], true, "{error}");
    session.finish().await;

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let session = start(&["--base-url", &format!("http://{closed}"), "--retries", "0"]).await;
    let result = session.call("get_feed", json!({"channel": "food"})).await;
    let error = failure(&result);
    assert_eq!(error["code"], "NETWORK_ERROR");
    assert_eq!(error["may_have_been_billed"], false, "nothing was sent: {error}");
    assert_eq!(error["retryable"], true, "{error}");
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
        ("get_feed", json!({"channel": "no-such-channel"}), "list_channels"),
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
        assert!(error["field"].is_string(), "{error}");
        assert!(!error["allowed"].is_null(), "{error}");
        assert!(
            !error["message"].as_str().unwrap().contains("justone-xhs "),
            "a CLI hint: {error}"
        );
    }
    assert_eq!(server.requests(), 0);
    session.finish().await;
}

#[tokio::test]
async fn a_wrong_type_or_an_unknown_argument_is_named_and_sends_nothing() {
    let server = DemoServer::builder().start_async().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    let result = session
        .call("get_feed", json!({"channel": "food", "page": "two"}))
        .await;
    let error = failure(&result);
    assert_eq!(error["code"], "INVALID_ARGUMENT", "{error}");
    assert_eq!(error["field"], "page", "{error}");
    assert_eq!(error["allowed"]["minimum"], 1, "the field's schema: {error}");

    let result = session
        .call(
            "get_feed_pages",
            json!({"channel": "food", "pages": 2, "colour": "red"}),
        )
        .await;
    let error = failure(&result);
    assert_eq!(error["field"], "colour", "{error}");
    assert!(
        error["allowed"].as_array().unwrap().contains(&json!("from_page")),
        "{error}"
    );

    let result = session.call("get_feed_pages", json!({"channel": "food"})).await;
    assert_eq!(failure(&result)["field"], "pages");
    let result = session
        .call(
            "get_feed",
            json!({"channel": "food", "fields": ["title", "colour"]}),
        )
        .await;
    assert_eq!(failure(&result)["field"], "fields");
    let result = session.call("list_channels", json!({"all": true})).await;
    assert_eq!(failure(&result)["field"], "all");
    assert_eq!(server.requests(), 0);
    session.finish().await;
}

#[tokio::test]
async fn billed_tools_say_so_in_their_annotations_and_free_ones_are_read_only() {
    let server = DemoServer::builder().start_async().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    for (name, tool) in &session.tools {
        let hints = tool.annotations.as_ref().unwrap();
        let billed = ["get_feed", "get_feed_pages", "call_operation"].contains(&name.as_str());
        assert_eq!(hints.read_only_hint, Some(!billed), "{name}");
        if billed {
            assert_eq!(hints.destructive_hint, Some(true), "{name}");
            assert_eq!(hints.idempotent_hint, Some(false), "{name}");
            assert_eq!(hints.open_world_hint, Some(true), "{name}");
            assert!(hints.title.as_deref().unwrap().contains("billed"), "{name}");
            assert!(tool.title.as_deref().unwrap().contains("billed"), "{name}");
            let description = tool.description.as_deref().unwrap();
            assert!(description.contains("may_have_been_billed"), "{name}");
        }
        let schema = tool.output_schema.as_ref().unwrap_or_else(|| panic!("{name}"));
        assert_eq!(schema["type"], "object", "{name}");
        assert_eq!(tool.input_schema["additionalProperties"], false, "{name}");
    }
    let channel = &session.tools["get_feed"].input_schema["properties"]["channel"];
    assert_eq!(channel["anyOf"][0]["enum"].as_array().unwrap().len(), 41);
    // `mcp --help` names every tool the server lists.
    let help = support::finished(support::binary(&["mcp", "--help"]).output().unwrap());
    for name in session.tools.keys() {
        assert!(
            help.stdout.contains(name.as_str()),
            "mcp --help does not name {name}"
        );
    }
    session.finish().await;
}

#[tokio::test]
async fn an_uncertain_failure_costs_one_request_by_default() {
    for (fault, retry_uncertain, requests) in [
        (Fault::HttpStatus(503), false, 1),
        (Fault::BusinessCode(500), false, 1),
        (Fault::HttpStatus(503), true, 2),
        // Not billed or asked to retry by the provider: retried either way.
        (Fault::BusinessCode(301), false, 2),
        (Fault::HttpStatus(429), false, 2),
    ] {
        let server = DemoServer::builder().fault(fault).start_async().await;
        let mut args = vec![
            "--base-url".to_owned(),
            server.base_url(),
            "--retries".into(),
            "1".into(),
        ];
        if retry_uncertain {
            args.push("--retry-uncertain".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let session = start(&args).await;
        let result = session.call("get_feed", json!({"channel": "food"})).await;
        let content = result.structured_content.as_ref().unwrap();
        assert_eq!(server.requests(), requests, "{fault:?}, {retry_uncertain}");
        assert_eq!(content["requests_sent"], requests, "{fault:?}: {content}");
        assert_eq!(content["session_requests_sent"], requests, "{content}");
        session.finish().await;
    }

    let slow = DemoServer::builder()
        .latency(Duration::from_secs(3))
        .start_async()
        .await;
    let session = start(&["--base-url", &slow.base_url(), "--timeout", "1"]).await;
    let result = session.call("get_feed", json!({"channel": "food"})).await;
    assert_eq!(failure(&result)["code"], "TIMEOUT");
    assert_eq!(result.structured_content.as_ref().unwrap()["requests_sent"], 1);
    assert_eq!(slow.requests(), 1, "a timeout is not sent again");
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
    let page = session.call("get_feed", json!({"channel": "food"})).await;
    let page = success(&page);
    assert_eq!(page["requests_sent"], 1, "{page}");
    assert_eq!(page["budget_left"], 0, "{page}");
    let refused = session.call("get_feed", json!({"channel": "travel"})).await;
    assert_eq!(failure(&refused)["code"], "BUDGET_SPENT");
    let content = refused.structured_content.as_ref().unwrap();
    assert_eq!(content["requests_sent"], 0, "{content}");
    assert_eq!(content["session_requests_sent"], 1, "{content}");
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

/// Waits until the server has received `n` requests.
async fn until_requests(server: &DemoServer, n: usize) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while server.requests() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the server never got {n} requests"));
}

/// A feed of 8 pages that answers each request after a while.
async fn slow_feed() -> DemoServer {
    DemoServer::builder()
        .pages(8)
        .latency(Duration::from_millis(400))
        .start_async()
        .await
}

#[tokio::test]
async fn a_cancelled_call_sends_nothing_more() {
    let server = slow_feed().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    let walk = session
        .client
        .call_tool(request("get_feed_pages", json!({"channel": "food", "pages": 8})));
    // rmcp's client sends notifications/cancelled when the call is dropped:
    // here, once the 4th request arrived, i.e. after the 3rd page.
    tokio::select! {
        result = walk => panic!("the walk ended before it was cancelled: {result:?}"),
        () = until_requests(&server, 4) => {}
    }
    // Long enough for 3 more pages at the server's pace.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.requests(), 4, "at most the request in flight");
    // The session goes on: the next call is served.
    let page = session.call("get_feed", json!({"channel": "travel"})).await;
    assert_eq!(success(&page)["requests_sent"], 1);
    let transcript = session.finish().await;
    assert!(transcript.sent.contains("notifications/cancelled"));
}

#[tokio::test]
async fn closing_stdin_mid_call_stops_it_and_the_server_exits_at_once() {
    let server = slow_feed().await;
    let mut session = start(&["--base-url", &server.base_url()]).await;
    let peer = session.client.peer().clone();
    tokio::spawn(async move {
        let _ = peer
            .call_tool(request("get_feed_pages", json!({"channel": "food", "pages": 8})))
            .await;
    });
    until_requests(&server, 2).await;
    let closed = Instant::now();
    // Closes the server's stdin, with the walk half done.
    drop(session.client);
    let status = tokio::time::timeout(Duration::from_secs(10), session.child.wait())
        .await
        .expect("the server exits when stdin closes")
        .unwrap();
    let took = closed.elapsed();
    assert!(status.success(), "{status:?}");
    // The bound. What is measured is the server's own exit after its
    // stdin closed (the client drops and the pump closes the pipe at once),
    // not a request's pace; 1 s leaves room on a loaded machine.
    assert!(
        took < Duration::from_secs(1),
        "exited {took:?} after stdin closed"
    );
    let sent = server.requests();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(server.requests(), sent, "nothing was sent after the exit");
    assert!(sent <= 3, "{sent} requests: nothing after stdin closed");
    session.stderr.abort();
}

#[tokio::test]
async fn a_progress_token_gets_one_notification_per_page() {
    let server = DemoServer::builder().pages(8).start_async().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    // rmcp's client puts a progress token on every request.
    let walk = session
        .call("get_feed_pages", json!({"channel": "food", "pages": 5}))
        .await;
    assert_eq!(success(&walk)["pages"].as_array().unwrap().len(), 5);
    let transcript = session.finish().await;
    let progress: Vec<Value> = transcript
        .received
        .lines()
        .filter(|line| line.contains("notifications/progress"))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(progress.len(), 5, "one per page");
    assert_eq!(progress[4]["params"]["progress"], 5.0);
    assert_eq!(progress[4]["params"]["total"], 5.0);
    assert!(
        progress[0]["params"]["message"]
            .as_str()
            .unwrap()
            .contains("page 1")
    );
}

#[tokio::test]
async fn results_stay_small_and_say_what_they_left_out() {
    let server = DemoServer::builder().pages(10).start_async().await;
    let session = start(&["--base-url", &server.base_url()]).await;
    // Raw pages are ~75 KB each: the walk stops before the page that would
    // not fit, rather than paying for it and dropping it.
    let walk = session
        .call(
            "get_feed_pages",
            json!({"channel": "food", "pages": 10, "raw": true}),
        )
        .await;
    let text = serde_json::to_string(walk.structured_content.as_ref().unwrap()).unwrap();
    let walk = success(&walk);
    assert!(text.len() < 120_000, "{} bytes", text.len());
    assert_eq!(walk["pages"].as_array().unwrap().len(), 1, "{}", walk["note"]);
    assert_eq!(walk["next_page"], 2);
    assert_eq!(walk["requests_sent"], 1);
    assert!(walk["note"].as_str().unwrap().contains("from_page"), "{walk}");

    let few = session
        .call(
            "get_feed_pages",
            json!({"channel": "food", "pages": 3, "fields": ["id", "likes"], "max_items": 25}),
        )
        .await;
    let few = success(&few);
    assert_eq!(few["item_count"], 25);
    assert_eq!(few["cut"], true);
    assert_eq!(few["items_left_out"], 15);
    assert_eq!(
        few["pages"].as_array().unwrap().len(),
        2,
        "no third page is paid for"
    );
    assert_eq!(few["next_page"], 3);
    let item = few["pages"][0]["items"][0].as_object().unwrap();
    assert_eq!(item.keys().collect::<Vec<_>>(), ["id", "likes"]);
    assert_eq!(server.requests(), 3);
    session.finish().await;
}

#[tokio::test]
async fn operations_say_their_parameters_paging_and_deprecation_and_are_resources() {
    let session = start_with(&["--demo"], None, false).await;
    let listed = session.call("list_operations", json!({})).await;
    let operations = success(&listed)["operations"].as_array().unwrap().clone();
    let with_meanings = operations
        .iter()
        .flat_map(|op| op["params"].as_array().unwrap())
        .flat_map(|p| p["enum"].as_array().unwrap())
        .filter(|v| v["meaning"].as_str().is_some_and(|m| !m.is_empty()))
        .count();
    assert!(with_meanings > 0);
    assert!(operations.iter().any(|op| op["deprecated"] == true));
    assert!(operations.iter().any(|op| op["paging"] == "cursor"));

    let resources = session.client.list_all_resources().await.unwrap();
    assert_eq!(resources.len(), operations.len() + 1);
    let uri = operations[0]["schema_resource"].as_str().unwrap();
    let read = session
        .client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(uri))
        .await
        .unwrap();
    let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("{read:?}");
    };
    let schema: Value = serde_json::from_str(text).unwrap();
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    let channels = session
        .client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "justone-xhs://channels",
        ))
        .await
        .unwrap();
    assert!(format!("{channels:?}").contains("homefeed_food_v3"));
    session.finish().await;
}

/// JSON-RPC lines written straight to the server, as a client with bugs
/// would: each gets an answer, and the server stays up.
#[tokio::test]
async fn a_line_that_is_not_json_or_is_huge_gets_an_error_answer() {
    use tokio::io::AsyncBufReadExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_justone-xhs"))
        .args(["mcp", "--demo"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut answer = async || -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
            .await
            .expect("an answer")
            .unwrap()
            .unwrap();
        serde_json::from_str(&line).unwrap()
    };

    stdin.write_all(b"this is not JSON\n").await.unwrap();
    let error = answer().await;
    assert_eq!(error["error"]["code"], -32700, "{error}");
    assert_eq!(error.get("id"), Some(&Value::Null), "{error}");

    // 50 MB on one line: refused once it passes the cap, never held whole.
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..50 {
        stdin.write_all(&chunk).await.unwrap();
    }
    stdin.write_all(b"\n").await.unwrap();
    let error = answer().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");
    assert_eq!(error.get("id"), Some(&Value::Null), "{error}");
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id().unwrap())).unwrap();
        let peak_kb: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        assert!(peak_kb < 40 * 1024, "the server held {peak_kb} kB at its peak");
    }

    // Still serving: a call without a progress token gets no progress.
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "get_feed_pages", "arguments": {"channel": "food", "pages": 2}}});
    for message in [
        initialize,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        call,
    ] {
        stdin.write_all(format!("{message}\n").as_bytes()).await.unwrap();
    }
    assert_eq!(answer().await["id"], 1);
    let result = answer().await;
    assert_eq!(result["id"], 2, "no progress notification first: {result}");
    assert_eq!(
        result["result"]["structuredContent"]["pages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_mid_call_stops_it_and_the_server_exits_at_once() {
    let server = slow_feed().await;
    let mut session = start(&["--base-url", &server.base_url()]).await;
    let peer = session.client.peer().clone();
    let call = tokio::spawn(async move {
        peer.call_tool(request("get_feed_pages", json!({"channel": "food", "pages": 8})))
            .await
    });
    // Page 1 answered, page 2 in flight.
    until_requests(&server, 2).await;
    let pid = session.child.id().unwrap().to_string();
    let signalled = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(10), session.child.wait())
        .await
        .expect("the server exits on SIGTERM")
        .unwrap();
    // The same bound as for a closed stdin, measured the same way.
    let took = signalled.elapsed();
    assert!(took < Duration::from_secs(1), "exited {took:?} after SIGTERM");
    assert_eq!(status.code(), Some(143), "128 + SIGTERM, as every command");
    let sent = server.requests();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(server.requests(), sent, "nothing was sent after the exit");
    assert!(sent <= 3, "{sent} requests: nothing after the signal");
    let stderr = String::from_utf8_lossy(&session.stderr.await.unwrap()).into_owned();
    assert!(stderr.contains("SIGTERM"), "{stderr}");
    // The answer the stop gave: the pages already paid for, what the call
    // cost, and that the request in flight may have been billed.
    let result = call.await.unwrap().expect("an answer before the exit");
    let error = failure(&result);
    assert_eq!(error["code"], "CANCELLED");
    assert_eq!(error["may_have_been_billed"], true, "{error}");
    let content = result.structured_content.as_ref().unwrap();
    assert!(!content["pages"].as_array().unwrap().is_empty(), "{content}");
    assert_eq!(content["requests_sent"].as_u64(), Some(sent as u64), "{content}");
    assert!(content["budget_left"].is_null(), "{content}");
}

/// `call_operation` with `pages` follows the operation's paging through the
/// library's one rule: one request per page, `next_params` to continue, and
/// nothing past the end the answers state.
#[tokio::test]
async fn call_operation_walks_pages_and_says_how_to_continue() {
    let server = httpmock::MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/api/xiaohongshu/get-note-comment/v2");
            then.respond_with(|request| {
                let cursor = request
                    .query_params()
                    .into_iter()
                    .find(|(name, _)| name == "lastCursor")
                    .map(|(_, value)| value);
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .body(support::comment_page(cursor.as_deref()))
                    .build()
            });
        })
        .await;
    let session = start(&["--base-url", &server.base_url()]).await;
    let first = session
        .call(
            "call_operation",
            json!({"operation": "getApiXiaohongshuGetNoteCommentV2", "params": {"noteId": "n"}, "pages": 3}),
        )
        .await;
    let first = success(&first).clone();
    assert_eq!(mock.calls_async().await, 3);
    assert_eq!(first["data"]["comments"][0]["id"], "k1");
    assert_eq!(first["more_pages"].as_array().unwrap().len(), 2);
    assert_eq!(first["more_pages"][1]["data"]["comments"][0]["id"], "k3");
    assert_eq!(first["next_params"], json!({"noteId": "n", "lastCursor": "c3"}));
    assert_eq!(
        (first["item_count"].clone(), first["requests_sent"].clone()),
        (json!(3), json!(3))
    );

    let rest = session
        .call(
            "call_operation",
            json!({"operation": "getApiXiaohongshuGetNoteCommentV2", "params": first["next_params"], "pages": 10}),
        )
        .await;
    let rest = success(&rest);
    assert_eq!(mock.calls_async().await, 5, "nothing past the end");
    assert!(rest.get("next_params").is_none(), "{rest}");
    assert_eq!(rest["paging_note"], "has_more is false");

    let too_many = session
        .call(
            "call_operation",
            json!({"operation": "getApiXiaohongshuGetNoteCommentV2", "params": {"noteId": "n"}, "pages": 11}),
        )
        .await;
    assert_eq!(failure(&too_many)["code"], "INVALID_ARGUMENT");
    assert_eq!(mock.calls_async().await, 5);
    session.finish().await;
}
