//! A typed, safe client for Just One API's Xiaohongshu (RedNote) endpoints:
//! the **Notes Feed V1** (`GET /api/xiaohongshu/get-note-feed/v1`) fully
//! typed, every other Xiaohongshu operation and the account endpoints
//! through one request core.
//!
//! - [`Channel`]: the 41 documented feeds, parsed from oid, slug or label,
//!   with [`Channel::from_oid`] for feeds newer than this release.
//! - [`Client`]: token from the builder or `JUST_ONE_API_TOKEN`, 60 s
//!   timeout, retries with backoff ([`RetryPolicy`]), optional rate limit and
//!   concurrency cap, `tracing` spans; the token never appears in `Debug`,
//!   errors or logs.
//! - [`FeedPage`] / [`FeedItem`]: typed fields for what people read, and the
//!   provider's JSON kept byte for byte ([`FeedItem::raw`]: no number or
//!   escape rewritten).
//! - [`Error`]: one error type, each with an [`ErrorClass`] (retries, exit
//!   codes and agents' error codes are lookups of it); [`ApiCode`] for the
//!   provider's business codes; a connection failure keeps its cause as
//!   `source()`.
//! - Every other generated operation (all 54 Xiaohongshu operations of the
//!   provider's public document, the account endpoints):
//!   [`Client::call_operation`] by operationId (constants in [`ops`]) with
//!   parameters checked against [`Client::operations`] before sending, or
//!   built with [`Client::operation`]; [`Client::operation_pages`] walks any
//!   paged one with one paging rule ([`NextPage`]).
//! - Typed methods for the most used: [`Client::search_notes`],
//!   [`Client::note_comments`], [`Client::comment_replies`],
//!   [`Client::user_profile`], [`Client::user_notes`],
//!   [`Client::topic_notes`], [`Client::hot_search`],
//!   [`Client::search_users`], [`Client::note_detail`], and the account's
//!   [`Client::balance`] and [`Client::usage_summary`].
//! - Per call: [`Client::with_timeout`], [`Client::with_retry_policy`],
//!   [`Client::with_cancellation`] share the pool, limits and budget.
//!
//! ```no_run
//! use futures::StreamExt;
//! use justone_xhs::{Channel, Client};
//!
//! # async fn run() -> Result<(), justone_xhs::Error> {
//! let client = Client::builder().build()?;
//! let page = client.note_feed(&"food".parse().unwrap(), 1).await?;
//! println!("{} notes, request {:?}", page.items.len(), page.request_id);
//!
//! let mut pages = Box::pin(client.pages(&Channel::Travel).limit(3).stream());
//! while let Some(page) = pages.next().await {
//!     for item in page?.items {
//!         println!("{:?}", item.title);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! All HTTP goes through the generated `justone-gen` client.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `rustls` | yes | TLS with rustls and the ring crypto provider; certificates checked by the operating system's verifier |
//! | `rustls-aws-lc-rs` | | TLS with rustls and the aws-lc-rs provider (needs a C compiler) |
//! | `native-tls` | | TLS with the platform's library (OpenSSL on Linux) |
//! | `http2` | | HTTP/2 when the server offers it; without it, HTTP/1.1 (which the API serves) and no `h2` to compile |
//! | `mock` | | `mock::DemoServer`, a local Notes Feed serving bundled fixtures, and `mock::FaultyServer`, for tests, demos and examples without a token |
//!
//! With several TLS features enabled, `native-tls` wins over
//! `rustls-aws-lc-rs`, which wins over `rustls`; with none, only plain
//! `http` base URLs work. The library never installs a process-wide rustls
//! crypto provider: the provider is part of its own client's configuration.
//!
//! A dependent's tests can use the demo server without a token:
//!
//! ```toml
//! [dev-dependencies]
//! justone-xhs = { version = "0.1", features = ["mock"] }
//! ```
//!
//! The library needs a tokio runtime with the time driver (`#[tokio::main]`
//! and `#[tokio::test]` have it); it enables only tokio's `time` and `sync`
//! features itself (plus `rt`, `net` and `io-util` with `mock`).

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
mod api_code;
mod api_response;
mod channel;
mod client;
mod client_builder;
pub mod error;
mod error_class;
mod error_mapping;
mod feed_item;
mod feed_page;
mod json_text;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
mod note_detail;
mod note_feed;
mod operation_call;
mod operation_pages;
mod operations;
mod pagination;
mod paging;
mod rate_limit;
mod redact;
mod retry_policy;
mod safe_text;
mod tls;
mod typed_operations;

/// The `reqwest` this crate is built with, for
/// [`ClientBuilder::reqwest_client`]: a client from another major version of
/// `reqwest` is a different type. Start from
/// [`ClientBuilder::reqwest_builder`], which has this crate's TLS set-up.
pub use reqwest;

// The crate README's examples compile as doctests, so they cannot rot (the
// demo server's needs `mock`).
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use account::Balance;
pub use api_response::ApiResponse;
pub use channel::{Channel, UnknownChannel};
pub use client::Client;
pub use client_builder::{ClientBuilder, Region, TOKEN_ENV, TOKEN_ENV_ALT};
pub use error::{ApiCode, CodeClass, Error, ErrorSource};
pub use error_class::ErrorClass;
pub use feed_item::{Author, Category, FeedItem, Image, NoteKind, Video};
pub use feed_page::FeedPage;
/// Every operationId as a constant (`ops::GET_API_XIAOHONGSHU_SEARCH_NOTE_V2`),
/// generated from the documents with the client.
pub use justone_gen::operations::ids as ops;
/// The operation table's types, from `justone-gen`: what [`Client::operations`] lists.
pub use justone_gen::operations::{CallError, OperationInfo, Paging, ParamInfo, ParamKind};
pub use operation_call::OperationCall;
pub use operation_pages::{IntoParam, OperationPage, OperationPages};
pub use pagination::Pages;
pub use paging::NextPage;
pub use retry_policy::RetryPolicy;
pub use safe_text::display_safe;
/// The token type of [`ClientBuilder::cancellation_token`], re-exported from `tokio-util`.
pub use tokio_util::sync::CancellationToken;
pub use typed_operations::{CommentSort, NoteSort, NoteType, PublishedWithin, TopicSort};
