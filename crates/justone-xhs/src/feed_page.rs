//! One page of the feed, and how an [`ApiResponse`]'s `data` becomes items.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::api_response::ApiResponse;
use crate::channel::Channel;
use crate::error::Error;
use crate::feed_item::FeedItem;
use crate::json_text::JsonKind;
use crate::redact::EXCERPT_CHARS;
use crate::redact::excerpt;

/// One page of a channel's feed. It round-trips through serde: what it
/// serializes (the channel's oid, the items as the provider sent them)
/// deserializes to an equal page.
///
/// ```
/// use justone_xhs::{Channel, FeedPage};
///
/// let body = r#"{"code":0,"data":[{"id":"n1","likes":"1.2万"}]}"#;
/// let page = FeedPage::from_json(Channel::Food, 2, body.as_bytes()).unwrap();
/// let text = serde_json::to_string(&page).unwrap();
/// assert_eq!(serde_json::from_str::<FeedPage>(&text).unwrap(), page);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeedPage {
    /// The channel asked for.
    pub channel: Channel,
    /// The page number asked for.
    pub page: u32,
    /// The notes, in the provider's order. Empty at the end of the feed,
    /// and when the provider sent no `data` (see [`FeedPage::is_end`]).
    pub items: Vec<FeedItem>,
    /// The provider's `requestId`.
    pub request_id: Option<String>,
    /// The provider's `recordTime`.
    pub record_time: Option<String>,
    /// Whether `data` was `null` or missing (not serialized: not the
    /// provider's data).
    #[serde(skip)]
    pub(crate) data_missing: bool,
}

impl FeedPage {
    /// Decodes a response body (a saved one, say) as the client would:
    /// business codes become [`Error::Api`], a broken envelope
    /// [`Error::Decode`].
    ///
    /// ```
    /// use justone_xhs::{Channel, FeedPage};
    ///
    /// let body = br#"{"code":0,"data":[{"id":"n1","likes":3}],"requestId":"r1"}"#;
    /// let page = FeedPage::from_json(Channel::Food, 1, body).unwrap();
    /// assert_eq!(page.items[0].likes, Some(3));
    /// assert_eq!(page.request_id.as_deref(), Some("r1"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Api`] for a non-zero `code`, [`Error::Decode`] otherwise.
    pub fn from_json(channel: Channel, page: u32, body: &[u8]) -> Result<FeedPage, Error> {
        FeedPage::from_response(channel, page, ApiResponse::from_json(body)?)
    }

    /// A page built from its parts, for tests of code that takes pages
    /// (items from [`FeedItem::from_raw`]).
    pub fn new(channel: Channel, page: u32, items: Vec<FeedItem>, request_id: Option<String>) -> FeedPage {
        FeedPage {
            channel,
            page,
            items,
            request_id,
            record_time: None,
            data_missing: false,
        }
    }

    /// The page an operation's successful answer holds.
    pub(crate) fn from_response(
        channel: Channel,
        page: u32,
        response: ApiResponse,
    ) -> Result<FeedPage, Error> {
        let data_missing = response.data_missing();
        if data_missing {
            tracing::warn!(
                channel = channel.oid(),
                page,
                request_id = response.request_id.as_deref(),
                "code 0 without `data`: an empty page that is not the end of the feed"
            );
        }
        let data = response.data.as_deref();
        let items = decode_items(data).map_err(|reason| Error::Decode {
            reason,
            excerpt: data
                .map(|d| excerpt(d.get().as_bytes(), EXCERPT_CHARS, ""))
                .unwrap_or_default(),
            http_status: response.http_status,
        })?;
        Ok(FeedPage {
            channel,
            page,
            items,
            request_id: response.request_id,
            record_time: response.record_time,
            data_missing,
        })
    }

    /// Whether the page has no items. That is the end of the feed only
    /// when [`FeedPage::is_end`] says so.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether this page is the documented end of the feed: `code` 0 with
    /// `data` an empty array. A `null` or missing `data` is not the end
    /// (see [`FeedPage::data_missing`]); the provider gives no meaning to it,
    /// and treating it as the end would silently cut a walk short.
    ///
    /// ```
    /// use justone_xhs::{Channel, FeedPage};
    ///
    /// let end = FeedPage::from_json(Channel::Food, 9, br#"{"code":0,"data":[]}"#).unwrap();
    /// assert!(end.is_end());
    /// let odd = FeedPage::from_json(Channel::Food, 9, br#"{"code":0,"data":null}"#).unwrap();
    /// assert!(odd.is_empty() && !odd.is_end() && odd.data_missing());
    /// ```
    pub fn is_end(&self) -> bool {
        self.items.is_empty() && !self.data_missing
    }

    /// Whether the provider answered `code` 0 with `data` `null` or missing
    /// (logged as a warning naming channel, page and request id).
    pub fn data_missing(&self) -> bool {
        self.data_missing
    }
}

/// Splits the envelope's `data` into items. `null` or a missing `data` is an
/// empty page; anything but an array is an error message.
pub(crate) fn decode_items(data: Option<&RawValue>) -> Result<Vec<FeedItem>, String> {
    let Some(data) = data else {
        return Ok(Vec::new());
    };
    match JsonKind::of(data.get()) {
        JsonKind::Null => Ok(Vec::new()),
        JsonKind::Array => serde_json::from_str::<Vec<Box<RawValue>>>(data.get())
            .map(|items| items.into_iter().map(FeedItem::from_raw).collect())
            .map_err(|e| format!("`data` is not a valid array: {e}")),
        other => Err(format!("`data` is {other}, expected an array of notes")),
    }
}
