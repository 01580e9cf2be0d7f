//! A request that may have been billed is not paid for twice unless the
//! retry policy asks for it, and one unit of work can be stopped alone
//! (`Client::with_cancellation`) while sharing the client's budget.

use std::time::Duration;

use justone_xhs::mock::{DemoServer, Fault};
use justone_xhs::{Channel, Client, Error, RetryPolicy};
use tokio_util::sync::CancellationToken;

/// No word of the demo server's answers, which would be scrubbed.
const TOKEN: &str = "billing-safety-token";

/// Three retries without waiting, uncertain outcomes retried or not.
fn client(base_url: &str, retry_uncertain: bool) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(base_url)
        .timeout(Duration::from_millis(300))
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(3)
                .with_initial_delay(Duration::from_millis(1))
                .with_jitter(false)
                .with_retry_uncertain(retry_uncertain),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_uncertain_failure_costs_one_request_unless_retrying_it_is_asked_for() {
    for fault in [Fault::HttpStatus(503), Fault::BusinessCode(500)] {
        let server = DemoServer::builder().fault(fault).start_async().await;
        let error = client(&server.base_url(), false)
            .note_feed(&Channel::Food, 1)
            .await
            .unwrap_err();
        assert!(error.is_uncertain(), "{error}");
        assert_eq!(server.requests(), 1, "{fault:?}");

        let server = DemoServer::builder().fault(fault).start_async().await;
        let _ = client(&server.base_url(), true)
            .note_feed(&Channel::Food, 1)
            .await;
        assert_eq!(server.requests(), 4, "{fault:?}: the library's default retries");
    }

    let slow = DemoServer::builder()
        .latency(Duration::from_secs(2))
        .start_async()
        .await;
    let error = client(&slow.base_url(), false)
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    // The server counts a request when it arrives, before its latency.
    assert_eq!(slow.requests(), 1, "a timeout is not sent again");
}

#[tokio::test]
async fn what_cannot_have_been_billed_is_still_retried() {
    for fault in [Fault::BusinessCode(301), Fault::HttpStatus(429)] {
        let server = DemoServer::builder().fault(fault).start_async().await;
        let error = client(&server.base_url(), false)
            .note_feed(&Channel::Food, 1)
            .await
            .unwrap_err();
        assert!(!error.is_uncertain(), "{error}");
        assert_eq!(server.requests(), 4, "{fault:?}");
    }
    // A port nobody listens on: nothing was ever written.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = client(&format!("http://{closed}"), false)
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Connect {
                request_sent: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_uncertain());
}

#[tokio::test]
async fn a_call_scope_stops_alone_and_shares_the_budget() {
    let server = DemoServer::builder().start_async().await;
    let session = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .max_requests(3)
        .build()
        .unwrap();
    let call = session.with_cancellation(CancellationToken::new());
    call.note_feed(&Channel::Food, 1).await.unwrap();
    session.note_feed(&Channel::Food, 2).await.unwrap();
    assert_eq!(call.scope_request_count(), 1);
    assert_eq!(session.request_count(), 2, "one count for the session");

    call.cancellation_token().cancel();
    let refused = call.note_feed(&Channel::Food, 3).await.unwrap_err();
    assert!(matches!(refused, Error::Cancelled), "{refused:?}");
    let other = session.with_cancellation(CancellationToken::new());
    other.note_feed(&Channel::Food, 3).await.unwrap();
    let spent = other.note_feed(&Channel::Food, 4).await.unwrap_err();
    assert!(matches!(spent, Error::BudgetSpent { .. }), "{spent:?}");
    assert_eq!(server.requests(), 3);
}
