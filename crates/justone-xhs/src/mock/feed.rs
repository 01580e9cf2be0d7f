//! The demo server's answers: fixture pages with ids unique per channel and
//! page, empty pages past the end, and the injected failures.

use serde_json::value::RawValue;

use super::demo_server::{Query, Reply};
use super::{DemoServerBuilder, FIXTURE_PAGES, Fault};

/// The fixture items, split once, and the answering logic.
pub(super) struct Feed {
    config: DemoServerBuilder,
    pages: Vec<Vec<String>>,
}

impl Feed {
    pub(super) fn new(config: DemoServerBuilder) -> Feed {
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

    /// The answer to the `n`-th request (counting from 0).
    pub(super) fn answer(&self, query: &Query, n: usize) -> Reply {
        let param = |name: &str| query.get(name);
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

fn envelope(code: i64, message: &str, data: &str, oid: &str, page: u32) -> Reply {
    envelope_with_id(code, message, data, &format!("demo-{oid}-{page}"))
}

/// An HTTP 200 envelope; `message` and `request_id` must need no JSON escaping.
pub(super) fn envelope_with_id(code: i64, message: &str, data: &str, request_id: &str) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json",
        retry_after: None,
        body: format!(
            r#"{{"code":{code},"data":{data},"message":"{message}","recordTime":"2026-11-27T10:00:00","requestId":"{request_id}"}}"#
        ),
    }
}

fn html(status: u16) -> Reply {
    Reply {
        status,
        content_type: "text/html",
        retry_after: (status == 429).then_some("0"),
        body: format!("<html><body><h1>{status}</h1>demo server failure</body></html>"),
    }
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
