//! What a dependent writes: small functions over the library's client.

use justone_xhs::{Channel, Client, Error};

/// How many notes page 1 of `channel` has.
pub async fn first_page_size(client: &Client, channel: &Channel) -> Result<usize, Error> {
    Ok(client.note_feed(channel, 1).await?.items.len())
}

/// Searches notes by keyword through the operation table, and returns the
/// answer's `data` as JSON.
pub async fn search(client: &Client, keyword: &str) -> Result<serde_json::Value, Error> {
    let answer = client
        .call_operation("getApiXiaohongshuSearchNoteV2", [("keyword", keyword)])
        .await?;
    answer.json::<serde_json::Value>()
}
