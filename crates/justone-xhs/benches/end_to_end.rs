//! The library end to end against the local demo server: 200 pages
//! sequentially, and 200 pages with 8 requests in flight.
//!
//! `cargo bench -p justone-xhs --bench end_to_end`

use divan::Bencher;
use futures::StreamExt;
use justone_xhs::mock::DemoServer;
use justone_xhs::{Channel, Client};

fn main() {
    divan::main();
}

const PAGES: u32 = 200;

fn setup() -> (tokio::runtime::Runtime, DemoServer, Client) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let server = runtime.block_on(DemoServer::builder().pages(PAGES).start_async());
    let client = Client::builder()
        .token("bench")
        .base_url(server.base_url())
        .build()
        .expect("client");
    (runtime, server, client)
}

async fn fetch_all(client: &Client, concurrency: usize) -> usize {
    futures::stream::iter(1..=PAGES)
        .map(|page| {
            let client = client.clone();
            async move {
                client
                    .note_feed(&Channel::Food, page)
                    .await
                    .map(|p| p.items.len())
                    .unwrap_or(0)
            }
        })
        .buffer_unordered(concurrency)
        .fold(0, |total, n| async move { total + n })
        .await
}

#[divan::bench(sample_count = 10, sample_size = 1, args = [1, 8])]
fn pages_200(bencher: Bencher, concurrency: usize) {
    let (runtime, _server, client) = setup();
    bencher
        .counter(divan::counter::ItemsCount::new(PAGES))
        .bench_local(|| runtime.block_on(fetch_all(&client, concurrency)));
}
