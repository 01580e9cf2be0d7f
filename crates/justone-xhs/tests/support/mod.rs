//! Shared test helpers: a client aimed at a local server, and the secret
//! check every error goes through.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use justone_xhs::{Client, Error, RetryPolicy};

/// The token every test uses; no output may ever contain it.
pub const TOKEN: &str = "tok-SECRET-8f3a2c";

/// A client for `base_url` with fast, jitter-free retries.
pub fn client(base_url: &str, retries: usize) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .retry_policy(fast_retries(retries))
        .build()
        .unwrap()
}

pub fn fast_retries(retries: usize) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(retries)
        .with_initial_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(50))
        .with_jitter(false)
}

/// Asserts that no rendering of the error contains the token, and returns
/// the error for further checks.
pub fn checked(error: Error) -> Error {
    for text in [error.to_string(), format!("{error:?}"), format!("{error:#?}")] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("token="), "query string leaked: {text}");
    }
    error
}
