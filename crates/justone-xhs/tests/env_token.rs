//! The token's sources and their order. This binary holds one test only:
//! it changes the process environment, which is safe only while no other
//! thread reads it.

use httpmock::MockServer;
use justone_xhs::{Channel, Client, ClientBuilder, Error, TOKEN_ENV, TOKEN_ENV_ALT};

/// Whether a request from `builder`'s client carried `expected` as token.
fn sends(builder: ClientBuilder, expected: &str) -> bool {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.query_param("token", expected);
        then.status(200).body(r#"{"code":0,"data":[]}"#);
    });
    let client = builder.base_url(server.base_url()).build().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = runtime.block_on(client.note_feed(&Channel::Food, 1));
    mock.calls() == 1
}

#[test]
fn the_builder_wins_then_just_one_api_token_then_justoneapi_token() {
    // SAFETY (every block below): this is the only test of this binary, so
    // no other test thread exists. The threads it starts do not read the
    // environment while it changes: each request's runtime (and its
    // blocking pool) is dropped before the next change, and the local mock
    // server's threads read it only when they start, before any change.
    unsafe {
        std::env::remove_var(TOKEN_ENV);
        std::env::remove_var(TOKEN_ENV_ALT);
    }
    let error = Client::builder().build().unwrap_err();
    assert!(matches!(error, Error::MissingToken), "{error:?}");
    assert_eq!(
        error.to_string(),
        "no API token: set JUST_ONE_API_TOKEN or JUSTONEAPI_TOKEN"
    );

    unsafe { std::env::set_var(TOKEN_ENV_ALT, " alt-token \n") };
    assert!(sends(Client::builder(), "alt-token"), "trimmed");
    unsafe { std::env::set_var(TOKEN_ENV, "main-token") };
    assert!(sends(Client::builder(), "main-token"));
    assert!(sends(Client::builder().token("builder-token"), "builder-token"));
    // A blank variable counts as unset.
    unsafe { std::env::set_var(TOKEN_ENV, "  ") };
    assert!(sends(Client::builder(), "alt-token"));
}
