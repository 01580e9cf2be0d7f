//! The page walk's cost discipline, counted by the server: no request after
//! the end of a feed or a failed page unless look-ahead was asked for, and
//! no request at all once the client is cancelled.

mod support;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use justone_xhs::mock::{DemoServer, Fault};
use justone_xhs::{Channel, Error};
use support::client;

fn pages_asked(server: &DemoServer) -> Vec<u32> {
    server
        .requested()
        .into_iter()
        .filter_map(|(_, page)| page)
        .collect()
}

#[tokio::test]
async fn a_walk_past_the_end_asks_for_nothing_after_the_empty_page() {
    let server = DemoServer::builder().pages(50).start_async().await;
    let client = client(&server.base_url(), 0);
    let pages: Vec<_> = client
        .pages(&Channel::Food)
        .start(49)
        .limit(20)
        .include_end(true)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let numbers: Vec<_> = pages.iter().map(|p| (p.page, p.items.len())).collect();
    assert_eq!(
        numbers,
        [(49, 20), (50, 20), (51, 0)],
        "the end page is yielded last"
    );
    assert_eq!(pages_asked(&server), [49, 50, 51]);
}

#[tokio::test]
async fn prefetch_costs_at_most_its_depth_at_the_end() {
    let server = DemoServer::builder().pages(3).start_async().await;
    let client = client(&server.base_url(), 0);
    let pages: Vec<_> = client
        .pages(&Channel::Food)
        .limit(20)
        .prefetch(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let asked = server.requests();
    assert!(
        (4..=6).contains(&asked),
        "3 pages, the end page and at most 2 look-ahead requests; got {asked}"
    );
}

#[tokio::test]
async fn nothing_is_asked_after_a_failed_page() {
    let server = DemoServer::builder()
        .pages(10)
        .fault(Fault::BusinessCode(400))
        .fault_from_page(2)
        .start_async()
        .await;
    let client = client(&server.base_url(), 2);
    let results: Vec<_> = client.pages(&Channel::Food).limit(5).stream().collect().await;
    assert_eq!(results.len(), 2);
    assert!(matches!(results[1], Err(Error::Api { .. })));
    assert_eq!(
        pages_asked(&server),
        [1, 2],
        "400 is not retried, page 3 never asked"
    );
}

#[tokio::test]
async fn a_cancelled_client_sends_nothing_and_says_so() {
    let server = DemoServer::builder().pages(10).start_async().await;
    let client = client(&server.base_url(), 3);
    client.cancellation_token().cancel();
    let results: Vec<_> = client.pages(&Channel::Food).limit(5).stream().collect().await;
    assert!(
        matches!(results.as_slice(), [Err(Error::Cancelled)]),
        "{results:?}"
    );
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn cancelling_cuts_a_retry_wait_short_and_sends_no_retry() {
    let server = DemoServer::builder()
        .fault(Fault::HttpStatus(503))
        .start_async()
        .await;
    let client = justone_xhs::Client::builder()
        .token(support::TOKEN)
        .base_url(server.base_url())
        .retry_policy(
            justone_xhs::RetryPolicy::default()
                .with_max_retries(5)
                .with_initial_delay(Duration::from_secs(30))
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let cancel = client.cancellation_token().clone();
    let walk = tokio::spawn({
        let client = client.clone();
        async move { client.note_feed(&Channel::Food, 1).await }
    });
    // The first attempt fails at once; the walk is then in a 30 s wait.
    while server.requests() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(10), walk)
        .await
        .expect("the wait was cut short")
        .unwrap();
    // Cancelled during the wait: `Cancelled`; during the first attempt: that
    // attempt's own error. Either way no retry is sent.
    assert!(
        matches!(result, Err(Error::Cancelled | Error::Http { status: 503, .. })),
        "{result:?}"
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn the_request_budget_counts_every_attempt_and_is_never_exceeded() {
    let server = DemoServer::builder()
        .fault(Fault::HttpStatus(503))
        .fault_from_page(2)
        .start_async()
        .await;
    let client = justone_xhs::Client::builder()
        .token(support::TOKEN)
        .base_url(server.base_url())
        .retry_policy(support::fast_retries(5))
        .max_requests(4)
        .build()
        .unwrap();
    client.note_feed(&Channel::Food, 1).await.unwrap();
    // Page 2 fails and is retried until the budget is spent: 3 more sends.
    // The refused retry keeps what the sent attempts met: a 503, which may
    // have been billed.
    let error = client.note_feed(&Channel::Food, 2).await.unwrap_err();
    let Error::BudgetSpent {
        max_requests: 4,
        last_attempt: Some(last),
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(matches!(**last, Error::Http { status: 503, .. }), "{last:?}");
    assert!(error.is_uncertain());
    assert!(error.to_string().contains("a retry was not sent"), "{error}");
    assert!(error.to_string().contains("503"), "{error}");
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(server.requests(), 4);
    assert_eq!(client.request_count(), 4);
    // A call the budget refuses outright sent nothing and met nothing.
    let error = client.note_feed(&Channel::Food, 1).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::BudgetSpent {
                last_attempt: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_uncertain());
    assert_eq!(server.requests(), 4, "nothing is sent once the budget is spent");
}
