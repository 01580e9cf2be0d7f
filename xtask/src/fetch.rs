//! Downloading the published OpenAPI document.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::document::{self, DocumentError};

/// Where the published document comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Download over HTTP(S).
    Url(String),
    /// Read a local file (for reviews and offline work).
    File(PathBuf),
}

/// The provider recommends a 60 s timeout for its API; the docs site gets the
/// same allowance.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Why the document could not be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// No HTTP response: DNS, connection refused, TLS, timeout.
    #[error("cannot download {url}: {reason}")]
    Connection {
        /// The address asked for.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("downloading {url} failed with HTTP {status}; the body starts with: {excerpt:?}")]
    Status {
        /// The address asked for.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The first characters of the body.
        excerpt: String,
    },
    /// `cargo xtask regen NAME` with a name that is not in the table.
    #[error("no document named {name:?}; the documents are: {known}")]
    UnknownDocument {
        /// The name given.
        name: String,
        /// The names in the table, comma-separated.
        known: String,
    },
    /// No workspace to find `spec/` in.
    #[error(transparent)]
    Workspace(#[from] crate::WorkspaceError),
    /// The bytes are not a usable document.
    #[error(transparent)]
    Document(#[from] DocumentError),
}

impl Source {
    /// Fetches and parses the document (it is not yet checked to be OpenAPI).
    pub fn load(&self) -> Result<Value, FetchError> {
        match self {
            Source::File(path) => Ok(document::read(path)?),
            Source::Url(url) => download(url),
        }
    }
}

fn download(url: &str) -> Result<Value, FetchError> {
    // reqwest is built without a default crypto provider (no aws-lc C build);
    // an error here only means another part of the process installed one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let connection = |e: reqwest::Error| FetchError::Connection {
        url: url.to_owned(),
        reason: describe(&e),
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("justone-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(connection)?;
    let response = client.get(url).send().map_err(connection)?;
    let status = response.status();
    let body = response.bytes().map_err(connection)?;
    if !status.is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
            excerpt: document::excerpt(&body, 80),
        });
    }
    Ok(document::parse_json(&body)?)
}

/// The error and its causes on one line, without the URL (printed once by
/// the caller, or not at all when it carries a token).
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
