//! Items are typed best-effort and lossless; pages stream; channels match
//! the spec.

mod support;

use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use justone_xhs::mock::{DemoServer, EXAMPLE_RESPONSE, FIXTURE_PAGES};
use justone_xhs::{Channel, FeedItem, FeedPage, NoteKind};
use serde_json::Value;
use support::client;

fn items_of(envelope: &str) -> Vec<(Value, FeedItem)> {
    let parsed: Value = serde_json::from_str(envelope).unwrap();
    let typed: Vec<FeedItem> =
        serde_json::from_value::<Vec<Box<serde_json::value::RawValue>>>(parsed["data"].clone())
            .map(|raws| raws.into_iter().map(FeedItem::from_raw).collect())
            .unwrap();
    parsed["data"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .zip(typed)
        .collect()
}

#[test]
fn the_documented_example_item_round_trips_losslessly() {
    let (json, item) = items_of(EXAMPLE_RESPONSE).remove(0);
    let written: Value = serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
    assert_eq!(written, json);
    insta::assert_debug_snapshot!("example_item_typed", item);
}

#[test]
fn every_fixture_item_round_trips_and_types_what_it_can() {
    let mut kinds = std::collections::BTreeMap::new();
    for page in FIXTURE_PAGES {
        for (json, item) in items_of(page) {
            let written: Value = serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
            assert_eq!(written, json, "item {:?} changed in a round trip", item.id);
            assert!(item.id.is_some());
            *kinds
                .entry(item.kind.clone().map(|k| k.as_str().to_owned()))
                .or_insert(0) += 1;
            if json.get("future_field_2027").is_some() {
                assert!(
                    serde_json::to_string(&item)
                        .unwrap()
                        .contains("future_field_2027")
                );
            }
            if item.kind == Some(NoteKind::Video) {
                assert!(item.video.as_ref().and_then(|v| v.url.as_ref()).is_some());
            }
        }
    }
    assert!(
        kinds[&Some("video".to_owned())] > 0 && kinds[&Some("normal".to_owned())] > 0,
        "{kinds:?}"
    );
}

#[test]
fn the_odd_item_is_kept_with_best_effort_fields() {
    let (_, odd) = items_of(FIXTURE_PAGES[0]).pop().unwrap();
    assert_eq!(odd.likes, Some(12_000), "\"1.2万\" read as a number");
    assert_eq!(odd.author, None, "null user");
    assert!(odd.images.is_empty(), "no images_list");
    assert!(
        odd.timestamp.is_some_and(|t| t > 1_700_000_000),
        "a numeric string timestamp is still read"
    );
    assert!(
        odd.title.is_some() && odd.cursor_score.is_some(),
        "the rest is still typed"
    );
}

#[tokio::test]
async fn pages_stream_until_the_feed_is_empty() {
    let server = DemoServer::builder().pages(3).start_async().await;
    let client = client(&server.base_url(), 0);
    let pages: Vec<_> = client
        .pages(&Channel::Food)
        .limit(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.page).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(
        pages
            .iter()
            .all(|p| p.items.len() == 20 && p.channel == Channel::Food)
    );
    assert_eq!(
        server.requests(),
        4,
        "three pages and the empty one that ends the walk"
    );

    let limited: Vec<_> = client
        .pages(&Channel::Food)
        .start(2)
        .limit(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(limited.len(), 20);
    assert_eq!(limited, pages[1].items);
}

#[tokio::test]
async fn ids_differ_across_channels_and_pages() {
    let server = DemoServer::builder().pages(2).start_async().await;
    let client = client(&server.base_url(), 0);
    let mut ids = std::collections::HashSet::new();
    for channel in [Channel::Food, Channel::Travel] {
        let items: Vec<_> = client.pages(&channel).items().try_collect().await.unwrap();
        assert_eq!(items.len(), 40);
        ids.extend(items.into_iter().map(|i| i.id.unwrap()));
    }
    assert_eq!(ids.len(), 80);
}

#[tokio::test]
async fn dedup_drops_ids_seen_on_earlier_pages() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/xiaohongshu/get-note-feed/v1")
                .query_param_matches("page", "^[123]$");
            then.status(200)
                .body(r#"{"code":0,"data":[{"id":"a"},{"id":"b"},{"title":"no id"}]}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/api/xiaohongshu/get-note-feed/v1")
                .query_param("page", "4");
            then.status(200).body(r#"{"code":0,"data":[]}"#);
        })
        .await;
    let client = client(&server.base_url(), 0);
    let counts: Vec<usize> = client
        .pages(&Channel::Recommend)
        .dedup(true)
        .stream()
        .map(|p| p.unwrap().items.len())
        .collect()
        .await;
    assert_eq!(counts, [3, 1, 1], "items without an id are never dropped");
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_pages_before_it() {
    let server = DemoServer::builder()
        .fault(justone_xhs::mock::Fault::BusinessCode(303))
        .fault_from_page(3)
        .start_async()
        .await;
    let client = client(&server.base_url(), 0);
    let mut results: Vec<_> = client.pages(&Channel::Food).stream().collect().await;
    assert_eq!(results.len(), 3);
    let error = support::checked(results.pop().unwrap().unwrap_err());
    assert_eq!(error.api_code(), Some(justone_xhs::ApiCode::DailyQuotaExceeded));
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|p| p.items.len() == 20))
    );
}

/// Drift guard: `Channel` and the committed spec's `oid` enum agree exactly,
/// in order, with the labels the spec's description gives.
#[test]
fn channels_match_the_spec() {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/notes-feed-v1-en.json")).unwrap();
    let oid = spec["paths"]["/api/xiaohongshu/get-note-feed/v1"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "oid")
        .unwrap();
    let spec_oids: Vec<&str> = oid["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let ours: Vec<&str> = Channel::ALL.iter().map(Channel::oid).collect();
    assert_eq!(
        ours, spec_oids,
        "Channel is out of date with spec/notes-feed-v1-en.json"
    );

    let description = oid["description"].as_str().unwrap();
    for channel in Channel::ALL {
        let line = format!("- `{}`: {}", channel.oid(), channel.label());
        assert!(
            description.lines().any(|l| l == line),
            "label mismatch for {}",
            channel.oid()
        );
    }
}

#[test]
fn client_and_pages_are_send_sync_and_cheap_to_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<justone_xhs::Client>();
    check::<justone_xhs::FeedPage>();
    check::<justone_xhs::Pages>();
}

/// The provider's JSON as text a server could send: pretty-printed, with
/// escapes, number spellings serde would rewrite (`1.0`, `-0.0`, `1e-7`),
/// integers beyond 64 bits and its own key order. Each item's raw JSON must
/// be exactly its bytes in the body, not a re-serialization.
#[test]
fn raw_items_are_the_exact_bytes_of_the_body() {
    let items = [
        "{\n      \"id\": \"caf\\u00e9\",\n      \"title\": \"t\\n\\\"q\\\"\",\n      \"likes\": 1.0,\n      \"score\": 1e-7,\n      \"zero\": -0.0,\n      \"big\": 123456789012345678901234567890,\n      \"type\": \"normal\"\n    }",
        "{\"z\":1,\"a\":2,\"id\":\"b\",\"timestamp\":1700000000,\"likes\":\"10万+\"}",
        "{ \"user\" : { \"nickname\" : \"\\ud83d\\ude00\" } , \"id\" : \"c\" , \"likes\" : 18446744073709551616 }",
    ];
    let body = format!(
        "{{\n  \"code\": 0,\n  \"data\": [\n    {}\n  ],\n  \"requestId\": \"r\"\n}}\n",
        items.join(",\n    ")
    );
    let page = FeedPage::from_json(Channel::Food, 1, body.as_bytes()).unwrap();
    assert_eq!(page.items.len(), items.len());
    for (item, text) in page.items.iter().zip(items) {
        assert_eq!(item.raw().get(), text);
        assert_eq!(serde_json::to_string(item).unwrap(), text);
    }
    let [first, second, third] = &page.items[..] else {
        panic!("three items");
    };
    assert_eq!(first.id.as_deref(), Some("café"));
    assert_eq!(first.title.as_deref(), Some("t\n\"q\""));
    assert_eq!(first.likes, Some(1));
    assert_eq!(first.kind, Some(NoteKind::Normal));
    assert_eq!(second.likes, Some(100_000), "\"10万+\" is at least 100 000");
    assert_eq!(second.timestamp, Some(1_700_000_000));
    assert_eq!(
        third.author.as_ref().and_then(|a| a.nickname.as_deref()),
        Some("😀")
    );
    assert_eq!(third.likes, None, "2^64 does not fit a count");
}
