//! Soak: every channel, many pages, 16 requests in flight, against a demo
//! server failing a share of requests at random with 301, 429 or 503.
//! Every page must arrive exactly once, retries stay bounded, and the run
//! ends. The suite runs 41 channels x 3 pages; for the larger run:
//!
//! ```sh
//! SOAK_PAGES=20 cargo test --release -p justone-xhs --test soak -- --nocapture
//! ```

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
use justone_xhs::mock::DemoServer;
use justone_xhs::{Channel, Client, RetryPolicy};

const FAILURE_SHARE: f64 = 0.15;
const MAX_RETRIES: usize = 8;

#[tokio::test(flavor = "multi_thread")]
async fn every_page_arrives_exactly_once_under_random_failures() {
    let pages: u32 = std::env::var("SOAK_PAGES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3);
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    let server = DemoServer::builder()
        .pages(pages)
        .flaky(FAILURE_SHARE, seed)
        .start_async()
        .await;
    let client = Client::builder()
        .token("soak")
        .base_url(server.base_url())
        .max_concurrency(16)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(MAX_RETRIES)
                .with_initial_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(20)),
        )
        .build()
        .unwrap();

    let started = Instant::now();
    let wanted: Vec<(Channel, u32)> = Channel::ALL
        .iter()
        .flat_map(|c| (1..=pages).map(move |p| (c.clone(), p)))
        .collect();
    let results: Vec<_> = futures::stream::iter(wanted.clone())
        .map(|(channel, page)| {
            let client = client.clone();
            async move { client.note_feed(&channel, page).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let elapsed = started.elapsed();

    let mut seen = HashSet::new();
    let mut ids = HashSet::new();
    for result in results {
        let page = result.expect("a page failed even after retries");
        assert_eq!(page.items.len(), 20);
        assert!(
            seen.insert((page.channel.clone(), page.page)),
            "page delivered twice"
        );
        for item in page.items {
            assert!(ids.insert(item.id.unwrap()), "note delivered twice");
        }
    }
    assert_eq!(
        seen,
        wanted.into_iter().collect::<HashSet<_>>(),
        "a page is missing"
    );

    let total = Channel::ALL.len() as u64 * u64::from(pages);
    let retries = client.retry_count();
    // Hard bound: no request retries more than MAX_RETRIES times. Expected
    // about total * share / (1 - share); allow twice that.
    assert!(retries <= total * MAX_RETRIES as u64);
    let expected = total as f64 * FAILURE_SHARE / (1.0 - FAILURE_SHARE);
    assert!(
        (retries as f64) < 2.0 * expected + 10.0,
        "{retries} retries for {total} pages"
    );
    assert_eq!(
        server.requests() as u64,
        total + retries,
        "one request per attempt, none lost"
    );
    println!(
        "soak: {total} pages, {} notes, {retries} retries, {elapsed:?}",
        ids.len()
    );
}
