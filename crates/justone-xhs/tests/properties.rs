//! Properties of the decoder, for any input proptest can think of: it never
//! panics, and a valid page always round-trips losslessly.

use justone_xhs::{Channel, FeedPage};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        // Names the typed layer looks at, with values of any type.
        prop::sample::select(vec!["1.2万", "3k", "", "normal", "video"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "type",
                    "title",
                    "likes",
                    "user",
                    "userid",
                    "images_list",
                    "url",
                    "width",
                    "recommend",
                    "category_id",
                    "video_info_v2",
                    "capa",
                    "duration",
                    "timestamp",
                    "x"
                ])
                .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = FeedPage::from_json(Channel::Food, 1, &bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        let _ = FeedPage::from_json(Channel::Food, 1, &body);
        let wrapped = serde_json::to_vec(&serde_json::json!({"code": 0, "data": value})).unwrap();
        let _ = FeedPage::from_json(Channel::Food, 1, &wrapped);
    }

    #[test]
    fn every_valid_page_round_trips_losslessly(items in prop::collection::vec(json_value(), 0..12)) {
        let body = serde_json::to_vec(&serde_json::json!({"code": 0, "data": items, "requestId": "p"})).unwrap();
        let page = FeedPage::from_json(Channel::Food, 1, &body).unwrap();
        prop_assert_eq!(page.items.len(), items.len());
        for (item, original) in page.items.iter().zip(&items) {
            prop_assert_eq!(serde_json::to_string(item).unwrap(), serde_json::to_string(original).unwrap());
        }
    }
}
