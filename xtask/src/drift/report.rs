//! Renders a list of changes for a maintainer (text, markdown) or a machine
//! (JSON). A human report fits one screen: a headline with counts by class,
//! then breaking and additive changes grouped by operation or schema, then
//! docs-only changes as one line per kind; long lists are cut with a count of
//! what was left out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::model::{Change, Class, FailOn};

/// Places (operations, schemas) listed per class; the rest are counted.
const MAX_SUBJECTS: usize = 12;
/// Changes listed per place; the rest are counted.
const MAX_LINES: usize = 8;
/// Kinds of docs-only changes listed; the rest are counted.
const MAX_DOCS_KINDS: usize = 15;
/// No text or markdown report is longer: GitHub refuses issue and comment
/// bodies over 65,536 characters, and the workflow adds a few lines.
pub const MAX_CHARS: usize = 60_000;

/// How to render a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Plain text for a terminal.
    #[default]
    Text,
    /// GitHub-flavoured markdown, what the drift workflow posts.
    Markdown,
    /// Every change, uncut, for machines.
    Json,
}

/// Renders `changes`; `fail_on` decides the exit status the report states.
pub fn render(changes: &[Change], format: Format, fail_on: FailOn) -> String {
    match format {
        Format::Json => json_report(changes, fail_on),
        Format::Text => cap(human(changes, &Text, fail_on)),
        Format::Markdown => cap(human(changes, &Markdown, fail_on)),
    }
}

fn json_report(changes: &[Change], fail_on: FailOn) -> String {
    let counts = counts(changes);
    let list: Vec<Value> = changes
        .iter()
        .map(|c| json!({"class": c.class.name(), "subject": c.subject, "kind": c.kind, "detail": c.detail}))
        .collect();
    let report = json!({
        "counts": {
            "breaking": counts[0],
            "additive": counts[1],
            "docs-only": counts[2],
        },
        "exit_status": fail_on.exit_status(changes),
        "changes": list,
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn counts(changes: &[Change]) -> [usize; 3] {
    Class::ALL.map(|class| changes.iter().filter(|c| c.class == class).count())
}

/// The differences between the text and the markdown rendering.
trait Style {
    fn headline(&self, text: &str) -> String;
    fn warning(&self, text: &str) -> String;
    fn section(&self, text: &str) -> String;
    fn subject(&self, subject: &str, count: usize) -> String;
    fn item(&self, depth: usize, text: &str) -> String;
}

struct Text;

impl Style for Text {
    fn headline(&self, text: &str) -> String {
        format!("drift: {text}\n")
    }
    fn warning(&self, text: &str) -> String {
        format!("!! {text}\n")
    }
    fn section(&self, text: &str) -> String {
        format!("\n{text}\n")
    }
    fn subject(&self, subject: &str, count: usize) -> String {
        format!("  {subject} ({count}):\n")
    }
    fn item(&self, depth: usize, text: &str) -> String {
        format!("{}- {text}\n", "  ".repeat(depth + 1))
    }
}

struct Markdown;

impl Style for Markdown {
    fn headline(&self, text: &str) -> String {
        format!("## Upstream drift: {text}\n")
    }
    fn warning(&self, text: &str) -> String {
        format!("\n> [!CAUTION]\n> {text}\n")
    }
    fn section(&self, text: &str) -> String {
        format!("\n### {text}\n\n")
    }
    fn subject(&self, subject: &str, count: usize) -> String {
        format!("- **`{subject}`** ({count})\n")
    }
    fn item(&self, depth: usize, text: &str) -> String {
        format!("{}- {text}\n", "  ".repeat(depth))
    }
}

fn human(changes: &[Change], style: &dyn Style, fail_on: FailOn) -> String {
    if changes.is_empty() {
        return "no change\n".to_owned();
    }
    let [breaking, additive, docs] = counts(changes);
    let verdict = if fail_on.exit_status(changes) == 0 {
        "no alert"
    } else {
        "alert"
    };
    let mut out = style.headline(&format!(
        "{breaking} breaking, {additive} additive, {docs} docs-only ({verdict})"
    ));
    // The one change that stops the handwritten code from compiling is said
    // first, in plain words, whatever else changed.
    for change in changes.iter().filter(|c| c.kind == "envelope-retyped") {
        out.push_str(&style.warning(&format!("breaking: {}", change.detail)));
    }
    for class in [Class::Breaking, Class::Additive] {
        let of_class: Vec<&Change> = changes.iter().filter(|c| c.class == class).collect();
        if !of_class.is_empty() {
            grouped(&mut out, style, class, &of_class);
        }
    }
    let docs_only: Vec<&Change> = changes.iter().filter(|c| c.class == Class::DocsOnly).collect();
    if !docs_only.is_empty() {
        docs_kinds(&mut out, style, &docs_only);
    }
    out
}

/// One class's changes grouped by place, the most important places first.
fn grouped(out: &mut String, style: &dyn Style, class: Class, changes: &[&Change]) {
    let mut by_subject: BTreeMap<(u8, &str), Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_subject
            .entry((rank(&change.subject), change.subject.as_str()))
            .or_default()
            .push(change);
    }
    out.push_str(&style.section(&format!(
        "{} ({} in {} places)",
        capitalized(class.name()),
        changes.len(),
        by_subject.len()
    )));
    out.push_str(&style.item(0, &format!("by kind: {}", kinds_summary(changes))));
    for ((_, subject), list) in by_subject.iter().take(MAX_SUBJECTS) {
        out.push_str(&style.subject(subject, list.len()));
        let mut list = list.clone();
        // The envelope warning leads its place, too.
        list.sort_by_key(|c| c.kind != "envelope-retyped");
        for change in list.iter().take(MAX_LINES) {
            out.push_str(&style.item(1, &change.detail));
        }
        if list.len() > MAX_LINES {
            out.push_str(&style.item(1, &format!("… and {} more", list.len() - MAX_LINES)));
        }
    }
    if by_subject.len() > MAX_SUBJECTS {
        let rest: usize = by_subject.values().skip(MAX_SUBJECTS).map(Vec::len).sum();
        out.push_str(&style.item(
            0,
            &format!(
                "… and {rest} more in {} more places (`cargo xtask check-drift --format json` lists all)",
                by_subject.len() - MAX_SUBJECTS
            ),
        ));
    }
}

/// `operation-removed 33, response-added 1280, …`, most frequent first.
fn kinds_summary(changes: &[&Change]) -> String {
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for change in changes {
        *by_kind.entry(change.kind.as_str()).or_default() += 1;
    }
    let mut kinds: Vec<(&str, usize)> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    kinds
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Docs-only changes: one line per kind, with a count and an example place.
fn docs_kinds(out: &mut String, style: &dyn Style, changes: &[&Change]) {
    let mut by_kind: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_kind.entry(change.kind.as_str()).or_default().push(change);
    }
    let mut kinds: Vec<(&str, Vec<&Change>)> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    out.push_str(&style.section(&format!(
        "Docs-only ({}, no alert unless --fail-on docs)",
        changes.len()
    )));
    for (kind, list) in kinds.iter().take(MAX_DOCS_KINDS) {
        let example = list.first().map(|c| c.to_string()).unwrap_or_default();
        out.push_str(&style.item(0, &format!("{kind}: {} (e.g. {example})", list.len())));
    }
    if kinds.len() > MAX_DOCS_KINDS {
        let rest: usize = kinds.iter().skip(MAX_DOCS_KINDS).map(|(_, l)| l.len()).sum();
        let _ = write!(
            out,
            "{}",
            style.item(
                0,
                &format!(
                    "… and {rest} more of {} other kinds",
                    kinds.len() - MAX_DOCS_KINDS
                )
            )
        );
    }
}

/// Sort order of places: the document, the envelope, the Notes Feed (the
/// endpoint this client types most), other schemas, other operations.
fn rank(subject: &str) -> u8 {
    if subject == "document" {
        0
    } else if subject == "schema Result" {
        1
    } else if subject.ends_with(&format!(" {}", crate::spec_documents::NOTES_FEED.required_path)) {
        2
    } else if subject.starts_with("schema ") {
        3
    } else {
        4
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Cuts a report at a line boundary so that it stays within [`MAX_CHARS`].
fn cap(text: String) -> String {
    if text.len() <= MAX_CHARS {
        return text;
    }
    let note = "\n… report cut here to stay within GitHub's size limit\n";
    let mut end = MAX_CHARS - note.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |i| i + 1);
    let mut cut = text[..end].to_owned();
    cut.push_str(note);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(class: Class, subject: &str, kind: &str, detail: &str) -> Change {
        Change::new(class, subject, kind, detail.to_owned())
    }

    #[test]
    fn nothing_to_report() {
        assert_eq!(render(&[], Format::Text, FailOn::default()), "no change\n");
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let mut changes: Vec<Change> = (0..30)
            .map(|n| {
                change(
                    Class::Additive,
                    &format!("GET /op{n:02}"),
                    "operation-added",
                    "operation added",
                )
            })
            .collect();
        changes.extend((0..20).map(|n| {
            change(
                Class::Breaking,
                "GET /op00",
                "parameter-removed",
                &format!("parameter removed: p{n}"),
            )
        }));
        let text = render(&changes, Format::Text, FailOn::default());
        assert!(
            text.starts_with("drift: 20 breaking, 30 additive, 0 docs-only (alert)\n"),
            "{text}"
        );
        assert!(text.contains("  GET /op00 (20):\n"), "{text}");
        assert!(text.contains("    - … and 12 more\n"), "{text}");
        assert!(text.contains("  - … and 18 more in 18 more places"), "{text}");
    }

    #[test]
    fn docs_only_is_one_line_per_kind_and_does_not_alert() {
        let changes: Vec<Change> = (0..5)
            .map(|n| {
                change(
                    Class::DocsOnly,
                    &format!("GET /op{n}"),
                    "description",
                    "description changed",
                )
            })
            .collect();
        let text = render(&changes, Format::Text, FailOn::default());
        assert!(text.contains("(no alert)"), "{text}");
        assert!(
            text.contains("  - description: 5 (e.g. GET /op0: description changed)\n"),
            "{text}"
        );
        assert!(render(&changes, Format::Text, FailOn::Docs).contains("(alert)"));
    }

    #[test]
    fn reports_are_capped() {
        let long = "x".repeat(2_000);
        let changes: Vec<Change> = (0..200)
            .map(|n| change(Class::Additive, &format!("GET /{n}{long}"), "k", &long))
            .collect();
        let text = cap(human(&changes, &Markdown, FailOn::default()) + &long.repeat(40));
        assert!(text.len() <= MAX_CHARS, "{}", text.len());
        assert!(text.ends_with("… report cut here to stay within GitHub's size limit\n"));
    }
}
