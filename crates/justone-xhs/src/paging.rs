//! The one paging rule of every operation but the feed: what to send for
//! the next page, read from the answer, and where the walk ends. The kind of
//! paging comes from the operation's parameters ([`Paging`], in
//! `justone-gen`); this file reads answers:
//!
//! - **Where fields are looked for:** `data`, and `data.data` when `data`
//!   wraps its content once more.
//! - **The end:** `has_more` / `hasMore` / `has_next` / `hasNext` is
//!   `false`, or the list is empty, or (cursor operations) no next cursor.
//!   Never a request past it: no "one more to be sure".
//! - **The list:** `data` itself when it is an array; else the first of
//!   `items`, `notes`, `comments`, `users`, `list`, `products` that is an
//!   array; else the only array field.
//! - **Unreadable:** an answer with neither a list nor a `has_more` flag
//!   cannot say whether there is more: the walk stops there, with that
//!   said.
//! - **Page numbers** (`page`, `pageNum`): the page sent plus one.
//! - **Cursors** (`lastCursor`, `cursor`): the field a caller names with a
//!   JSON pointer, else the first of `cursor`, `next_cursor`, `nextCursor`,
//!   `last_cursor`, `lastCursor`, else the last list item's `cursor` ("the
//!   last note's cursor value", as the documents put it). A cursor equal to
//!   the one just sent, or (in a walk) to any sent before, stops the walk
//!   rather than buy the same pages again.
//! - **Carried values:** a `searchId` parameter the caller left out takes
//!   the first answer's `searchId` / `search_id` (the e-commerce search
//!   asks for it from page 2 on).

use std::collections::HashSet;

use justone_gen::operations::{OperationInfo, Paging};
use serde_json::Value;
use serde_json::value::RawValue;

/// What follows a page of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextPage {
    /// The parameters of the next page.
    Params(Vec<(String, String)>),
    /// The answer says there is nothing more; why, in a few words.
    End(&'static str),
    /// The answer's shape does not say what comes next: the walk stops
    /// here rather than guess (and perhaps buy the same page forever).
    Unreadable(String),
}

const HAS_MORE: [&str; 4] = ["has_more", "hasMore", "has_next", "hasNext"];
const LISTS: [&str; 6] = ["items", "notes", "comments", "users", "list", "products"];
const CURSORS: [&str; 5] = ["cursor", "next_cursor", "nextCursor", "last_cursor", "lastCursor"];
const CARRIED: [(&str, [&str; 2]); 1] = [("searchId", ["searchId", "search_id"])];

/// The cursors one walk has sent: an answer that leads back to any of them
/// (a cycle `c0, c1, c0, …`) would buy the same pages again and again.
#[derive(Debug, Default)]
pub(crate) struct CursorsSent(HashSet<String>);

impl CursorsSent {
    /// `next`, after the page sent with `sent`, unless it is a cursor this
    /// walk has already sent.
    pub(crate) fn check(
        &mut self,
        operation: &OperationInfo,
        sent: &[(String, String)],
        next: NextPage,
    ) -> NextPage {
        let Paging::Cursor { param } = operation.paging() else {
            return next;
        };
        let value_of = |params: &[(String, String)]| {
            params
                .iter()
                .find(|(name, _)| name == param)
                .map(|(_, value)| value.clone())
        };
        self.0.extend(value_of(sent));
        match &next {
            NextPage::Params(params) => match value_of(params) {
                Some(cursor) if self.0.contains(&cursor) => NextPage::Unreadable(format!(
                    "{}: the answer leads back to a cursor this walk already sent ({cursor:?})",
                    operation.id
                )),
                _ => next,
            },
            _ => next,
        }
    }
}

/// What to send after a page of `operation` sent with `sent` whose answer
/// had `data`. `cursor_field` is a JSON pointer into `data` that names the
/// next cursor, for answers the rule does not read.
pub(crate) fn next_page(
    operation: &OperationInfo,
    sent: &[(String, String)],
    data: Option<&RawValue>,
    cursor_field: Option<&str>,
) -> NextPage {
    let paging = operation.paging();
    let Some(param) = paging.param() else {
        return NextPage::End("the operation answers in one page");
    };
    let Some(value) = data.and_then(|d| serde_json::from_str::<Value>(d.get()).ok()) else {
        return NextPage::Unreadable(format!("{}: the answer has no data to page from", operation.id));
    };
    let scopes: Vec<&Value> = std::iter::once(&value)
        .chain(
            value
                .get("data")
                .filter(|inner| inner.is_object() || inner.is_array()),
        )
        .collect();
    let has_more = first(&scopes, &HAS_MORE).and_then(Value::as_bool);
    if has_more == Some(false) {
        return NextPage::End("has_more is false");
    }
    let list = list_in(&value);
    if list.is_some_and(Vec::is_empty) {
        return NextPage::End("the list is empty");
    }
    let current = sent
        .iter()
        .find(|(name, _)| name == param)
        .map(|(_, v)| v.as_str());
    if list.is_none() && has_more.is_none() {
        return NextPage::Unreadable(format!(
            "{}: the answer has neither a list nor a has_more flag, so whether a next page exists is unknown",
            operation.id
        ));
    }
    let next = match paging {
        Paging::PageNumber { .. } => {
            let default = operation.param(param).and_then(|p| p.default).unwrap_or("1");
            match current
                .unwrap_or(default)
                .trim()
                .parse::<i64>()
                .map(|page| page.checked_add(1))
            {
                Ok(Some(next)) => next.to_string(),
                Ok(None) => {
                    return NextPage::Unreadable(format!(
                        "{}: {param} {:?} is the last page number there is",
                        operation.id,
                        current.unwrap_or(default)
                    ));
                }
                Err(_) => {
                    return NextPage::Unreadable(format!(
                        "{}: {param} {:?} is not a page number",
                        operation.id,
                        current.unwrap_or(default)
                    ));
                }
            }
        }
        _ => {
            let named = cursor_field.map(|pointer| value.pointer(pointer).and_then(text));
            let found = match named {
                Some(found) => found,
                None => first(&scopes, &CURSORS).and_then(text).or_else(|| {
                    list.and_then(|l| l.last())
                        .and_then(|item| item.get("cursor"))
                        .and_then(text)
                }),
            };
            match found {
                None => return NextPage::End("the answer gives no next cursor"),
                Some(cursor) if Some(cursor.as_str()) == current => {
                    return NextPage::Unreadable(format!(
                        "{}: the answer gives the cursor just sent ({cursor:?}) as the next one",
                        operation.id
                    ));
                }
                Some(cursor) => cursor,
            }
        }
    };
    let mut params: Vec<(String, String)> = sent.iter().filter(|(name, _)| name != param).cloned().collect();
    params.push((param.to_owned(), next));
    for (carried, fields) in CARRIED {
        if operation.param(carried).is_some()
            && !params.iter().any(|(name, _)| name == carried)
            && let Some(found) = first(&scopes, &fields).and_then(text)
        {
            params.push((carried.to_owned(), found));
        }
    }
    NextPage::Params(params)
}

/// The first of `names` present in any of `scopes`.
fn first<'v>(scopes: &[&'v Value], names: &[&str]) -> Option<&'v Value> {
    scopes
        .iter()
        .find_map(|scope| names.iter().find_map(|name| scope.get(*name)))
}

/// Where the list of an answer's `data` is, as the rule finds it (see the
/// module docs): the keys leading to it from `data` (none: `data` itself).
pub(crate) fn list_path(data: &Value) -> Option<Vec<&str>> {
    let scopes: Vec<(Option<&str>, &Value)> = std::iter::once((None, data))
        .chain(
            data.get("data")
                .filter(|inner| inner.is_object() || inner.is_array())
                .map(|inner| (Some("data"), inner)),
        )
        .collect();
    scopes.into_iter().find_map(|(prefix, scope)| {
        let key = list_key(scope)?;
        Some(prefix.into_iter().chain(key).collect())
    })
}

/// The key of the list in `scope` (`None` inside: `scope` is the list).
fn list_key(scope: &Value) -> Option<Option<&str>> {
    if scope.is_array() {
        return Some(None);
    }
    let object = scope.as_object()?;
    if let Some(name) = LISTS
        .iter()
        .find(|name| object.get(**name).is_some_and(Value::is_array))
    {
        return Some(Some(name));
    }
    let mut arrays = object
        .iter()
        .filter(|(_, v)| v.is_array())
        .map(|(k, _)| k.as_str());
    match (arrays.next(), arrays.next()) {
        (Some(only), None) => Some(Some(only)),
        _ => None,
    }
}

fn list_in(data: &Value) -> Option<&Vec<Value>> {
    let path = list_path(data)?;
    path.iter()
        .try_fold(data, |value, key| value.get(key))?
        .as_array()
}

/// A cursor as text: a non-empty string, or a number as written.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use justone_gen::operations::{OPERATIONS, operation};

    fn next(id: &str, sent: &[(&str, &str)], data: &str, field: Option<&str>) -> NextPage {
        let sent: Vec<(String, String)> = sent.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect();
        let data = RawValue::from_string(data.to_owned()).unwrap();
        next_page(operation(id).unwrap(), &sent, Some(&data), field)
    }

    fn params(pairs: &[(&str, &str)]) -> NextPage {
        NextPage::Params(pairs.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect())
    }

    const SEARCH: &str = "getApiXiaohongshuSearchNoteV2";
    const COMMENTS: &str = "getApiXiaohongshuGetNoteCommentV2";
    const USER_NOTES: &str = "getApiXiaohongshuGetUserNoteListV4";

    #[test]
    fn page_numbers_add_one_until_the_answer_says_the_end() {
        let sent = [("keyword", "k"), ("page", "3")];
        assert_eq!(
            next(SEARCH, &sent, r#"{"items":[{"id":"a"}],"has_more":true}"#, None),
            params(&[("keyword", "k"), ("page", "4")])
        );
        assert_eq!(
            next(SEARCH, &[("keyword", "k")], r#"{"items":[1]}"#, None),
            params(&[("keyword", "k"), ("page", "2")])
        );
        assert_eq!(
            next(SEARCH, &sent, r#"{"items":[1],"has_more":false}"#, None),
            NextPage::End("has_more is false")
        );
        assert_eq!(
            next(SEARCH, &sent, r#"{"items":[],"hasMore":true}"#, None),
            NextPage::End("the list is empty")
        );
        assert!(
            matches!(next(SEARCH, &sent, r#"{"total":3}"#, None), NextPage::Unreadable(w) if w.contains(SEARCH))
        );
    }

    #[test]
    fn cursors_come_from_the_answer_or_the_last_item() {
        let sent = [("noteId", "n"), ("lastCursor", "c1")];
        assert_eq!(
            next(
                COMMENTS,
                &sent,
                r#"{"comments":[{"id":1}],"cursor":"c2","has_more":true}"#,
                None
            ),
            params(&[("noteId", "n"), ("lastCursor", "c2")])
        );
        assert_eq!(
            next(
                USER_NOTES,
                &[("userId", "u")],
                r#"{"data":{"notes":[{"cursor":"x1"},{"cursor":"x2"}]}}"#,
                None
            ),
            params(&[("userId", "u"), ("lastCursor", "x2")])
        );
        assert_eq!(
            next(COMMENTS, &sent, r#"{"comments":[{"id":1}]}"#, None),
            NextPage::End("the answer gives no next cursor")
        );
        assert!(matches!(
            next(COMMENTS, &sent, r#"{"comments":[{"id":1}],"cursor":"c1"}"#, None),
            NextPage::Unreadable(_)
        ));
        assert_eq!(
            next(
                COMMENTS,
                &sent,
                r#"{"comments":[{"id":1}],"page_info":{"end":7}}"#,
                Some("/page_info/end")
            ),
            params(&[("noteId", "n"), ("lastCursor", "7")])
        );
    }

    /// A cursor answer that says nothing about what follows, and a walk
    /// whose cursors cycle, stop instead of buying pages until the limit.
    #[test]
    fn cursor_walks_stop_on_an_unreadable_answer_or_a_cycle() {
        let sent = [("noteId", "n"), ("lastCursor", "c1")];
        assert!(matches!(
            next(COMMENTS, &sent, r#"{"x":1,"cursor":"c2"}"#, None),
            NextPage::Unreadable(w) if w.contains("neither a list")
        ));
        let operation = operation(COMMENTS).unwrap();
        let mut cursors = CursorsSent::default();
        let walk = [("c0", "c1"), ("c1", "c2"), ("c2", "c1")];
        let outcomes: Vec<NextPage> = walk
            .iter()
            .map(|(sent, answered)| {
                let sent = [
                    ("noteId".to_owned(), "n".to_owned()),
                    ("lastCursor".to_owned(), (*sent).to_owned()),
                ];
                let next = NextPage::Params(vec![
                    ("noteId".into(), "n".into()),
                    ("lastCursor".into(), (*answered).into()),
                ]);
                cursors.check(operation, &sent, next)
            })
            .collect();
        assert!(matches!(
            outcomes[..2],
            [NextPage::Params(_), NextPage::Params(_)]
        ));
        assert!(
            matches!(&outcomes[2], NextPage::Unreadable(w) if w.contains("\"c1\"")),
            "{:?}",
            outcomes[2]
        );
    }

    #[test]
    fn a_search_id_is_carried_from_the_first_answer() {
        assert_eq!(
            next(
                "getApiXiaohongshuEcSearchProductsV1",
                &[("keyword", "k")],
                r#"{"items":[1],"search_id":"s9"}"#,
                None
            ),
            params(&[("keyword", "k"), ("page", "2"), ("searchId", "s9")])
        );
        // A string `page` that a caller set to the largest number there is:
        // the walk stops instead of overflowing (or wrapping to a negative
        // page that would be sent and billed).
        let last = i64::MAX.to_string();
        assert!(matches!(
            next(
                "getApiXiaohongshuEcSearchProductsV1",
                &[("keyword", "k"), ("page", &last)],
                r#"{"items":[1],"search_id":"s9"}"#,
                None
            ),
            NextPage::Unreadable(w) if w.contains("last page number")
        ));
    }

    #[test]
    fn single_answer_operations_end_after_one() {
        for op in OPERATIONS.iter().filter(|op| op.paging() == Paging::Single) {
            assert_eq!(
                next_page(op, &[], None, None),
                NextPage::End("the operation answers in one page"),
                "{}",
                op.id
            );
        }
    }
}
