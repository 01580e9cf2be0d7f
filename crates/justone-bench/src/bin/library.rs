//! The library on the baseline's workload: `justone_xhs::Client` with
//! `CONCURRENCY` requests in flight, one raw JSON line per item.
//!
//! Usage: library BASE_URL CHANNELS PAGES CONCURRENCY OUTPUT

use std::io::Write;

use futures::StreamExt;
use justone_xhs::{Channel, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, channels, pages, concurrency, output] = args.as_slice() else {
        return Err("usage: library BASE_URL CHANNELS PAGES CONCURRENCY OUTPUT".into());
    };
    let pages: u32 = pages.parse()?;
    let concurrency: usize = concurrency.parse()?;
    let client = Client::builder().token("library").base_url(base).build()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);

    let requests = channels
        .split(',')
        .flat_map(|oid| (1..=pages).map(move |page| (Channel::from_oid(oid), page)));
    let mut pages = futures::stream::iter(requests)
        .map(|(channel, page)| {
            let client = client.clone();
            async move { client.note_feed(&channel, page).await }
        })
        .buffer_unordered(concurrency);
    while let Some(page) = pages.next().await {
        for item in page?.items {
            out.write_all(item.raw().get().as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    Ok(())
}
