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

/// The typed fields of an item, by the JSON key they come from.
fn typed(item: &justone_xhs::FeedItem) -> Vec<(&'static str, String)> {
    vec![
        ("id", format!("{:?}", item.id)),
        ("type", format!("{:?}", item.kind)),
        ("title", format!("{:?}", item.title)),
        ("display_title", format!("{:?}", item.display_title)),
        ("desc", format!("{:?}", item.desc)),
        ("likes", format!("{:?}", item.likes)),
        ("user", format!("{:?}", item.author)),
        ("images_list", format!("{:?}", item.images)),
        ("video_info_v2", format!("{:?}", item.video)),
        ("recommend", format!("{:?}", item.category)),
        ("timestamp", format!("{:?}", item.timestamp)),
        ("is_ads", format!("{:?}", item.is_ads)),
        ("model_type", format!("{:?}", item.model_type)),
        ("cursor_score", format!("{:?}", item.cursor_score)),
        // From `recommend`, else `track_id_mix_rank`.
        ("recommend", format!("{:?}", item.track_id)),
    ]
}

/// A well-typed value for each field the typed layer reads, and one of the
/// wrong type for it.
fn field() -> impl Strategy<Value = (&'static str, Value, Value)> {
    prop_oneof![
        ".{0,8}".prop_map(|s| ("id", Value::from(s), Value::from(7))),
        ".{0,8}".prop_map(|s| ("title", Value::from(s), Value::from(true))),
        ".{0,8}".prop_map(|s| ("desc", Value::from(s), serde_json::json!([1]))),
        prop::sample::select(vec!["normal", "video", "x"])
            .prop_map(|s| ("type", Value::from(s), Value::from(1.5))),
        any::<u64>().prop_map(|n| ("likes", Value::from(n), Value::from("odd"))),
        any::<i64>().prop_map(|n| ("timestamp", Value::from(n), Value::from("soon"))),
        any::<bool>().prop_map(|b| ("is_ads", Value::from(b), Value::from("yes"))),
        ".{0,8}".prop_map(|s| ("model_type", Value::from(s), serde_json::json!({}))),
        ".{0,8}".prop_map(|s| ("cursor_score", Value::from(s), serde_json::json!([]))),
        (".{0,8}", ".{0,8}").prop_map(|(id, name)| (
            "user",
            serde_json::json!({"userid": id, "nickname": name}),
            Value::from("nobody")
        )),
        (any::<u32>(), ".{0,8}").prop_map(|(w, url)| (
            "images_list",
            serde_json::json!([{"url": url, "width": w, "height": w}]),
            Value::from("none")
        )),
        (any::<u64>(), ".{0,8}").prop_map(|(d, url)| (
            "video_info_v2",
            serde_json::json!({"capa": {"duration": d}, "media": {"stream": {"h264": [{"master_url": url}]}}}),
            Value::from(3)
        )),
        (".{0,8}", ".{0,8}").prop_map(|(id, track)| (
            "recommend",
            serde_json::json!({"category_id": id, "category_name": "n", "track_id": track}),
            Value::from(false)
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whichever decoder reads an item, one field of the wrong type never
    /// changes what the others decode to.
    #[test]
    fn an_odd_field_never_changes_another(fields in prop::collection::vec(field(), 1..8), odd in field()) {
        let mut good = serde_json::Map::new();
        for (name, value, _) in &fields {
            good.insert((*name).to_owned(), value.clone());
        }
        good.remove(odd.0);
        let mut spoiled = good.clone();
        spoiled.insert(odd.0.to_owned(), odd.2.clone());
        let decode = |map: serde_json::Map<String, Value>| {
            serde_json::from_value::<justone_xhs::FeedItem>(Value::Object(map)).unwrap()
        };
        let (good, spoiled) = (typed(&decode(good)), typed(&decode(spoiled)));
        for (expected, actual) in good.iter().zip(&spoiled) {
            if expected.0 != odd.0 {
                prop_assert_eq!(expected, actual, "an odd {} changed another field", odd.0);
            }
        }
    }
}
