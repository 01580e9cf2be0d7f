//! The library end to end without a token or network: a local demo server
//! (feature `mock`) serves bundled pages, and the client walks one channel.
//!
//! ```sh
//! cargo run -p justone-xhs --example offline --features mock
//! ```

use futures::TryStreamExt;
use justone_xhs::mock::DemoServer;
use justone_xhs::{Channel, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = DemoServer::builder().pages(3).start_async().await;
    let client = Client::builder()
        .token(justone_xhs::mock::DEMO_TOKEN)
        .base_url(server.base_url())
        .build()?;

    let items: Vec<_> = client.pages(&Channel::Food).items().try_collect().await?;
    for item in items.iter().take(5) {
        let author = item
            .author
            .as_ref()
            .and_then(|a| a.nickname.as_deref())
            .unwrap_or("?");
        println!("{} by {author}", item.title.as_deref().unwrap_or("(untitled)"));
    }
    println!(
        "{} notes from {} requests to {}",
        items.len(),
        server.requests(),
        server.base_url()
    );
    Ok(())
}
