//! The baseline: the smallest reasonable hand-written client. reqwest,
//! serde_json::Value, one JSON line per item, `CONCURRENCY` requests in
//! flight. No retries, no typed items, no error mapping.
//!
//! Usage: baseline BASE_URL CHANNELS PAGES CONCURRENCY OUTPUT
//! (CHANNELS is a comma-separated list of oids.)

use std::io::Write;

use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, channels, pages, concurrency, output] = args.as_slice() else {
        return Err("usage: baseline BASE_URL CHANNELS PAGES CONCURRENCY OUTPUT".into());
    };
    let pages: u32 = pages.parse()?;
    let concurrency: usize = concurrency.parse()?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let url = format!("{base}/api/xiaohongshu/get-note-feed/v1");
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);

    let requests = channels
        .split(',')
        .flat_map(|oid| (1..=pages).map(move |page| (oid.to_owned(), page)));
    let mut responses = futures::stream::iter(requests)
        .map(|(oid, page)| {
            let request =
                client
                    .get(&url)
                    .query(&[("token", "baseline"), ("oid", &oid), ("page", &page.to_string())]);
            async move { request.send().await?.bytes().await }
        })
        .buffer_unordered(concurrency);
    while let Some(body) = responses.next().await {
        let value: serde_json::Value = serde_json::from_slice(&body?)?;
        for item in value["data"].as_array().into_iter().flatten() {
            serde_json::to_writer(&mut out, item)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    Ok(())
}
