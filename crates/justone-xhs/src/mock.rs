//! A local demo server of the Notes Feed, built on httpmock (feature `mock`).
//!
//! It answers every channel and page from bundled fixtures modelled on the
//! provider's example item (image and video notes, ads, fields this crate
//! does not model, one odd item per page), with note ids unique per channel,
//! page and position. Pages past the configured count answer `data: []`.
//! Switches inject failures: a business code, an HTTP status, latency, or
//! random retryable failures. [`FaultyServer`] covers what an HTTP mock
//! cannot: resets, stalled or truncated bodies, silence, huge bodies.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), justone_xhs::Error> {
//! use justone_xhs::{Channel, Client, mock::DemoServer};
//!
//! let server = DemoServer::builder().pages(2).start_async().await;
//! let client = Client::builder().token("demo").base_url(server.base_url()).build()?;
//! let page = client.note_feed(&Channel::Food, 1).await?;
//! assert_eq!(page.items.len(), 20);
//! assert!(client.note_feed(&Channel::Food, 3).await?.is_empty());
//! # Ok(())
//! # }
//! ```

mod faulty_server;

pub use faulty_server::{FaultyServer, Misbehaviour};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use serde_json::value::RawValue;

/// The path the demo server answers on.
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
    /// Pages per channel that carry items (default 5); later pages are empty.
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

    /// Starts the server (from synchronous code).
    pub fn start(self) -> DemoServer {
        let server = MockServer::start();
        self.install(server)
    }

    /// Starts the server (from async code).
    pub async fn start_async(self) -> DemoServer {
        let server = MockServer::start_async().await;
        self.install(server)
    }

    fn install(self, server: MockServer) -> DemoServer {
        let requests = Arc::new(AtomicUsize::new(0));
        let log = RequestLog::default();
        let feed = Arc::new(Feed::new(self.clone()));
        let counter = Arc::clone(&requests);
        let seen = Arc::clone(&log);
        server.mock(|when, then| {
            when.path(FEED_PATH);
            let then = match self.latency {
                Some(latency) => then.delay(latency),
                None => then,
            };
            then.respond_with(move |request| {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut log) = seen.lock() {
                    log.push(requested_page(request));
                }
                feed.answer(request, n)
            });
        });
        DemoServer {
            server,
            requests,
            log,
        }
    }
}

/// `(oid, page)` of every request, in arrival order.
type RequestLog = Arc<Mutex<Vec<(String, Option<u32>)>>>;

/// A running demo server; stops when dropped.
pub struct DemoServer {
    server: MockServer,
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
        self.server.base_url()
    }

    /// How many feed requests the server has answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Every feed request the server received, in order, as `(oid, page)`
    /// (`None` for a missing or unreadable `page`).
    pub fn requested(&self) -> Vec<(String, Option<u32>)> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }
}

fn requested_page(request: &HttpMockRequest) -> (String, Option<u32>) {
    let params = request.query_params();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    (
        param("oid").unwrap_or_default(),
        param("page").and_then(|p| p.parse().ok()),
    )
}

/// The fixture items, split once, and the answering logic.
struct Feed {
    config: DemoServerBuilder,
    pages: Vec<Vec<String>>,
}

impl Feed {
    fn new(config: DemoServerBuilder) -> Feed {
        let bundled = || FIXTURE_PAGES.iter().map(|page| (*page).to_owned()).collect();
        let sources: Vec<String> = config.fixtures.clone().unwrap_or_else(bundled);
        let pages = sources
            .iter()
            .map(|page| {
                #[derive(serde::Deserialize)]
                struct Envelope<'a> {
                    #[serde(borrow)]
                    data: Vec<&'a RawValue>,
                }
                serde_json::from_str::<Envelope<'_>>(page)
                    .map(|e| e.data.iter().map(|item| item.get().to_owned()).collect())
                    .unwrap_or_default()
            })
            .collect();
        Feed { config, pages }
    }

    fn answer(&self, request: &HttpMockRequest, n: usize) -> HttpMockResponse {
        let params = request.query_params();
        let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let oid = param("oid").unwrap_or("homefeed_recommend");
        if param("token").is_none_or(str::is_empty) {
            return envelope(100, "Invalid or Inactive Token", "null", oid, 0);
        }
        let Some(page) = param("page").map_or(Some(1), |p| p.parse::<u32>().ok()) else {
            return envelope(400, "Invalid Parameters", "null", oid, 0);
        };
        if let Some((probability, seed)) = self.config.flaky {
            let roll = splitmix(seed ^ n as u64);
            if (roll % 10_000) as f64 / 10_000.0 < probability {
                return match roll % 3 {
                    0 => envelope(301, "Collection Failed. Please Retry.", "null", oid, page),
                    1 => html(429),
                    _ => html(503),
                };
            }
        }
        let faulty = page >= self.config.fault_from_page && n + 1 >= self.config.fault_from_request;
        match self.config.fault {
            Some(fault) if faulty => match fault {
                Fault::BusinessCode(code) => envelope(code, "injected by the demo server", "null", oid, page),
                Fault::HttpStatus(status) => html(status),
            },
            _ if page == 0 || page > self.config.pages || self.pages.is_empty() => {
                envelope(0, "success", "[]", oid, page)
            }
            _ => {
                let items = &self.pages[(page as usize - 1) % self.pages.len()];
                let prefix = format!("{:08x}{page:08x}", fnv32(oid));
                let data = items
                    .iter()
                    .map(|item| rewrite_id(item, &prefix))
                    .collect::<Vec<_>>()
                    .join(",");
                envelope(0, "success", &format!("[{data}]"), oid, page)
            }
        }
    }
}

fn envelope(code: i64, message: &str, data: &str, oid: &str, page: u32) -> HttpMockResponse {
    let body = format!(
        r#"{{"code":{code},"data":{data},"message":"{message}","recordTime":"2026-11-27T10:00:00","requestId":"demo-{oid}-{page}"}}"#
    );
    HttpMockResponse::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body)
        .build()
}

fn html(status: u16) -> HttpMockResponse {
    let mut response = HttpMockResponse::builder()
        .status(status)
        .header("content-type", "text/html")
        .body(format!(
            "<html><body><h1>{status}</h1>demo server failure</body></html>"
        ));
    if status == 429 {
        response = response.header("retry-after", "0");
    }
    response.build()
}

/// Replaces the first 16 hex digits of the item's id (fixture ids end in 8
/// digits unique per fixture item) so ids are unique per channel and page.
fn rewrite_id(item: &str, prefix: &str) -> String {
    let key = r#""id":""#;
    match item.find(key) {
        Some(at) if item.len() >= at + key.len() + 24 => {
            let start = at + key.len();
            format!("{}{prefix}{}", &item[..start], &item[start + 16..])
        }
        _ => item.to_owned(),
    }
}

fn fnv32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// A well-mixed 64-bit value from a counter (SplitMix64's finalizer), so the
/// flaky mode is reproducible for a seed without a random-number dependency.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
