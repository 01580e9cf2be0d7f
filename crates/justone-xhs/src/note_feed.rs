//! The Notes Feed V1 endpoint on the request core: how to send its request
//! and how its `data` becomes a [`FeedPage`].

use tracing::Instrument;

use crate::channel::Channel;
use crate::client::Client;
use crate::error::Error;
use crate::feed_page::FeedPage;

impl Client {
    /// Fetches one page of a channel's feed (`GET
    /// /api/xiaohongshu/get-note-feed/v1`), retrying what the retry policy
    /// allows; see [`Client`] for pacing and rate-limit pauses.
    ///
    /// ```no_run
    /// use justone_xhs::{Channel, Client};
    ///
    /// # async fn run() -> Result<(), justone_xhs::Error> {
    /// let client = Client::builder().build()?; // token from JUST_ONE_API_TOKEN
    /// let page = client.note_feed(&Channel::Food, 1).await?;
    /// for item in &page.items {
    ///     println!("{:?} {:?} likes", item.title, item.likes);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSetting`], without sending anything: `page` for page
    /// 0 (pages are numbered from 1) or a page number above `i32::MAX` (the
    /// API's type); `channel` for a [`Channel::Other`] whose oid does not
    /// have the provider's form (`homefeed_` then lower-case letters,
    /// digits, `_` and `.`, at most 64 characters: a name such as `"food"`
    /// belongs in [`Channel::resolve`]);
    /// [`Error::Cancelled`] when the client was cancelled before a request
    /// could be sent; otherwise the last attempt's [`Error`] when no attempt
    /// succeeded.
    pub async fn note_feed(&self, channel: &Channel, page: u32) -> Result<FeedPage, Error> {
        let wire_page = match i32::try_from(page) {
            Ok(0) => return Err(Error::invalid_setting("page", "pages are numbered from 1, got 0")),
            Ok(page) => page,
            Err(_) => {
                return Err(Error::invalid_setting(
                    "page",
                    format!("must be at most {}, got {page}", i32::MAX),
                ));
            }
        };
        if let Channel::Other(oid) = channel
            && !crate::channel::is_oid_form(oid)
        {
            return Err(Error::invalid_setting(
                "channel",
                format!(
                    "{:?} is not an oid of the provider's form (homefeed_…); Channel::resolve reads names",
                    crate::safe_text::display_safe(&oid.chars().take(80).collect::<String>())
                ),
            ));
        }
        let span = tracing::info_span!("note_feed", channel = channel.oid(), page);
        self.execute(
            "getApiXiaohongshuGetNoteFeedV1",
            |raw, token| {
                Box::pin(
                    raw.get_api_xiaohongshu_get_note_feed_v1()
                        .token(token)
                        .oid(channel.oid())
                        .page(wire_page)
                        .send(),
                )
            },
            |response| FeedPage::from_response(channel.clone(), page, response),
        )
        .instrument(span)
        .await
    }
}
