//! Since when an operation was deprecated or hidden, across a series of
//! published versions. A single comparison only knows that a removed
//! operation carried a notice in the committed document; a replay of the
//! history (the tests', or a maintainer's) also knows since which version.

use std::collections::BTreeMap;

use serde_json::Value;

use super::classify::{HIDDEN, flag, operations};
use super::model::Change;

/// The two notices the provider gives before it removes an operation, as
/// the operation's field and the report's word.
const NOTICES: [(&str, &str); 2] = [("deprecated", "deprecated"), (HIDDEN, "hidden")];

/// The version in which each operation's notices first appeared.
#[derive(Debug, Default)]
pub struct NoticeHistory {
    /// (operation, notice word) → version.
    since: BTreeMap<(String, &'static str), String>,
    /// The first version observed: a notice seen there may be older.
    first: Option<String>,
}

impl NoticeHistory {
    /// Records the notices in `document`, published as `version`: a notice
    /// keeps the version it was first seen in for as long as it is there.
    pub fn observe(&mut self, version: &str, document: &Value) {
        self.first.get_or_insert_with(|| version.to_owned());
        let ops = document
            .get("paths")
            .and_then(Value::as_object)
            .map(operations)
            .unwrap_or_default();
        self.since
            .retain(|(key, word), _| ops.get(key).is_some_and(|(op, _)| has(op, word)));
        for (key, (op, _)) in ops {
            for (_, word) in NOTICES.iter().filter(|(_, word)| has(op, word)) {
                self.since
                    .entry((key.clone(), word))
                    .or_insert_with(|| version.to_owned());
            }
        }
    }

    /// Says since which version each removed operation carried its notices,
    /// where the history knows; call it before observing the version the
    /// changes lead to.
    pub fn annotate(&self, changes: &mut [Change]) {
        for change in changes
            .iter_mut()
            .filter(|c| c.kind == "operation-removed" && c.detail.contains("after notice"))
        {
            let known: Vec<String> = NOTICES
                .iter()
                .filter_map(|(_, word)| {
                    let version = self.since.get(&(change.subject.clone(), *word))?;
                    let earlier = if self.first.as_ref() == Some(version) {
                        " or earlier"
                    } else {
                        ""
                    };
                    Some(format!("{word} since version {version}{earlier}"))
                })
                .collect();
            if !known.is_empty() {
                change.detail = format!("operation removed after notice: it was {}", known.join(" and "));
                change.pattern.clone_from(&change.detail);
            }
        }
    }
}

fn has(op: &Value, word: &str) -> bool {
    NOTICES.iter().any(|(field, w)| *w == word && flag(op, field))
}
