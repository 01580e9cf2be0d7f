//! `cargo xtask probe`: fetch the first page of a few channels from the live
//! API and compare the items' shape with `spec/feed-item-shape.json`.
//! `cargo xtask shape`: rebuild that file from the documented example and
//! the demo fixtures.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::document::{self, DocumentError};
use crate::shape::{Shape, ShapeDrift};

/// Channels probed by default: the default feed, a video feed, a topic feed.
pub const DEFAULT_CHANNELS: [&str; 3] = ["homefeed_recommend", "homefeed_video_v3", "homefeed_food_v3"];

/// Why a probe could not be made (never "no drift").
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// No token in the environment.
    #[error("no API token: set JUST_ONE_API_TOKEN (or JUSTONEAPI_TOKEN)")]
    NoToken,
    /// The request failed; the message never contains the URL or token.
    #[error("probing {channel} failed: {reason}")]
    Request {
        /// The oid probed.
        channel: String,
        /// What went wrong.
        reason: String,
    },
    /// The API answered with a business error.
    #[error("probing {channel}: the API answered code {code}: {message}")]
    Api {
        /// The oid probed.
        channel: String,
        /// The business code.
        code: i64,
        /// The provider's message.
        message: String,
    },
    /// No workspace to find the committed shape file in.
    #[error(transparent)]
    Workspace(#[from] crate::WorkspaceError),
    /// The committed shape file is unusable.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// The shape file is JSON but not a shape.
    #[error("{0} is not a shape file; rebuild it with `cargo xtask shape`")]
    NotAShape(String),
}

/// The token from the environment, as the SDK reads it.
pub fn token_from_env() -> Result<String, ProbeError> {
    ["JUST_ONE_API_TOKEN", "JUSTONEAPI_TOKEN"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|t| t.trim().to_owned())
        .find(|t| !t.is_empty())
        .ok_or(ProbeError::NoToken)
}

/// Fetches page 1 of each channel and compares the items with the shape file.
pub fn probe(
    base_url: &str,
    channels: &[String],
    token: &str,
    shape_file: &Path,
) -> Result<ShapeDrift, ProbeError> {
    let reference = read_shape(shape_file)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| request_error("client", &e, token))?;
    let mut observed = Shape::default();
    for channel in channels {
        // The item shape is the Notes Feed document's: probe its path.
        let url = format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            crate::spec_documents::NOTES_FEED.required_path
        );
        let response = client
            .get(url)
            .query(&[("token", token), ("oid", channel), ("page", "1")])
            .send()
            .map_err(|e| request_error(channel, &e, token))?;
        let status = response.status();
        let body = response.bytes().map_err(|e| request_error(channel, &e, token))?;
        let envelope = document::parse_json(&body).map_err(|e| ProbeError::Request {
            channel: channel.clone(),
            reason: format!("HTTP {status}: {}", scrub(&e.to_string(), token)),
        })?;
        let code = envelope.get("code").and_then(Value::as_i64).unwrap_or(-1);
        if code != 0 {
            let message = envelope
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(ProbeError::Api {
                channel: channel.clone(),
                code,
                message: scrub(message, token),
            });
        }
        for item in envelope
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            observed.add(item, false);
        }
    }
    Ok(ShapeDrift::between(&reference, &observed))
}

/// The reference shape: the documented example's item, then every fixture
/// item (which adds the optional paths of video notes and ads).
pub fn derive_shape(example: &Value, fixtures: &[Value]) -> Shape {
    let mut shape = Shape::default();
    let items = |envelope: &Value| {
        envelope
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for item in items(example) {
        shape.add(&item, true);
    }
    for fixture in fixtures {
        for item in items(fixture) {
            shape.add(&item, false);
        }
    }
    shape
}

fn read_shape(path: &Path) -> Result<Shape, ProbeError> {
    let value = document::read(path)?;
    Shape::from_json(&value).ok_or_else(|| ProbeError::NotAShape(path.display().to_string()))
}

fn request_error(channel: &str, error: &reqwest::Error, token: &str) -> ProbeError {
    ProbeError::Request {
        channel: channel.to_owned(),
        reason: scrub(&crate::fetch::describe(error), token),
    }
}

fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[redacted]")
    }
}
