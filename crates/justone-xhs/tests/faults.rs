//! Fault injection: every way a connection can go wrong ends in the right
//! error, within a stated bound, without a panic or a hang.
//!
//! Bound per request: timeout × attempts + the backoff between them. With a
//! 500 ms timeout, 1 retry and a 5–50 ms backoff that is ≈ 1.05 s; the
//! assertions allow 5 s so that a slow CI machine does not flake, which is
//! still far from a hang.

mod support;

use std::time::{Duration, Instant};

use justone_xhs::mock::{FaultyServer, Misbehaviour};
use justone_xhs::{Channel, Client, Error, FeedPage};
use support::{TOKEN, checked, fast_retries};

const BOUND: Duration = Duration::from_secs(5);

async fn fetch_from(
    misbehaviour: Misbehaviour,
    configure: impl FnOnce(justone_xhs::ClientBuilder) -> justone_xhs::ClientBuilder,
) -> (Result<FeedPage, Error>, Duration) {
    let server = FaultyServer::start_async(misbehaviour).await.unwrap();
    let builder = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(500))
        .retry_policy(fast_retries(1));
    let client = configure(builder).build().unwrap();
    let started = Instant::now();
    let result = client.note_feed(&Channel::Food, 1).await;
    (result, started.elapsed())
}

async fn fails(misbehaviour: Misbehaviour) -> Error {
    let (result, elapsed) = fetch_from(misbehaviour.clone(), |b| b).await;
    assert!(elapsed < BOUND, "{misbehaviour:?} took {elapsed:?}");
    checked(result.unwrap_err())
}

#[tokio::test]
async fn reset_before_response_is_a_connection_error() {
    let error = fails(Misbehaviour::ResetBeforeResponse).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_body_that_stalls_times_out() {
    let error = fails(Misbehaviour::StallMidBody).await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn a_body_shorter_than_its_length_is_a_connection_error() {
    let error = fails(Misbehaviour::ShortBody).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
}

#[tokio::test]
async fn an_aborted_chunked_body_is_a_connection_error() {
    let error = fails(Misbehaviour::AbortedChunked).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let error = fails(Misbehaviour::NeverAnswer).await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn a_wrong_content_type_does_not_matter_when_the_body_is_valid() {
    let (result, _) = fetch_from(Misbehaviour::WrongContentType, |b| b).await;
    assert!(result.unwrap().is_empty());
}

#[tokio::test]
async fn a_30_mb_body_over_the_cap_fails_without_being_read_whole() {
    for misbehaviour in [
        Misbehaviour::LargeBody(30_000_000),
        Misbehaviour::LargeChunkedBody(30_000_000),
    ] {
        let (result, elapsed) = fetch_from(misbehaviour.clone(), |b| {
            b.max_response_bytes(1_000_000).timeout(Duration::from_secs(10))
        })
        .await;
        let error = checked(result.unwrap_err());
        assert!(
            matches!(error, Error::TooLarge { limit: 1_000_000, .. }),
            "{misbehaviour:?}: {error:?}"
        );
        assert!(!error.is_retryable());
        assert!(elapsed < BOUND, "{misbehaviour:?} took {elapsed:?}");
    }
}

#[tokio::test]
async fn a_30_mb_body_under_the_default_cap_is_read() {
    let (result, _) = fetch_from(Misbehaviour::LargeChunkedBody(30_000_000), |b| {
        b.timeout(Duration::from_secs(60))
    })
    .await;
    let page = result.unwrap();
    assert!(page.items.len() > 25_000, "{}", page.items.len());
}

/// A connection failure keeps the HTTP stack's error as its source (the URL
/// and token stripped), and a host name that does not resolve is named as
/// such and tried once: a retry would resolve no better.
#[tokio::test]
async fn connection_failures_have_sources_and_an_unknown_host_is_not_retried() {
    use std::error::Error as _;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = justone_xhs::Client::builder()
        .token(TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retries(0))
        .build()
        .unwrap()
        .note_feed(&Channel::Food, 1)
        .await
        .unwrap_err();
    let refused = checked(refused);
    let source = refused.source().expect("a source");
    let mut chain = vec![source.to_string()];
    let mut next = source.source();
    while let Some(cause) = next {
        chain.push(cause.to_string());
        next = cause.source();
    }
    assert!(
        chain
            .iter()
            .all(|text| !text.contains(TOKEN) && !text.contains("token=")),
        "{chain:?}"
    );
    assert_eq!(refused.class(), justone_xhs::ErrorClass::Network);

    let client = justone_xhs::Client::builder()
        .token(TOKEN)
        .base_url("http://justone-test-host.invalid")
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    let unknown = checked(client.note_feed(&Channel::Food, 1).await.unwrap_err());
    assert!(matches!(unknown, Error::HostNotFound { .. }), "{unknown:?}");
    assert!(unknown.source().is_some());
    assert!(!unknown.is_retryable());
    assert_eq!((client.request_count(), client.retry_count()), (1, 0));
}

/// A per-call timeout shares the client's budget: the patient clone waits
/// out a slow answer the impatient client gives up on, and both count
/// against one `max_requests`.
#[tokio::test]
async fn with_timeout_overrides_one_call_and_shares_the_budget() {
    let server = justone_xhs::mock::DemoServer::builder()
        .latency(Duration::from_millis(400))
        .start_async()
        .await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(100))
        .retry_policy(fast_retries(0))
        .max_requests(2)
        .build()
        .unwrap();
    let impatient = checked(client.note_feed(&Channel::Food, 1).await.unwrap_err());
    assert!(matches!(impatient, Error::Timeout { .. }), "{impatient:?}");
    let patient = client.with_timeout(Duration::from_secs(10));
    assert_eq!(
        patient.note_feed(&Channel::Food, 1).await.unwrap().items.len(),
        20
    );
    assert_eq!((client.request_count(), client.requests_left()), (2, Some(0)));
    assert!(matches!(
        patient.note_feed(&Channel::Food, 2).await,
        Err(Error::BudgetSpent { .. })
    ));
}
