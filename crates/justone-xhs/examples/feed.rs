//! Fetches one page of a channel and prints its notes.
//!
//! ```sh
//! JUST_ONE_API_TOKEN=… cargo run -p justone-xhs --example feed -- food 1
//! ```

use justone_xhs::{Channel, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let channel: Channel = args.next().as_deref().unwrap_or("recommend").parse()?;
    let page: u32 = args.next().as_deref().unwrap_or("1").parse()?;

    let client = Client::builder().build()?;
    let feed = client.note_feed(&channel, page).await?;
    println!(
        "{} page {}: {} notes (request {:?})",
        channel,
        page,
        feed.items.len(),
        feed.request_id
    );
    for item in &feed.items {
        let author = item
            .author
            .as_ref()
            .and_then(|a| a.nickname.as_deref())
            .unwrap_or("?");
        println!(
            "{:>8} likes  {}  by {}",
            item.likes.unwrap_or(0),
            item.title.as_deref().unwrap_or(""),
            author
        );
    }
    Ok(())
}
