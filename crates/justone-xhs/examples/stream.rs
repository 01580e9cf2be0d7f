//! Streams several pages of several channels concurrently, de-duplicating
//! note ids within each channel, with a client-side rate limit.
//!
//! ```sh
//! JUST_ONE_API_TOKEN=… cargo run -p justone-xhs --example stream
//! ```

use futures::{StreamExt, TryStreamExt};
use justone_xhs::{Channel, Client};

#[tokio::main]
async fn main() -> Result<(), justone_xhs::Error> {
    let client = Client::builder().rate_limit(5.0).max_concurrency(4).build()?;
    let channels = [Channel::Food, Channel::Travel, Channel::Pets];

    let counts: Vec<(Channel, usize)> = futures::stream::iter(channels)
        .map(|channel| {
            let client = client.clone();
            async move {
                let items: Vec<_> = client
                    .pages(&channel)
                    .limit(3)
                    .dedup(true)
                    .items()
                    .try_collect()
                    .await?;
                Ok::<_, justone_xhs::Error>((channel, items.len()))
            }
        })
        .buffer_unordered(3)
        .try_collect()
        .await?;
    for (channel, count) in counts {
        println!("{channel}: {count} notes");
    }
    Ok(())
}
