//! The token never appears in logs, even at TRACE level with every crate's
//! events enabled, nor in the errors and `Debug` output of a run that
//! touches every failure kind.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use justone_xhs::Channel;
use justone_xhs::mock::{DemoServer, Fault};
use support::{TOKEN, checked, client};

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

#[tokio::test]
async fn trace_logs_and_errors_never_contain_the_token() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
