//! Decoding a realistic feed page (20 items, ~75 KB, from the demo fixtures).
//!
//! - `typed`: the envelope and every item into `FeedPage` (what the client does);
//! - `value`: the same bytes into `serde_json::Value`, the untyped baseline a
//!   user would otherwise write;
//! - `raw_passthrough`: typed decode plus writing every item's raw JSON as a
//!   JSONL line, which is what `justone-xhs feed --raw` does per page.
//!
//! `cargo bench -p justone-xhs --bench decode`

use std::io::Write;

use divan::{Bencher, black_box};
use justone_xhs::mock::FIXTURE_PAGES;
use justone_xhs::{Channel, FeedPage};

fn main() {
    divan::main();
}

const PAGE: &str = FIXTURE_PAGES[0];

#[divan::bench]
fn typed(bencher: Bencher) {
    bencher
        .counter(divan::counter::BytesCount::of_str(PAGE))
        .bench(|| FeedPage::from_json(Channel::Food, 1, black_box(PAGE.as_bytes())));
}

#[divan::bench]
fn value(bencher: Bencher) {
    bencher
        .counter(divan::counter::BytesCount::of_str(PAGE))
        .bench(|| serde_json::from_slice::<serde_json::Value>(black_box(PAGE.as_bytes())));
}

#[divan::bench]
fn raw_passthrough(bencher: Bencher) {
    let mut out = Vec::with_capacity(PAGE.len() * 2);
    bencher
        .counter(divan::counter::BytesCount::of_str(PAGE))
        .bench_local(|| {
            out.clear();
            if let Ok(page) = FeedPage::from_json(Channel::Food, 1, black_box(PAGE.as_bytes())) {
                for item in &page.items {
                    let _ = out.write_all(item.raw().get().as_bytes());
                    let _ = out.write_all(b"\n");
                }
            }
            out.len()
        });
}
