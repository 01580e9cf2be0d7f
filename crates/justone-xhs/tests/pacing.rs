//! Pacing as the server sees it: the rate limit, the concurrency cap, and the
//! client-wide pause after a rate limit. Every check counts or times what
//! reached the server; times are lower bounds (nothing went faster than
//! allowed), or generous upper bounds that only rule out a hang.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use justone_xhs::{Channel, Client, ClientBuilder, RetryPolicy};
use support::TOKEN;

const PATH: &str = "/api/xiaohongshu/get-note-feed/v1";
const EMPTY_PAGE: &str = r#"{"code":0,"data":[]}"#;

/// When each request reached the server, by page.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<(u32, Instant)>>>);

impl Arrivals {
    fn record(&self, request: &HttpMockRequest) {
        let page = request
            .query_params()
            .into_iter()
            .find(|(name, _)| name == "page")
            .and_then(|(_, page)| page.parse().ok())
            .unwrap_or(0);
        self.0.lock().unwrap().push((page, Instant::now()));
    }

    fn times(&self) -> Vec<Instant> {
        let mut times: Vec<Instant> = self.0.lock().unwrap().iter().map(|(_, t)| *t).collect();
        times.sort();
        times
    }

    fn of_page(&self, page: u32) -> Vec<Instant> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| *p == page)
            .map(|(_, t)| *t)
            .collect()
    }
}

/// A server answering every request with `status` and `body`, recording
/// arrivals.
async fn recording_server(status: u16, body: &'static str, arrivals: &Arrivals) -> MockServer {
    let server = MockServer::start_async().await;
    let arrivals = arrivals.clone();
    server
        .mock_async(|when, then| {
            when.path(PATH);
            then.respond_with(move |request| {
                arrivals.record(request);
                HttpMockResponse::builder().status(status).body(body).build()
            });
        })
        .await;
    server
}

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .retry_policy(support::fast_retries(0))
}

async fn fetch_pages(client: &Client, pages: std::ops::RangeInclusive<u32>) {
    join_all(pages.map(|page| client.note_feed(&Channel::Food, page))).await;
}

#[tokio::test]
async fn the_rate_is_exact_with_no_initial_burst() {
    // (rate, requests): the old quota allowed a burst of round(rate) and
    // rounded 2.5/s up to 3/s; both would arrive well before the bound.
    for (rate, requests) in [(10.0, 11u32), (2.5, 4)] {
        let arrivals = Arrivals::default();
        let server = recording_server(200, EMPTY_PAGE, &arrivals).await;
        let client = builder(&server).rate_limit(rate).build().unwrap();
        fetch_pages(&client, 1..=requests).await;
        let times = arrivals.times();
        assert_eq!(times.len(), requests as usize);
        let span = times[times.len() - 1] - times[0];
        let least = Duration::from_secs_f64(f64::from(requests - 1) / rate);
        // A little slack for when the server's clock reads the arrival.
        assert!(
            span + Duration::from_millis(30) >= least,
            "rate {rate}: {requests} requests arrived within {span:?}, at least {least:?} expected"
        );
    }
}

#[tokio::test]
async fn requests_waiting_for_a_permit_do_not_bunch_up_when_permits_free() {
    // Pages 1 and 2 are slow and finish together; pages 3.. wait for their
    // permits meanwhile. A task that took its rate token before its permit
    // would fire together with the next one the moment both permits free.
    let server = MockServer::start_async().await;
    for (page, delay_ms) in [("1", 600), ("2", 400)] {
        server
            .mock_async(|when, then| {
                when.path(PATH).query_param("page", page);
                then.status(200)
                    .delay(Duration::from_millis(delay_ms))
                    .body(EMPTY_PAGE);
            })
            .await;
    }
    let arrivals = Arrivals::default();
    let recorder = arrivals.clone();
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param_matches("page", "^[3-6]$");
            then.respond_with(move |request| {
                recorder.record(request);
                HttpMockResponse::builder().status(200).body(EMPTY_PAGE).build()
            });
        })
        .await;
    let period = Duration::from_millis(200);
    let client = builder(&server)
        .rate_limit(5.0)
        .max_concurrency(2)
        .build()
        .unwrap();
    fetch_pages(&client, 1..=6).await;
    let times = arrivals.times();
    assert_eq!(times.len(), 4);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= period / 2, "two requests {gap:?} apart at 5/s: {times:?}");
    }
}

/// A server that rate limits the first request for page 1 (with
/// `Retry-After: retry_after`) if no page 2 came before it, and serves every
/// other request.
async fn limited_once_server(retry_after: &'static str, arrivals: &Arrivals) -> MockServer {
    let server = MockServer::start_async().await;
    let recorder = arrivals.clone();
    server
        .mock_async(|when, then| {
            when.path(PATH);
            then.respond_with(move |request| {
                recorder.record(request);
                let limited = recorder.of_page(1).len() == 1 && recorder.of_page(2).is_empty();
                let response = HttpMockResponse::builder();
                if limited {
                    response
                        .status(429)
                        .header("retry-after", retry_after)
                        .body("slow down")
                        .build()
                } else {
                    response.status(200).body(EMPTY_PAGE).build()
                }
            });
        })
        .await;
    server
}

#[tokio::test]
async fn a_rate_limit_pauses_every_clone_of_the_client() {
    // Page 1 is rate limited once (Retry-After: 1 s); page 2 always works.
    let arrivals = Arrivals::default();
    let server = limited_once_server("1", &arrivals).await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .retry_policy(support::fast_retries(1).with_max_delay(Duration::from_secs(5)))
        .build()
        .unwrap();
    let clone = client.clone();
    let first = tokio::spawn(async move { client.note_feed(&Channel::Food, 1).await });
    while arrivals.of_page(1).is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Give the 429 time to come back, then ask for another page on a clone.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = clone.note_feed(&Channel::Food, 2).await;
    assert!(second.is_ok(), "{second:?}");
    assert!(first.await.unwrap().is_ok());
    let limited_at = arrivals.of_page(1)[0];
    let other_at = arrivals.of_page(2)[0];
    assert!(
        other_at - limited_at >= Duration::from_millis(900),
        "the clone's request went out {:?} into a 1 s pause",
        other_at - limited_at
    );
}

#[tokio::test]
async fn a_pause_never_outlasts_max_delay() {
    // The server asks for an hour; the policy allows 200 ms per wait.
    let arrivals = Arrivals::default();
    let server = limited_once_server("3600", &arrivals).await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .retry_policy(support::fast_retries(0).with_max_delay(Duration::from_millis(200)))
        .build()
        .unwrap();
    assert!(
        client
            .note_feed(&Channel::Food, 1)
            .await
            .unwrap_err()
            .is_rate_limit()
    );
    let started = Instant::now();
    let page = tokio::time::timeout(Duration::from_secs(10), client.note_feed(&Channel::Food, 2)).await;
    assert!(matches!(page, Ok(Ok(_))), "{page:?}");
    // Correctness bound only: an hour-long pause would time out above.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_rate_limiting_stops_the_whole_client_within_one_budget() {
    // Every request is rate limited. 8 channels, 2 in flight, 2 retries
    // each: without a shared budget the server would see 8 × 3 = 24
    // requests; with it, at most (2 + 1) rounds of 2.
    let arrivals = Arrivals::default();
    let server = recording_server(429, "slow down", &arrivals).await;
    let retries = 2;
    let concurrency = 2;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .max_concurrency(concurrency)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(retries)
                .with_initial_delay(Duration::from_millis(20))
                .with_max_delay(Duration::from_millis(100))
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let channels = &Channel::ALL[..8];
    let results = tokio::time::timeout(
        Duration::from_secs(30),
        join_all(channels.iter().map(|c| client.note_feed(c, 1))),
    )
    .await
    .expect("the client neither hangs nor deadlocks");
    for result in &results {
        let error = support::checked(result.clone().unwrap_err());
        assert!(error.is_rate_limit(), "{error:?}");
    }
    let seen = arrivals.times().len();
    assert!(
        seen <= (retries + 1) * concurrency,
        "the server saw {seen} requests"
    );
    // A request started after the client stopped still gets one attempt,
    // so that a client recovers once the provider does.
    assert!(client.note_feed(&Channel::Food, 2).await.is_err());
    assert_eq!(arrivals.times().len(), seen + 1);
}
