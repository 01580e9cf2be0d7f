//! The generated operation table covers the merged documents, and a call's
//! parameters are checked against it.

use justone_gen::operations::{CallError, OPERATIONS, Paging, ParamKind, operation, send_by_id};

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_table_holds_the_feed_the_xiaohongshu_subset_and_the_account() {
    // 1 feed + the 54 the public document tags as Xiaohongshu (28 RedNote,
    // 25 Creator Marketplace, 1 e-commerce) + 2 account operations.
    assert_eq!(OPERATIONS.len(), 57);
    let under = |prefix: &str| OPERATIONS.iter().filter(|op| op.path.starts_with(prefix)).count();
    assert_eq!(
        (
            under("/api/xiaohongshu/"),
            under("/api/xiaohongshu-pgy/"),
            under("/api/xiaohongshu-ec/")
        ),
        (29, 25, 1),
        "the feed is under /api/xiaohongshu/ too"
    );
    for id in [
        "getApiXiaohongshuGetNoteFeedV1",
        "getApiXiaohongshuGetNoteDetailV1",
        "getUserGetBalance",
        "getUserGetUsageSummary",
    ] {
        assert!(operation(id).is_some(), "{id}");
    }
    let mut ids: Vec<_> = OPERATIONS.iter().map(|op| op.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), OPERATIONS.len(), "operationIds are unique");
    assert!(
        OPERATIONS
            .iter()
            .all(|op| op.params.iter().all(|p| p.name != "token"))
    );

    let search = operation("getApiXiaohongshuSearchNoteV1").unwrap();
    let page = search.param("page").unwrap();
    assert_eq!(
        (page.kind, page.format, page.required),
        (ParamKind::Integer, Some("int32"), false)
    );
    assert!(
        search
            .param("sort")
            .unwrap()
            .enum_values
            .contains(&"time_descending")
    );
    assert!(search.param("keyword").unwrap().required);
}

#[test]
fn check_refuses_what_the_table_does_not_allow() {
    let search = operation("getApiXiaohongshuSearchNoteV1").unwrap();
    assert!(
        search
            .check(&params(&[("keyword", "cat"), ("page", "2"), ("sort", "general")]))
            .is_ok()
    );
    let reason = |pairs: &[(&str, &str)]| match search.check(&params(pairs)) {
        Err(CallError::InvalidParameter {
            name,
            reason,
            allowed,
            ..
        }) => (name, reason, allowed.len()),
        other => panic!("{other:?}"),
    };
    assert_eq!(reason(&[("page", "2")]).1, "is required");
    assert_eq!(reason(&[("keyword", "a"), ("colour", "red")]).0, "colour");
    assert_eq!(
        reason(&[("keyword", "a"), ("sort", "best")]),
        ("sort".into(), "cannot be \"best\"".into(), 5)
    );
    assert!(
        reason(&[("keyword", "a"), ("page", "two")])
            .1
            .contains("whole number")
    );
    assert!(
        reason(&[("keyword", "a"), ("page", "99999999999")])
            .1
            .contains("whole number")
    );
    assert_eq!(
        reason(&[("keyword", "a"), ("keyword", "b")]).1,
        "is given more than once"
    );
    assert_eq!(reason(&[("keyword", "a"), ("token", "t")]).0, "token");
}

#[test]
fn send_by_id_refuses_unknown_operations_and_parameters_without_sending() {
    // Needed only when reqwest is built with `rustls-no-provider` (features
    // unified with the rest of the workspace); harmless otherwise.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = justone_gen::Client::new("http://127.0.0.1:9");
    assert!(matches!(
        send_by_id(&client, "nope", "t", &[]),
        Err(CallError::UnknownOperation { .. })
    ));
    assert!(matches!(
        send_by_id(&client, "getUserGetBalance", "t", &params(&[("x", "1")])),
        Err(CallError::InvalidParameter { .. })
    ));
    assert!(
        send_by_id(
            &client,
            "getApiXiaohongshuSearchNoteV1",
            "t",
            &params(&[("page", "x")])
        )
        .is_err()
    );
    assert!(
        send_by_id(
            &client,
            "getApiXiaohongshuSearchNoteV1",
            "t",
            &params(&[("page", "3")])
        )
        .is_ok()
    );
}

#[test]
fn deprecation_hiding_paging_and_enum_meanings_come_from_the_document() {
    let v7 = operation("getApiXiaohongshuGetNoteDetailV7").unwrap();
    assert!(v7.deprecated && v7.hidden);
    let v1 = operation("getApiXiaohongshuGetNoteDetailV1").unwrap();
    assert!(!v1.deprecated && !v1.hidden && v1.paging() == Paging::Single);
    assert_eq!(OPERATIONS.iter().filter(|op| op.deprecated).count(), 10);
    for (id, paging) in [
        (
            "getApiXiaohongshuSearchNoteV2",
            Paging::PageNumber { param: "page" },
        ),
        (
            "getApiXiaohongshuHotSearchV1",
            Paging::PageNumber { param: "pageNum" },
        ),
        (
            "getApiXiaohongshuGetNoteCommentV2",
            Paging::Cursor { param: "lastCursor" },
        ),
        (
            "getApiXiaohongshuGetTopicNoteListV1",
            Paging::Cursor { param: "cursor" },
        ),
        (
            "getApiXiaohongshuEcSearchProductsV1",
            Paging::PageNumber { param: "page" },
        ),
    ] {
        assert_eq!(operation(id).unwrap().paging(), paging, "{id}");
    }
    let note_type = operation("getApiXiaohongshuSearchNoteV2")
        .unwrap()
        .param("noteType")
        .unwrap();
    assert_eq!(
        note_type.value_meanings(),
        [("_0", "General"), ("_1", "Video"), ("_2", "Normal")]
    );
}
