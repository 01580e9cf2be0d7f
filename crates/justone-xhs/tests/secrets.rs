//! The token never appears in logs, even at TRACE level with every crate's
//! events enabled, nor in the errors and `Debug` output of a run that
//! touches every failure kind.

mod support;

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use justone_xhs::Channel;
use justone_xhs::mock::{DemoServer, Fault};
use support::{TOKEN, checked, client};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::OptionalWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

thread_local! {
    /// Where this thread's events go while a test captures them, up to
    /// which level.
    static CAPTURE: RefCell<Option<(Captured, tracing::Level)>> = const { RefCell::new(None) };
}

/// The writer of this binary's one subscriber: each event goes to the
/// capture of the thread that emits it (a `#[tokio::test]` runs on one
/// thread), or nowhere. Not a subscriber per test (`set_default`): a
/// callsite first reached while another test's thread sets its own may
/// cache "not interested" and lose the event (seen: an attempt line
/// missing about once in six runs).
struct ThreadCapture;

impl<'a> MakeWriter<'a> for ThreadCapture {
    type Writer = OptionalWriter<Captured>;

    fn make_writer(&'a self) -> Self::Writer {
        OptionalWriter::none()
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        CAPTURE.with(|capture| match &*capture.borrow() {
            Some((logs, level)) if meta.level() <= level => OptionalWriter::some(logs.clone()),
            _ => OptionalWriter::none(),
        })
    }
}

/// Stops the capture of its thread when dropped.
struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

/// Installs this binary's one subscriber. Every test calls it first: a
/// callsite first reached by a parallel test while the subscriber is being
/// installed could cache "not interested"; the others wait here instead.
fn subscriber() {
    static SUBSCRIBER: std::sync::Once = std::sync::Once::new();
    SUBSCRIBER.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(ThreadCapture)
            .init();
    });
}

/// Captures this thread's log output at `level` and below, with every
/// crate's events, until the guard is dropped. For a test on tokio's
/// current-thread runtime (the default of `#[tokio::test]`), whose tasks
/// all run on its thread.
fn capture_logs(level: tracing::Level) -> (Captured, CaptureGuard) {
    subscriber();
    assert_eq!(
        tokio::runtime::Handle::current().runtime_flavor(),
        tokio::runtime::RuntimeFlavor::CurrentThread
    );
    let logs = Captured::default();
    CAPTURE.with(|capture| *capture.borrow_mut() = Some((logs.clone(), level)));
    (logs, CaptureGuard)
}

#[tokio::test]
async fn trace_logs_and_errors_never_contain_the_token() {
    let (logs, _guard) = capture_logs(tracing::Level::TRACE);

    // Success, business errors, HTTP errors, a broken body, a refused connection.
    let ok = DemoServer::builder().pages(1).start_async().await;
    let page = client(&ok.base_url(), 0)
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap();
    assert!(!format!("{page:?}").contains(TOKEN));
    for fault in [
        Fault::BusinessCode(100),
        Fault::BusinessCode(301),
        Fault::HttpStatus(502),
    ] {
        let server = DemoServer::builder().fault(fault).start_async().await;
        checked(
            client(&server.base_url(), 1)
                .note_feed(&Channel::Food, 1)
                .await
                .unwrap_err(),
        );
    }
    let echo = MockServer::start_async().await;
    echo.mock_async(|when, then| {
        when.any_request();
        // A server that echoes the token back in its body and message.
        then.status(200).body(format!(
            r#"{{"code":100,"message":"bad token {TOKEN}","data":"{TOKEN}"}}"#
        ));
    })
    .await;
    checked(
        client(&echo.base_url(), 0)
            .note_feed(&Channel::Food, 1)
            .await
            .unwrap_err(),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    checked(
        client(&format!("http://127.0.0.1:{port}"), 1)
            .note_feed(&Channel::Food, 1)
            .await
            .unwrap_err(),
    );
    assert!(!format!("{:?}", client(&ok.base_url(), 0)).contains(TOKEN));

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("retrying"),
        "retries are visible in tracing:\n{text}"
    );
    assert!(text.contains("note_feed"), "requests have spans:\n{text}");
    assert!(!text.contains(TOKEN), "token in logs:\n{text}");
}

/// Tokens with characters that travel encoded: `+ / = %`. (A token with a
/// space is refused by `build()`; the redaction of its `+` form is tested
/// in the crate's unit tests.)
/// Each is at least 16 bytes, so that it is searched for in free text too.
const ODD_TOKENS: [&str; 3] = ["tok+SECRET/ab==-x", "tok%SECRET%2B-long", "tok=SECRET+/%25-xy"];

/// Every form the token can take in a URL or a form body.
fn wire_forms(token: &str) -> Vec<String> {
    let upper: String = token
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    vec![token.to_owned(), upper.clone(), upper.to_lowercase()]
}

fn assert_clean(text: &str, token: &str) {
    for form in wire_forms(token) {
        assert!(!text.contains(&form), "{form:?} leaked: {text}");
    }
    assert!(!text.contains("SECRET"), "token leaked: {text}");
    assert!(!text.contains('\x1b'), "escape sequence: {text}");
}

#[tokio::test]
async fn servers_echoing_the_request_target_never_show_the_token() {
    let (logs, _guard) = capture_logs(tracing::Level::TRACE);

    let server = MockServer::start_async().await;
    // The request target, as sent, echoed three ways: in a 400 envelope's
    // message, in a 502 HTML page, in a plain-text 403. Each in the
    // encodings a proxy might use.
    server
        .mock_async(|when, then| {
            when.any_request();
            then.respond_with(|request| {
                let target = request.uri().to_string();
                let decoded = target.replace("%2B", "+").replace("%2F", "/");
                let lower = target.to_lowercase();
                let response = httpmock::HttpMockResponse::builder();
                match request.query_params().iter().find(|(k, _)| k == "page").map(|(_, v)| v.as_str()) {
                    Some("1") => response
                        .status(400)
                        .body(format!(
                            r#"{{"code":400,"message":"bad request \u001b[31m{target} {decoded}","requestId":"{lower}"}}"#
                        ))
                        .build(),
                    Some("2") => response
                        .status(502)
                        .header("content-type", "text/html")
                        .body(format!(
                            "<html><head><title>502 {target}</title></head><body>{lower}</body></html>"
                        ))
                        .build(),
                    _ => response
                        .status(403)
                        .body(format!("forbidden: GET {lower} ({decoded})"))
                        .build(),
                }
            });
        })
        .await;
    for token in ODD_TOKENS {
        let client = justone_xhs::Client::builder()
            .token(token)
            .base_url(server.base_url())
            .retry_policy(support::fast_retries(0))
            .build()
            .unwrap();
        for page in 1..=3 {
            let error = client.note_feed(&Channel::Food, page).await.unwrap_err();
            for text in [error.to_string(), format!("{error:?}"), format!("{error:#?}")] {
                assert_clean(&text, token);
            }
            assert!(error.to_string().contains("token=[redacted]"), "{error}");
        }
    }
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for token in ODD_TOKENS {
        assert_clean(&text, token);
    }
}

#[tokio::test]
async fn debug_logs_describe_every_attempt_without_the_token() {
    let (logs, _guard) = capture_logs(tracing::Level::DEBUG);

    let server = MockServer::start_async().await;
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    server
        .mock_async(|when, then| {
            when.any_request();
            then.respond_with(move |_| {
                let body = match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                    0 => r#"{"code":301,"message":"collect failed","requestId":"req-a"}"#,
                    _ => r#"{"code":0,"data":[{"id":"n"}],"requestId":"req-b"}"#,
                };
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .body(body)
                    .build()
            });
        })
        .await;
    client(&server.base_url(), 1)
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap();
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let attempts: Vec<&str> = text.lines().filter(|l| l.contains("attempt=")).collect();
    assert_eq!(attempts.len(), 2, "one line per attempt:\n{text}");
    for (line, (n, id, outcome)) in attempts
        .iter()
        .zip([(1, "req-a", "retryable error"), (2, "req-b", "ok")])
    {
        assert!(line.contains(&format!("attempt={n}")), "{line}");
        assert!(line.contains("status=Some(200)"), "{line}");
        assert!(line.contains("elapsed_ms="), "{line}");
        assert!(line.contains(&format!("request_id=\"{id}\"")), "{line}");
        assert!(line.contains(&format!("outcome=\"{outcome}\"")), "{line}");
    }
    assert!(!text.contains(TOKEN), "token in logs:\n{text}");
}

/// A server that echoes the request target into a successful answer: the
/// token, in any wire form, never reaches the items (typed or raw) nor the
/// request id, while the rest of the answer stays as sent, another
/// `token=` value included.
#[tokio::test]
async fn a_successful_answer_that_echoes_the_token_gives_it_to_nobody() {
    subscriber();
    let encoded: String = TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(format!(
                r#"{{"code":0,"requestId":"r-?token={TOKEN}","data":[{{"id":"n1","title":"echo {TOKEN}","desc":"url ?oid=x&token={encoded}&page=1","cover":"https://cdn/x.jpg?token=cdn-own-value"}}]}}"#
            ));
        })
        .await;
    let page = client(&server.base_url(), 0)
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap();
    let item = &page.items[0];
    let raw = item.raw().get();
    assert!(!raw.contains(TOKEN) && !raw.contains(&encoded), "{raw}");
    assert!(!format!("{page:?}").contains(TOKEN));
    assert_eq!(item.title.as_deref(), Some("echo [redacted]"));
    assert_eq!(page.request_id.as_deref(), Some("r-?token=[redacted]"));
    assert!(
        raw.contains(r#""desc":"url ?oid=x&token=[redacted]&page=1""#),
        "{raw}"
    );
    assert!(
        raw.contains("token=cdn-own-value"),
        "not ours, not redacted: {raw}"
    );
}

/// A JSON encoder may write any character of the token as an escape
/// (`\/` from PHP, `\u0053` from others), and a URL may carry such JSON
/// percent-encoded: what a reader decodes is what is checked, in the typed
/// fields, the raw item and the request id.
#[tokio::test]
async fn a_token_echoed_through_json_escapes_is_redacted_where_it_decodes() {
    subscriber();
    let token = "S3cr3t+Tok/en=ZZ-9";
    let slashed = token.replace('/', r"\/");
    let unicode: String = token.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    // The same escapes put into a URL by a percent-encoder.
    let in_a_url = unicode.replace('\\', "%5C");
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(format!(
                r#"{{"code":0,"requestId":"r-{unicode}","data":[{{"id":"n1","title":"a {slashed} b","desc":"c {unicode} d ?q={in_a_url}"}}]}}"#
            ));
        })
        .await;
    let page = justone_xhs::Client::builder()
        .token(token)
        .base_url(server.base_url())
        .build()
        .unwrap()
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap();
    let item = &page.items[0];
    assert_eq!(item.title.as_deref(), Some("a [redacted] b"));
    assert_eq!(item.desc.as_deref(), Some("c [redacted] d ?q=[redacted]"));
    assert_eq!(page.request_id.as_deref(), Some("r-[redacted]"));
    let decoded: serde_json::Value = serde_json::from_str(item.raw().get()).unwrap();
    assert!(!decoded.to_string().contains(token), "{decoded}");
}

/// A short token (the demo's `demo`) is a word, not a secret anyone could
/// find in an answer: request ids and data come back exactly as served.
#[tokio::test]
async fn a_short_token_leaves_answers_untouched() {
    subscriber();
    let server = DemoServer::builder().pages(1).start_async().await;
    let client = justone_xhs::Client::builder()
        .token("demo")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let page = client.note_feed(&Channel::Food, 1).await.unwrap();
    let id = page.request_id.as_deref().unwrap();
    assert!(!id.contains("[redacted]") && id.contains("demo"), "{id}");
    for item in &page.items {
        assert!(!item.raw().get().contains("[redacted]"), "{}", item.raw().get());
    }
    let balance = client.balance().await.unwrap();
    assert!(!balance.currency.contains("[redacted]"));
}

/// A redirect is not followed: the next host would get the token in its
/// request or as the Referer. The 3xx is the answer, an HTTP error.
#[tokio::test]
async fn a_redirect_hands_the_token_to_no_other_host() {
    subscriber();
    let elsewhere = MockServer::start_async().await;
    let taken = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(r#"{"code":0,"data":[]}"#);
        })
        .await;
    let server = MockServer::start_async().await;
    for status in [301, 302, 303, 307, 308] {
        let location = elsewhere.url(format!("/moved-{status}"));
        let redirect = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(status).header("Location", location.as_str());
            })
            .await;
        let error = checked(
            client(&server.base_url(), 0)
                .note_feed(&Channel::Food, 1)
                .await
                .unwrap_err(),
        );
        assert!(
            matches!(error, justone_xhs::Error::Http { status: s, .. } if s == status),
            "{status}: {error:?}"
        );
        redirect.delete_async().await;
    }
    assert_eq!(taken.calls_async().await, 0, "the other host was never asked");
}

/// A body whose envelope fails to decode may be quoted by the decoder's
/// message; that message is scrubbed like every other text of an error.
#[tokio::test]
async fn a_decode_error_quoting_the_token_does_not_show_it() {
    subscriber();
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(TOKEN);
    let server = MockServer::start_async().await;
    for echoed in [TOKEN.to_owned(), encoded] {
        let mock = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(200)
                    .body(format!(r#"{{"code":"{echoed}","data":null,"message":"m"}}"#));
            })
            .await;
        let client = client(&server.base_url(), 0);
        for error in [
            client.note_feed(&Channel::Food, 1).await.unwrap_err(),
            client.balance().await.unwrap_err(),
        ] {
            let error = checked(error);
            let text = format!("{error} {error:?}");
            assert_clean(&text, TOKEN);
            assert!(!text.contains(&echoed), "{text}");
        }
        mock.delete_async().await;
    }
}
