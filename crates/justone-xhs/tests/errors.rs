//! Every business code and HTTP failure maps to the documented error, with
//! the documented retries, and never shows the token.

mod support;

use std::time::Duration;

use futures::StreamExt;
use httpmock::prelude::*;
use justone_xhs::{ApiCode, Channel, Error};
use support::{TOKEN, checked, client};

const PATH: &str = "/api/xiaohongshu/get-note-feed/v1";

fn business(code: i64) -> String {
    format!(
        r#"{{"code":{code},"data":null,"message":"message for {code}","recordTime":null,"requestId":"req-{code}"}}"#
    )
}

async fn fetch(server: &MockServer, retries: usize) -> Result<justone_xhs::FeedPage, Error> {
    client(&server.base_url(), retries)
        .note_feed(&Channel::Food, 1)
        .await
}

#[tokio::test]
async fn every_business_code_maps_with_its_retry_class() {
    let cases: [(i64, ApiCode, bool); 15] = [
        (100, ApiCode::InvalidToken, false),
        (101, ApiCode::Code101, false),
        (202, ApiCode::Code202, false),
        (300, ApiCode::Code300, false),
        (301, ApiCode::CollectionFailed, true),
        (302, ApiCode::RateLimited, true),
        (303, ApiCode::DailyQuotaExceeded, false),
        (400, ApiCode::InvalidParameters, false),
        (404, ApiCode::NotFound, false),
        (500, ApiCode::InternalError, true),
        (503, ApiCode::ServiceUnavailable, true),
        (600, ApiCode::PermissionDenied, false),
        (601, ApiCode::InsufficientBalance, false),
        (602, ApiCode::TokenLimitExceeded, false),
        (999, ApiCode::Unknown(999), false),
    ];
    for (code, expected, retryable) in cases {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(PATH)
                    .query_param("token", TOKEN)
                    .query_param("oid", "homefeed_food_v3");
                then.status(200)
                    .header("content-type", "application/json")
                    .body(business(code));
            })
            .await;
        let error = checked(fetch(&server, 2).await.unwrap_err());
        assert_eq!(error.api_code(), Some(expected), "code {code}");
        assert_eq!(error.request_id(), Some(format!("req-{code}").as_str()));
        assert!(
            error.to_string().contains(&format!("message for {code}")),
            "{error}"
        );
        assert_eq!(error.is_retryable(), retryable, "code {code}");
        // Retryable codes are tried 1 + 2 times, the others once.
        assert_eq!(
            mock.calls_async().await,
            if retryable { 3 } else { 1 },
            "code {code}"
        );
    }
}

#[tokio::test]
async fn documented_error_statuses_with_an_envelope_use_the_business_code() {
    for (status, code, expected) in [
        (400, 400, ApiCode::InvalidParameters),
        (401, 100, ApiCode::InvalidToken),
        (403, 600, ApiCode::PermissionDenied),
        (429, 302, ApiCode::RateLimited),
        (500, 500, ApiCode::InternalError),
        (503, 301, ApiCode::CollectionFailed),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.path(PATH);
                then.status(status)
                    .header("content-type", "application/json")
                    .body(business(code));
            })
            .await;
        let error = checked(fetch(&server, 0).await.unwrap_err());
        assert_eq!(error.api_code(), Some(expected), "HTTP {status}");
        assert_eq!(error.http_status(), Some(status));
    }
}

#[tokio::test]
async fn html_error_pages_are_http_errors_classified_by_status() {
    for (status, retryable) in [
        (400, false),
        (404, false),
        (429, true),
        (500, true),
        (502, true),
        (503, true),
        (504, true),
        (600, false),
        (999, false),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.path(PATH);
                then.status(status)
                    .header("content-type", "text/html")
                    .body("<html>\r\n<head><title>502 Bad\x1b[31m Gateway</title></head>\r\n<body><center><h1>Bad Gateway</h1></center></body></html>");
            })
            .await;
        let error = checked(fetch(&server, 1).await.unwrap_err());
        match &error {
            Error::Http {
                status: s,
                body_excerpt,
                ..
            } => {
                assert_eq!(*s, status);
                // The page's title, without markup or escape sequences.
                assert_eq!(
                    body_excerpt,
                    "an HTML page titled \"502 Bad\u{FFFD}[31m Gateway\""
                );
                assert!(!error.to_string().contains(['<', '\x1b']), "{error}");
            }
            other => panic!("HTTP {status}: expected Error::Http, got {other:?}"),
        }
        assert_eq!(error.is_retryable(), retryable, "HTTP {status}");
        assert_eq!(
            mock.calls_async().await,
            if retryable { 2 } else { 1 },
            "HTTP {status}"
        );
    }
}

#[tokio::test]
async fn broken_envelopes_are_decode_errors_with_a_bounded_excerpt() {
    let long_html = format!("<html>{}</html>", "x".repeat(100_000));
    for (body, reason) in [
        (long_html.as_str(), "not JSON"),
        (r#"{"code":0,"data":[{"id":"a"}"#, "not JSON"),
        ("[1,2,3]", "an array, expected an object"),
        (r#"{"data":[],"message":"ok"}"#, "no `code` field"),
        (r#"{"code":"zero","data":[]}"#, "unexpected field types"),
        (r#"{"code":0,"data":{"items":[]}}"#, "`data` is an object"),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.path(PATH);
                then.status(200).body(body);
            })
            .await;
        let error = checked(fetch(&server, 3).await.unwrap_err());
        match &error {
            Error::Decode {
                reason: r,
                excerpt,
                http_status,
                ..
            } => {
                assert!(r.contains(reason), "{body:.40}: {r}");
                assert!(excerpt.chars().count() <= 200, "excerpt is bounded");
                assert_eq!(*http_status, Some(200));
            }
            other => panic!("{body:.40}: expected Error::Decode, got {other:?}"),
        }
        assert_eq!(mock.calls_async().await, 1, "decode errors are not retried");
    }
}

#[tokio::test]
async fn null_or_missing_data_is_an_empty_page_but_not_the_end() {
    for (body, end) in [
        (r#"{"code":0,"data":null}"#, false),
        (r#"{"code":0}"#, false),
        (r#"{"code":0,"data":[]}"#, true),
        (r#"{"code":0,"data":[ ]}"#, true),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.path(PATH);
                then.status(200).body(body);
            })
            .await;
        let page = fetch(&server, 0).await.unwrap();
        assert!(page.is_empty(), "{body}");
        assert_eq!(page.is_end(), end, "{body}");
        assert_eq!(page.data_missing(), !end, "{body}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(429).header("retry-after", "1").body("slow down");
        })
        .await;
    let started = std::time::Instant::now();
    let client = justone_xhs::Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .retry_policy(support::fast_retries(1).with_max_delay(Duration::from_secs(5)))
        .build()
        .unwrap();
    let error = checked(client.note_feed(&Channel::Food, 1).await.unwrap_err());
    assert!(error.is_rate_limit());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(mock.calls_async().await, 2);
    // The single retry waited for the server's Retry-After, not the 5 ms backoff.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_short_timeout_is_a_retryable_timeout_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200)
                .delay(Duration::from_millis(800))
                .body(r#"{"code":0,"data":[]}"#);
        })
        .await;
    let client = justone_xhs::Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(100))
        .retry_policy(support::fast_retries(1))
        .build()
        .unwrap();
    let error = checked(client.note_feed(&Channel::Food, 1).await.unwrap_err());
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(mock.calls_async().await, 2);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error_without_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client(&format!("http://127.0.0.1:{port}"), 1);
    let error = checked(client.note_feed(&Channel::Food, 1).await.unwrap_err());
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_retried_failure_can_recover() {
    // One mock that answers by call number: no window in which a retry could
    // land between two mocks.
    let server = MockServer::start_async().await;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.respond_with(move |_| {
                let body = match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                    0 | 1 => business(301),
                    _ => r#"{"code":0,"data":[{"id":"n1"}],"requestId":"r"}"#.to_owned(),
                };
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .body(body)
                    .build()
            });
        })
        .await;
    let client = client(&server.base_url(), 3);
    let page = client.note_feed(&Channel::Food, 1).await.unwrap();
    assert_eq!(page.items[0].id.as_deref(), Some("n1"));
    assert_eq!(mock.calls_async().await, 3, "two failures, then the page");
    assert_eq!(client.retry_count(), 2);
}

#[tokio::test]
async fn a_page_or_oid_the_api_cannot_take_is_refused_without_a_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200).body(r#"{"code":0,"data":[]}"#);
        })
        .await;
    let client = client(&server.base_url(), 3);
    for page in [0, u32::MAX] {
        let error = checked(client.note_feed(&Channel::Food, page).await.unwrap_err());
        assert!(
            matches!(error, Error::InvalidSetting { name: "page", .. }),
            "{error:?}"
        );
        assert!(!error.is_retryable());
    }
    let from_start_zero: Vec<_> = client.pages(&Channel::Food).start(0).stream().collect().await;
    assert!(
        matches!(
            &from_start_zero[..],
            [Err(Error::InvalidSetting { name: "page", .. })]
        ),
        "{from_start_zero:?}"
    );
    for oid in [
        "",
        "food",
        "homefeed",
        "homefeed_",
        "Homefeed_food_v3",
        "homefeed_a b",
        "homefeed_\u{202e}",
    ] {
        let error = checked(
            client
                .note_feed(&Channel::Other(oid.into()), 1)
                .await
                .unwrap_err(),
        );
        assert!(
            matches!(error, Error::InvalidSetting { name: "channel", .. }),
            "{oid:?}: {error:?}"
        );
        assert!(!error.to_string().contains('\u{202e}'), "{error}");
    }
    let largest = i32::MAX as u32;
    assert!(client.note_feed(&Channel::Food, largest).await.is_ok());
    assert_eq!(mock.calls_async().await, 1, "only the page that fits was sent");
}

#[tokio::test]
async fn an_http_408_is_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(408).body("request timeout");
        })
        .await;
    let error = checked(fetch(&server, 2).await.unwrap_err());
    assert!(matches!(error, Error::Http { status: 408, .. }), "{error:?}");
    assert_eq!(mock.calls_async().await, 3);
}

#[test]
fn a_bad_base_url_or_setting_is_typed() {
    for url in [
        "localhost:80",
        "not a url",
        "ftp://x",
        "http://h/#top",
        "http://h/?a=1",
    ] {
        let error = justone_xhs::Client::builder()
            .token(TOKEN)
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::InvalidBaseUrl { .. }), "{url}: {error:?}");
    }
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-300] {
        let error = justone_xhs::Client::builder()
            .token(TOKEN)
            .base_url("http://127.0.0.1:9")
            .rate_limit(rate)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidSetting {
                    name: "rate_limit",
                    ..
                }
            ),
            "{rate}: {error:?}"
        );
        assert!(error.to_string().len() < 150, "{error}");
    }
}

#[tokio::test]
async fn an_odd_token_fails_in_build_and_never_reaches_the_network() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(r#"{"code":0,"data":[]}"#);
        })
        .await;
    for token in [
        "x".repeat(1 << 20),
        format!("{TOKEN}\n{TOKEN}"),
        format!("\"{TOKEN}\""),
        format!("{TOKEN}\\"),
    ] {
        let error = justone_xhs::Client::builder()
            .token(token)
            .base_url(server.base_url())
            .build()
            .unwrap_err();
        let error = checked(error);
        assert!(
            matches!(error, Error::InvalidSetting { name: "token", .. }),
            "{error:?}"
        );
    }
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn retry_after_is_read_from_undocumented_statuses_too() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(502)
                .header("retry-after", "7")
                .body("<html>bad gateway</html>");
        })
        .await;
    let error = checked(fetch(&server, 0).await.unwrap_err());
    assert!(matches!(error, Error::Http { status: 502, .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
}

/// A `Retry-After` longer than the policy's longest wait (50 ms here), as
/// seconds or as an HTTP date, is a refusal to be retried soon: one request,
/// no retry, however many the policy allows.
#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_is_not_retried() {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    for retry_after in ["100000", date.as_str()] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.path(PATH);
                then.status(429)
                    .header("retry-after", retry_after)
                    .body("slow down");
            })
            .await;
        let error = checked(fetch(&server, 3).await.unwrap_err());
        assert!(error.is_rate_limit(), "{error}");
        assert_eq!(mock.calls_async().await, 1, "{retry_after}");
        assert!(
            error.retry_after().is_some_and(|d| d > Duration::from_secs(3000)),
            "{retry_after}"
        );
    }
}

/// With a budget of 2 requests and a page that keeps failing, 2 are sent and
/// 1 of them is a retry: the retry the budget refused is not counted.
#[tokio::test]
async fn a_retry_the_budget_refuses_is_not_counted() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200).body(business(301));
        })
        .await;
    let client = justone_xhs::Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .retry_policy(support::fast_retries(3))
        .max_requests(2)
        .build()
        .unwrap();
    let error = client.note_feed(&Channel::Food, 1).await.unwrap_err();
    assert!(
        matches!(error, Error::BudgetSpent { max_requests: 2, .. }),
        "{error}"
    );
    assert_eq!(mock.calls_async().await, 2);
    assert_eq!((client.request_count(), client.retry_count()), (2, 1));
}

/// `ApiCode::Unknown` of a named number builds the same error as the named
/// code: every question asked of it gets the same answer.
#[test]
fn an_unknown_of_a_named_code_is_that_code_in_every_answer() {
    for &code in ApiCode::ALL {
        let named = Error::api(code, Some("m"), Some("r"));
        let spelled = Error::api(ApiCode::Unknown(code.code()), Some("m"), Some("r"));
        assert_eq!(spelled.class(), named.class(), "{code:?}");
        assert_eq!(spelled.is_retryable(), named.is_retryable(), "{code:?}");
        assert_eq!(spelled.is_uncertain(), named.is_uncertain(), "{code:?}");
        assert_eq!(spelled.is_rate_limit(), named.is_rate_limit(), "{code:?}");
        assert_eq!(spelled.to_string(), named.to_string(), "{code:?}");
        assert!(
            !matches!(spelled.api_code(), Some(ApiCode::Unknown(_))),
            "{code:?}"
        );
    }
}
