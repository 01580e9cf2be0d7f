//! A local demo server (feature `mock`), a small hyper server on a loopback
//! port: the Notes Feed from fixtures, the account endpoints with fixed demo
//! values ([`DEMO_BALANCE`], [`DEMO_USAGE_SUMMARY`]), every paged operation
//! with [`pages`](DemoServerBuilder::pages) pages of 10 demo items (page
//! numbers, cursors and `has_more` as the library's page walk reads them),
//! and every other generated operation with `data: {"demo": true,
//! "operation": PATH}`. The other switches apply to the feed.
//!
//! The feed answers every channel and page from bundled fixtures modelled on the
//! provider's example item (image and video notes, ads, fields this crate
//! does not model, one odd item per page), with note ids unique per channel,
//! page and position. Pages past the configured count answer `data: []`.
//! Switches inject failures: a business code, an HTTP status, latency, or
//! random retryable failures. [`FaultyServer`] covers what a well-behaved
//! HTTP server cannot: resets, stalled or truncated bodies, silence, huge
//! bodies.
//!
//! [`DemoServerBuilder::start`] works without an async runtime (a plain
//! `#[test]`), [`DemoServerBuilder::start_async`] from inside one; either way
//! the server runs on a thread of its own and stops when the [`DemoServer`]
//! is dropped.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), justone_xhs::Error> {
//! use justone_xhs::{Channel, Client, mock::{DEMO_TOKEN, DemoServer}};
//!
//! let server = DemoServer::builder().pages(2).start_async().await;
//! let client = Client::builder().token(DEMO_TOKEN).base_url(server.base_url()).build()?;
//! let page = client.note_feed(&Channel::Food, 1).await?;
//! assert_eq!(page.items.len(), 20);
//! assert!(client.note_feed(&Channel::Food, 3).await?.is_empty());
//! # Ok(())
//! # }
//! ```

mod demo_server;
mod faulty_server;
mod feed;
mod operations;

pub use faulty_server::{FaultyServer, Misbehaviour};

/// A token for the demo server, which accepts any: as long as a real one,
/// so that it is searched for and redacted as a real one is (the crate
/// searches free text only for tokens of 16 bytes or more).
pub const DEMO_TOKEN: &str = "justone-demo-token-not-a-real-one";
pub use operations::{DEMO_BALANCE, DEMO_USAGE_SUMMARY};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use demo_server::{Answer, Transport};
use feed::Feed;

/// The feed's path on the demo server.
pub const FEED_PATH: &str = "/api/xiaohongshu/get-note-feed/v1";

/// The bundled fixture pages: full envelopes of 20 items each (~75 KB).
pub const FIXTURE_PAGES: [&str; 3] = [
    include_str!("../fixtures/feed-page-1.json"),
    include_str!("../fixtures/feed-page-2.json"),
    include_str!("../fixtures/feed-page-3.json"),
];

/// The provider's documented example response, verbatim.
pub const EXAMPLE_RESPONSE: &str = include_str!("../fixtures/example-response.json");

/// A failure the demo server injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 200 with this business `code` and `data: null`.
    BusinessCode(i64),
    /// This HTTP status with an HTML body, as a failing proxy would send.
    HttpStatus(u16),
}

/// Configures a [`DemoServer`].
#[derive(Debug, Clone)]
#[must_use]
pub struct DemoServerBuilder {
    pages: u32,
    fault: Option<Fault>,
    fault_from_page: u32,
    fault_from_request: usize,
    latency: Option<Duration>,
    flaky: Option<(f64, u64)>,
    fixtures: Option<Vec<String>>,
}

impl Default for DemoServerBuilder {
    fn default() -> Self {
        DemoServerBuilder {
            pages: 5,
            fault: None,
            fault_from_page: 1,
            fault_from_request: 1,
            latency: None,
            flaky: None,
            fixtures: None,
        }
    }
}

impl DemoServerBuilder {
    /// Pages per channel, and per paged operation, that carry items
    /// (default 5); later pages are empty.
    pub fn pages(mut self, pages: u32) -> Self {
        self.pages = pages;
        self
    }

    /// Answer every request (from [`fault_from_page`](Self::fault_from_page)
    /// on) with this failure.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// The first page the [`fault`](Self::fault) applies to (default 1).
    pub fn fault_from_page(mut self, page: u32) -> Self {
        self.fault_from_page = page;
        self
    }

    /// The first request (counting from 1, in the order the server received
    /// them) the [`fault`](Self::fault) applies to (default 1): with 3, two
    /// requests succeed and every later one fails.
    pub fn fault_from_request(mut self, request: usize) -> Self {
        self.fault_from_request = request.max(1);
        self
    }

    /// Delay every response by this much.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    /// Fail a `probability` share of requests, chosen by a seeded generator,
    /// with a retryable failure: code 301, HTTP 429 or HTTP 503.
    pub fn flaky(mut self, probability: f64, seed: u64) -> Self {
        self.flaky = Some((probability, seed));
        self
    }

    /// Serve these envelopes (JSON text with a `data` array) instead of the
    /// bundled [`FIXTURE_PAGES`], page `n` from envelope `(n - 1) % len`.
    pub fn fixture_pages(mut self, pages: Vec<String>) -> Self {
        self.fixtures = Some(pages);
        self
    }

    /// Starts the server (from synchronous code; no runtime needed).
    ///
    /// # Panics
    /// When no loopback port can be bound or no thread started: a test
    /// fixture has nothing better to do.
    pub fn start(self) -> DemoServer {
        let requests = Arc::new(AtomicUsize::new(0));
        let log = RequestLog::default();
        let latency = self.latency;
        let pages = self.pages;
        let feed = Feed::new(self);
        let counter = Arc::clone(&requests);
        let seen = Arc::clone(&log);
        let answer: Answer = Arc::new(move |path, query| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            if path != FEED_PATH {
                return operations::answer(path, query, pages);
            }
            if let Ok(mut log) = seen.lock() {
                log.push((
                    query.get("oid").unwrap_or_default().to_owned(),
                    query.get("page").and_then(|p| p.parse().ok()),
                ));
            }
            feed.answer(query, n)
        });
        let transport =
            Transport::start(latency, answer).unwrap_or_else(|e| panic!("the demo server cannot start: {e}"));
        DemoServer {
            transport,
            requests,
            log,
        }
    }

    /// Starts the server (from async code). The server runs on its own
    /// thread either way; this only spares async code a blocking-looking call.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub async fn start_async(self) -> DemoServer {
        self.start()
    }
}

/// `(oid, page)` of every request, in arrival order.
type RequestLog = Arc<Mutex<Vec<(String, Option<u32>)>>>;

/// A running demo server; stops when dropped.
pub struct DemoServer {
    transport: Transport,
    requests: Arc<AtomicUsize>,
    log: RequestLog,
}

impl std::fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoServer")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl DemoServer {
    /// Configures a server.
    pub fn builder() -> DemoServerBuilder {
        DemoServerBuilder::default()
    }

    /// The base URL to give [`crate::ClientBuilder::base_url`].
    pub fn base_url(&self) -> String {
        self.transport.base_url()
    }

    /// How many requests the server has received, on every path (each is
    /// answered, after the configured latency).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Every feed request the server received, in order, as `(oid, page)`
    /// (`None` for a missing or unreadable `page`).
    pub fn requested(&self) -> Vec<(String, Option<u32>)> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }
}
