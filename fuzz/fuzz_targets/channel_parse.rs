//! Arbitrary text as a channel name: parsing never panics, a parsed channel
//! parses back from its oid and slug, and any oid round-trips through
//! `Channel::from_oid` and serde.
#![no_main]

use justone_xhs::Channel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match text.parse::<Channel>() {
        Ok(channel) => {
            assert_eq!(channel.oid().parse::<Channel>().ok(), Some(channel.clone()));
            assert_eq!(channel.slug().parse::<Channel>().ok(), Some(channel));
        }
        Err(error) => {
            assert!(!error.suggestions.is_empty());
            let _ = error.to_string();
        }
    }
    let raw = Channel::from_oid(text);
    assert_eq!(raw.oid(), text);
    let json = serde_json::to_string(&raw).expect("a channel always serializes");
    assert_eq!(serde_json::from_str::<Channel>(&json).ok(), Some(raw));
});
