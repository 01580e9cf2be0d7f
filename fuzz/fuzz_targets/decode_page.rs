//! Arbitrary bytes as a response body: decoding never panics, and every
//! decoded item serializes back to exactly the bytes it came from.
#![no_main]

use justone_xhs::{Channel, FeedPage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(page) = FeedPage::from_json(Channel::Food, 1, body) {
        for item in &page.items {
            let written = serde_json::to_string(item).expect("an item always serializes");
            assert_eq!(written, item.raw().get());
            let _ = item.cover_url();
        }
    }
});
