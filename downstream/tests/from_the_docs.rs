//! The library as its documentation describes it, from outside the
//! workspace: no workspace features, no self dev-dependency.

use std::error::Error as _;

use futures::TryStreamExt;
use justone_xhs::mock::DemoServer;
use justone_xhs::{Channel, Client, Error, ErrorClass, NextPage, NoteSort, NoteType, ops};

#[tokio::test]
async fn a_demo_harvest_with_the_token_demo_keeps_request_ids_whole() {
    let server = DemoServer::builder().pages(2).start_async().await;
    let client = Client::builder()
        .token("demo")
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert_eq!(
        downstream_check::first_page_size(&client, &Channel::Food)
            .await
            .unwrap(),
        20
    );
    let page = client.note_feed(&Channel::Food, 1).await.unwrap();
    let id = page.request_id.unwrap();
    assert!(id.contains("demo") && !id.contains("[redacted]"), "{id}");
    let items: Vec<_> = client
        .pages(&Channel::Travel)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 40);
}

#[tokio::test]
async fn any_operation_by_id_with_plain_pairs_and_json_data() {
    let server = DemoServer::builder().start_async().await;
    let client = Client::builder()
        .token(justone_xhs::mock::DEMO_TOKEN)
        .base_url(server.base_url())
        .max_requests(4)
        .build()
        .unwrap();
    let data = downstream_check::search(&client, "coffee").await.unwrap();
    assert_eq!(data["demo"], true);
    let typed = client
        .search_notes("coffee", NoteSort::TimeDescending, NoteType::Video)
        .send()
        .await
        .unwrap();
    assert!(typed.data_str().is_some());
    // The demo pages as the provider does: two pages, the second saying
    // what the third would be sent with.
    let pages: Vec<_> = client
        .operation(ops::GET_API_XIAOHONGSHU_SEARCH_NOTE_V2)
        .param("keyword", "coffee")
        .pages()
        .unwrap()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert!(
        matches!(&pages[1].next, NextPage::Params(next) if next.contains(&("page".to_owned(), "3".to_owned())))
    );
    assert_eq!(pages[1].items().len(), 10);
    assert_eq!(client.requests_left(), Some(0));
    // A misspelt operation gets suggestions, and nothing is sent.
    match client
        .call_operation("getApiXiaohongshuSearchNoteV9", [("keyword", "k")])
        .await
    {
        Err(Error::UnknownOperation { suggestions, .. }) => assert!(!suggestions.is_empty()),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.requests_left(), Some(0));
}

#[tokio::test]
async fn a_connection_failure_has_a_source_and_a_class() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .token(justone_xhs::mock::DEMO_TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(justone_xhs::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.balance().await.unwrap_err();
    assert_eq!(error.class(), ErrorClass::Network);
    assert!(error.source().is_some(), "{error:?}");
    assert!(!format!("{error:?}").contains("token="));
}

// The synchronous start works from a plain test, without a runtime.
#[test]
fn starts_without_a_runtime() {
    let server = DemoServer::builder().start();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(server.requests(), 0);
}

// A reqwest client of one's own, from the builder the docs point to, and a
// retry policy set and read by the same names.
#[tokio::test]
async fn own_http_client_and_retry_policy() {
    let server = DemoServer::builder().start_async().await;
    let http = justone_xhs::ClientBuilder::reqwest_builder()
        .unwrap()
        .user_agent("downstream-check")
        .build()
        .unwrap();
    let policy = justone_xhs::RetryPolicy::default()
        .with_max_retries(1)
        .with_retry_uncertain(false);
    assert_eq!(policy.max_retries(), 1);
    assert!(!policy.retry_uncertain());
    let client = Client::builder()
        .token(justone_xhs::mock::DEMO_TOKEN)
        .base_url(server.base_url())
        .reqwest_client(http)
        .retry_policy(policy)
        .build()
        .unwrap();
    let page = client.note_feed(&Channel::Food, 1).await.unwrap();
    assert!(!page.items.is_empty());
    assert_eq!(client.retry_policy().max_retries(), 1);
    assert_eq!(server.requests(), 1);
}
