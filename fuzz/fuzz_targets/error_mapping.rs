//! Envelopes with arbitrary codes, messages, request ids and data: a
//! non-zero code always maps to `Error::Api` with that code, and every error
//! renders (Display, Debug) without panicking.
#![no_main]

use justone_xhs::{ApiCode, Channel, Error, FeedPage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (i32, String, String, String)| {
    let (code, message, request_id, data) = input;
    let envelope = serde_json::json!({
        "code": code,
        "message": message,
        "requestId": request_id,
        "data": serde_json::from_str::<serde_json::Value>(&data).unwrap_or(serde_json::Value::String(data)),
    });
    let body = serde_json::to_vec(&envelope).expect("a Value always serializes");
    match FeedPage::from_json(Channel::Travel, 2, &body) {
        Ok(page) => assert_eq!(code, 0, "code {code} decoded as a page of {} items", page.items.len()),
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"), error.is_retryable(), error.retry_after());
            if code != 0 {
                assert!(matches!(error, Error::Api { .. }), "{error:?}");
                assert_eq!(error.api_code().map(ApiCode::code), Some(i64::from(code)));
                assert_eq!(error.request_id(), Some(request_id.as_str()));
            }
        }
    }
    let api = ApiCode::from_code(i64::from(code));
    assert_eq!(api.code(), i64::from(code));
    let _ = api.to_string();
});
