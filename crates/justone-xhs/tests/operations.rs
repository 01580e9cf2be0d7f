//! Every operation of the table, driven from the table: the parameters the
//! server receives, a lossless success, the business codes, and the checks
//! that refuse a call before anything is sent. Plus the typed account and
//! note-detail methods.

mod support;

use httpmock::prelude::*;
use justone_xhs::{ApiCode, Client, Error, ParamKind};
use support::{TOKEN, checked, client};

/// `data` with spacing, escapes and a number a float would change.
const DATA: &str = r#"{ "b" : 1.10, "a":"\u00e9", "n": 12345678901234567890 }"#;

/// A value for every parameter of an operation (required or not).
fn sample_params(operation: &justone_xhs::OperationInfo) -> Vec<(String, String)> {
    operation
        .params
        .iter()
        .map(|p| {
            let value = match (p.kind, p.enum_values.last()) {
                (_, Some(last)) => (*last).to_owned(),
                (ParamKind::Integer, None) => "7".to_owned(),
                (ParamKind::Boolean, None) => "true".to_owned(),
                (_, None) => format!("v-{} é&=x", p.name),
            };
            (p.name.to_owned(), value)
        })
        .collect()
}

/// The sample values of the required parameters only.
fn required_params(operation: &justone_xhs::OperationInfo) -> Vec<(String, String)> {
    sample_params(operation)
        .into_iter()
        .filter(|(name, _)| operation.param(name).is_some_and(|p| p.required))
        .collect()
}

#[tokio::test]
async fn every_operation_sends_its_parameters_and_returns_data_losslessly() {
    assert!(Client::operations().len() > 30);
    for operation in Client::operations() {
        let params = sample_params(operation);
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                let mut when = when.method(GET).path(operation.path).query_param("token", TOKEN);
                for (name, value) in &params {
                    when = when.query_param(name, value);
                }
                then.status(200)
                    .header("content-type", "application/json")
                    .body(format!(
                        r#"{{"code":0,"data":{DATA},"requestId":"rid-{}"}}"#,
                        operation.id
                    ));
            })
            .await;
        let answer = client(&server.base_url(), 0)
            .call_operation(operation.id, &params)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", operation.id));
        assert_eq!(mock.calls_async().await, 1, "{}", operation.id);
        assert_eq!(answer.data_str().unwrap(), DATA, "{}", operation.id);
        assert_eq!(answer.request_id, Some(format!("rid-{}", operation.id)));
    }
}

/// Every business code, each through a different operation (round robin),
/// so that the table of codes and the table of operations are both covered
/// without sending their product.
#[tokio::test]
async fn business_codes_map_for_any_operation() {
    let operations = Client::operations();
    // Code 0 is the success the other test covers.
    for (index, code) in ApiCode::ALL.iter().filter(|c| c.code() != 0).enumerate() {
        let operation = &operations[(index * 7) % operations.len()];
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(GET).path(operation.path);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(format!(
                        r#"{{"code":{},"data":null,"message":"m","requestId":"req-{}"}}"#,
                        code.code(),
                        code.code()
                    ));
            })
            .await;
        let required = required_params(operation);
        let error = checked(
            client(&server.base_url(), 0)
                .call_operation(operation.id, &required)
                .await
                .unwrap_err(),
        );
        assert_eq!(
            error.api_code(),
            Some(*code),
            "{} via {}",
            code.code(),
            operation.id
        );
        assert_eq!(error.request_id(), Some(format!("req-{}", code.code()).as_str()));
    }
}

#[tokio::test]
async fn invalid_calls_send_nothing() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|_, then| {
            then.status(200).body(r#"{"code":0,"data":null}"#);
        })
        .await;
    let client = client(&server.base_url(), 0);
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    };
    let search = "getApiXiaohongshuSearchNoteV1";
    let feed = "getApiXiaohongshuGetNoteFeedV1";
    // (operation, parameters, the parameter named in the refusal)
    let cases = [
        (search, pairs(&[("page", "1")]), "keyword"),
        (search, pairs(&[("keyword", "k"), ("colour", "red")]), "colour"),
        (search, pairs(&[("keyword", "k"), ("sort", "best")]), "sort"),
        (search, pairs(&[("keyword", "k"), ("page", "two")]), "page"),
        ("getUserGetBalance", pairs(&[("token", "other")]), "token"),
        (search, pairs(&[("keyword", "k"), ("page", "0")]), "page"),
        (
            feed,
            pairs(&[("oid", "homefeed_food_v3"), ("page", "-1")]),
            "page",
        ),
        (search, pairs(&[("keyword", &"k".repeat(66 * 1024))]), "keyword"),
    ];
    for (operation, params, bad) in cases {
        match checked(client.call_operation(operation, &params).await.unwrap_err()) {
            Error::InvalidParameter { name, .. } => assert_eq!(name, bad),
            other => panic!("{other:?}"),
        }
    }
    let error = client
        .call_operation("getNothing", &[] as &[(&str, &str)])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnknownOperation { .. }), "{error:?}");
    match client
        .call_operation(search, &pairs(&[("keyword", "k"), ("sort", "best")]))
        .await
    {
        Err(Error::InvalidParameter { allowed, .. }) => {
            assert!(allowed.contains(&"time_descending".to_owned()))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.calls_async().await, 0);
    assert_eq!(client.request_count(), 0);
}

#[tokio::test]
async fn balance_keeps_the_decimal_text_and_usage_summary_its_data() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/user/get-balance")
                .query_param("token", TOKEN);
            then.status(200)
                .body(r#"{"code":0,"data":{"balance":"0.1000","currency":"CNY"},"requestId":"b1"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/user/get-usage-summary")
                .query_param("token", TOKEN);
            then.status(200)
                .body(format!(r#"{{"code":0,"data":{DATA},"requestId":"u1"}}"#));
        })
        .await;
    let client = client(&server.base_url(), 0);
    let balance = client.balance().await.unwrap();
    assert_eq!(balance.balance, "0.1000");
    assert_eq!(balance.currency, "CNY");
    assert_eq!(balance.request_id.as_deref(), Some("b1"));
    let usage = client.usage_summary().await.unwrap();
    assert_eq!(usage.data_str().unwrap(), DATA);
    assert_eq!(usage.request_id.as_deref(), Some("u1"));
}

/// `note_detail` sends the note id, through the crate's HTTP client or one
/// given to `reqwest_client` (whose default headers then reach the server,
/// while the request core still adds the token and reads the answer).
#[tokio::test]
async fn note_detail_sends_the_note_id_through_either_http_client() {
    use justone_xhs::reqwest::header::{HeaderMap, HeaderValue};
    let server = MockServer::start_async().await;
    let mock = |note_id: &'static str, probe: bool| {
        server.mock_async(move |when, then| {
            let when = when
                .method(GET)
                .path("/api/xiaohongshu/get-note-detail/v1")
                .query_param("token", TOKEN)
                .query_param("noteId", note_id);
            if probe {
                when.header("x-probe", "ours");
            }
            then.status(200)
                .body(format!(r#"{{"code":0,"data":{DATA},"requestId":"{note_id}"}}"#));
        })
    };
    let (ours, theirs) = (mock("n 1", false).await, mock("n 2", true).await);
    let answer = client(&server.base_url(), 0).note_detail("n 1").await.unwrap();
    assert_eq!(answer.data_str().unwrap(), DATA);
    assert_eq!(ours.calls_async().await, 1);

    let mut headers = HeaderMap::new();
    headers.insert("x-probe", HeaderValue::from_static("ours"));
    let http = justone_xhs::ClientBuilder::reqwest_builder()
        .unwrap()
        .default_headers(headers)
        .build()
        .unwrap();
    let own = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .reqwest_client(http)
        .build()
        .unwrap();
    let answer = own.note_detail("n 2").await.unwrap();
    assert_eq!(answer.request_id.as_deref(), Some("n 2"));
    assert_eq!(theirs.calls_async().await, 1);
}

#[tokio::test]
async fn the_demo_server_answers_the_account_and_every_operation() {
    let server = justone_xhs::mock::DemoServer::builder().start_async().await;
    let client = client(&server.base_url(), 0);
    let balance = client.balance().await.unwrap();
    assert_eq!(
        (balance.balance.as_str(), balance.currency.as_str()),
        ("100.0000", "CNY")
    );
    assert!(!client.usage_summary().await.unwrap().data_missing());
    for operation in Client::operations() {
        let required = required_params(operation);
        let answer = client.call_operation(operation.id, &required).await.unwrap();
        assert!(answer.request_id.is_some(), "{}", operation.id);
    }
    assert_eq!(server.requests(), 2 + Client::operations().len());
}

/// Each typed method sends its operation with the parameters it names, the
/// enums as the documents spell them.
#[tokio::test]
async fn typed_methods_send_their_operation_and_documented_values() {
    use justone_xhs::{CommentSort, NoteSort, NoteType, TopicSort};
    let server = MockServer::start_async().await;
    let client = client(&server.base_url(), 0);
    let cases = [
        (
            client.search_notes("咖啡", NoteSort::TimeDescending, NoteType::Video),
            "/api/xiaohongshu/search-note/v2",
            vec![
                ("keyword", "咖啡"),
                ("sort", "time_descending"),
                ("noteType", "_1"),
            ],
        ),
        (
            client.note_comments("n1", CommentSort::LikeCount),
            "/api/xiaohongshu/get-note-comment/v2",
            vec![("noteId", "n1"), ("sort", "like_count")],
        ),
        (
            client.comment_replies("n1", "c1"),
            "/api/xiaohongshu/get-note-sub-comment/v2",
            vec![("noteId", "n1"), ("commentId", "c1")],
        ),
        (
            client.user_profile("u1"),
            "/api/xiaohongshu/get-user/v3",
            vec![("userId", "u1")],
        ),
        (
            client.user_notes("u1"),
            "/api/xiaohongshu/get-user-note-list/v4",
            vec![("userId", "u1")],
        ),
        (
            client.topic_notes("t1", TopicSort::Time),
            "/api/xiaohongshu/get-topic-note-list/v1",
            vec![("topicId", "t1"), ("sort", "time")],
        ),
        (
            client.hot_search().param("nd", "DAY_3"),
            "/api/xiaohongshu/hot-search/v1",
            vec![("nd", "DAY_3")],
        ),
        (
            client.search_users("k"),
            "/api/xiaohongshu/search-user/v2",
            vec![("keyword", "k")],
        ),
    ];
    for (call, path, params) in cases {
        let mock = server
            .mock_async(|when, then| {
                let mut when = when.path(path).query_param("token", TOKEN);
                for (name, value) in &params {
                    when = when.query_param(*name, *value);
                }
                then.status(200)
                    .body(r#"{"code":0,"data":{"ok":1},"requestId":"r"}"#);
            })
            .await;
        let answer = call.send().await.unwrap();
        assert_eq!(answer.data_str(), Some(r#"{"ok":1}"#), "{path}");
        assert_eq!(mock.calls_async().await, 1, "{path}");
    }
}
