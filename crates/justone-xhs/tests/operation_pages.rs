//! Every paged operation of the table, walked to its end against a server
//! that pages the three ways the documents describe (page numbers with
//! `has_more`; `data.cursor`; the last item's `cursor`): exactly as many
//! requests as pages, never one past the end.

mod support;

use std::collections::HashMap;

use futures::TryStreamExt;
use httpmock::prelude::*;
use justone_xhs::{Client, NextPage, Paging, ParamKind};
use support::client;

/// Three pages, in the shape `style` picks, keyed by the paging value sent.
fn answer(paging: Paging, style: usize, sent: Option<&str>) -> String {
    let data = match paging {
        Paging::PageNumber { .. } => {
            let page: u32 = sent.unwrap_or("1").parse().unwrap();
            format!(r#"{{"items":[{{"id":"p{page}"}}],"has_more":{}}}"#, page < 3)
        }
        _ => {
            let (page, next) = match sent {
                None => (1, Some("c1")),
                Some("c1") => (2, Some("c2")),
                _ => (3, None),
            };
            match (style % 2, next) {
                (0, Some(next)) => {
                    format!(r#"{{"comments":[{{"id":"{page}"}}],"cursor":"{next}","has_more":true}}"#)
                }
                (0, None) => format!(r#"{{"comments":[{{"id":"{page}"}}],"has_more":false}}"#),
                (_, Some(next)) => format!(r#"{{"notes":[{{"id":"{page}","cursor":"{next}"}}]}}"#),
                // The end: an empty list.
                (_, None) => r#"{"notes":[]}"#.to_owned(),
            }
        }
    };
    format!(r#"{{"code":0,"data":{data},"requestId":"r"}}"#)
}

/// Values for the required parameters, without the paging one.
fn required(operation: &justone_xhs::OperationInfo) -> Vec<(String, String)> {
    operation
        .params
        .iter()
        .filter(|p| p.required && Some(p.name) != operation.paging().param())
        .map(|p| {
            let value = match (p.kind, p.enum_values.first()) {
                (_, Some(first)) => (*first).to_owned(),
                (ParamKind::Integer, None) => "1".to_owned(),
                _ => "x".to_owned(),
            };
            (p.name.to_owned(), value)
        })
        .collect()
}

/// Walks `operation` (at most 10 pages) and checks that it took three
/// pages, the last of which says the walk ends.
async fn three_pages_to_the_end(
    client: &Client,
    operation: &justone_xhs::OperationInfo,
) -> Vec<justone_xhs::OperationPage> {
    let pages: Vec<_> = client
        .operation_pages(operation.id, required(operation))
        .unwrap()
        .limit(10)
        .stream()
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", operation.id));
    assert_eq!(pages.len(), 3, "{}", operation.id);
    assert!(
        matches!(pages[2].next, NextPage::End(_)),
        "{}: {:?}",
        operation.id,
        pages[2].next
    );
    pages
}

#[tokio::test]
async fn every_paged_operation_is_walked_to_its_end_and_no_further() {
    let paged: Vec<_> = Client::operations()
        .iter()
        .filter(|op| op.paging() != Paging::Single && op.id != "getApiXiaohongshuGetNoteFeedV1")
        .collect();
    assert!(paged.len() >= 20, "{}", paged.len());
    for (style, operation) in paged.into_iter().enumerate() {
        let paging = operation.paging();
        let param = paging.param().unwrap().to_owned();
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.path(operation.path);
                then.respond_with(move |request| {
                    let query: HashMap<String, String> = request.query_params().into_iter().collect();
                    httpmock::HttpMockResponse::builder()
                        .status(200)
                        .body(answer(paging, style, query.get(&param).map(String::as_str)))
                        .build()
                });
            })
            .await;
        three_pages_to_the_end(&client(&server.base_url(), 0), operation).await;
        assert_eq!(
            mock.calls_async().await,
            3,
            "{}: one request per page",
            operation.id
        );
    }
}

/// The limit stops the walk without a look-ahead request, and a page whose
/// shape says nothing about what follows stops it with a warning naming the
/// operation, not a loop.
#[tokio::test]
async fn a_limit_and_an_unreadable_page_stop_the_walk() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/api/xiaohongshu/search-note/v2");
            then.status(200)
                .body(r#"{"code":0,"data":{"items":[{"id":"a"}],"has_more":true}}"#);
        })
        .await;
    let client = client(&server.base_url(), 0);
    let walk = client
        .operation_pages("getApiXiaohongshuSearchNoteV2", [("keyword", "coffee")])
        .unwrap();
    let pages: Vec<_> = walk.clone().limit(2).stream().try_collect().await.unwrap();
    assert_eq!((pages.len(), mock.calls_async().await), (2, 2));
    let items = pages[0].items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].get(), r#"{"id":"a"}"#);
    assert_eq!(
        pages[1].sent,
        [
            ("keyword".to_owned(), "coffee".to_owned()),
            ("page".to_owned(), "2".to_owned())
        ]
    );

    let odd = MockServer::start_async().await;
    odd.mock_async(|when, then| {
        when.any_request();
        then.status(200).body(r#"{"code":0,"data":{"total":3}}"#);
    })
    .await;
    let pages: Vec<_> = justone_xhs::Client::builder()
        .token(support::TOKEN)
        .base_url(odd.base_url())
        .build()
        .unwrap()
        .operation_pages("getApiXiaohongshuSearchNoteV2", [("keyword", "coffee")])
        .unwrap()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert!(
        matches!(&pages[0].next, NextPage::Unreadable(why) if why.contains("getApiXiaohongshuSearchNoteV2")),
        "{:?}",
        pages[0].next
    );
}

/// A page's items are its list as the paging rule finds it, each byte for
/// byte as sent (key order, number spelling).
#[tokio::test]
async fn items_keep_the_providers_bytes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(
                r#"{"code":0,"data":{"data":{"comments":[{"z":1.10,"a":"é"},{"id":2}]},"has_more":false}}"#,
            );
        })
        .await;
    let pages: Vec<_> = client(&server.base_url(), 0)
        .operation_pages("getApiXiaohongshuGetNoteCommentV2", [("noteId", "n")])
        .unwrap()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let items: Vec<String> = pages[0].items().iter().map(|i| i.get().to_owned()).collect();
    assert_eq!(items, [r#"{"z":1.10,"a":"é"}"#, r#"{"id":2}"#]);
}

/// The demo server pages every paged operation as the rule reads it: a walk
/// with no token at hand gets the configured number of pages, each with its
/// own items, one request per page, and ends on the last.
#[tokio::test]
async fn the_demo_server_pages_every_paged_operation() {
    let server = justone_xhs::mock::DemoServer::builder()
        .pages(3)
        .start_async()
        .await;
    let client = Client::builder()
        .token(justone_xhs::mock::DEMO_TOKEN)
        .base_url(server.base_url())
        .build()
        .unwrap();
    let paged: Vec<_> = Client::operations()
        .iter()
        .filter(|op| op.paging() != Paging::Single && op.id != "getApiXiaohongshuGetNoteFeedV1")
        .collect();
    for operation in &paged {
        let before = server.requests();
        let pages = three_pages_to_the_end(&client, operation).await;
        assert_eq!(
            server.requests() - before,
            3,
            "{}: one request per page",
            operation.id
        );
        let ids: std::collections::HashSet<String> = pages
            .iter()
            .flat_map(|page| page.items())
            .map(|item| item.get().to_owned())
            .collect();
        assert_eq!(ids.len(), 30, "{}: every page its own items", operation.id);
        let items: Vec<_> = client
            .operation_pages(operation.id, required(operation))
            .unwrap()
            .items()
            .try_collect()
            .await
            .unwrap();
        let flattened: Vec<_> = pages.iter().flat_map(|page| page.items()).collect();
        assert_eq!(
            items.iter().map(|i| i.get()).collect::<Vec<_>>(),
            flattened.iter().map(|i| i.get()).collect::<Vec<_>>(),
            "{}",
            operation.id
        );
    }
}

/// Cursors that lead back to one already sent (`c1, c2, c1, …`) stop the
/// walk at the page that would repeat: three requests, not the limit's ten.
#[tokio::test]
async fn a_cycle_of_cursors_stops_the_walk() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/api/xiaohongshu/get-note-comment/v2");
            then.respond_with(|request| {
                let query: HashMap<String, String> = request.query_params().into_iter().collect();
                let next = match query.get("lastCursor").map(String::as_str) {
                    None | Some("") => "c1",
                    Some("c1") => "c2",
                    Some(_) => "c1",
                };
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .body(format!(
                        r#"{{"code":0,"data":{{"comments":[{{"id":1}}],"cursor":"{next}"}}}}"#
                    ))
                    .build()
            });
        })
        .await;
    let pages: Vec<_> = client(&server.base_url(), 0)
        .operation_pages("getApiXiaohongshuGetNoteCommentV2", [("noteId", "n")])
        .unwrap()
        .limit(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert!(matches!(&pages[2].next, NextPage::Unreadable(w) if w.contains("already sent")));
    assert_eq!(mock.calls_async().await, 3);
}
