//! Renders a list of changes for a maintainer (text, markdown) or a machine
//! (JSON). A human report leads with the generated surface, every change
//! of it named, and collapses the rest of the document after it. Identical
//! changes across operations are one line with a count ("response 503 added
//! (326): …"); outside the generated surface a line names a few examples,
//! except added and removed operations, which are all named.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::model::{Change, Class, Policy, Scope};

/// Lines of identical changes listed per class outside the generated
/// surface; the rest are counted.
const MAX_GROUPS: usize = 12;
/// Places named on a line outside the generated surface.
const EXAMPLES: usize = 3;
/// Kinds of docs-only changes listed; the rest are counted.
const MAX_DOCS_KINDS: usize = 15;
/// No text or markdown report is longer: GitHub refuses issue and comment
/// bodies over 65,536 characters, and the workflow adds a few lines.
pub const MAX_CHARS: usize = 60_000;
/// Kinds whose every place is named, generated or not: a maintainer needs
/// the whole list of operations that came and went.
const ALWAYS_NAMED: [&str; 2] = ["operation-added", "operation-removed"];
/// Kinds said first, in plain words: the handwritten code or the build
/// stops on them.
const WARNINGS: [&str; 2] = ["envelope-retyped", "build-refused"];

/// How to render a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Plain text for a terminal.
    #[default]
    Text,
    /// GitHub-flavoured markdown, what the drift workflow posts. Every text
    /// that comes from the provider's document is in a code span: no HTML,
    /// no mention, no link of it is rendered.
    Markdown,
    /// Every change, uncut, for machines.
    Json,
}

/// Renders `changes`; `policy` decides the exit status the report states.
pub fn render(changes: &[Change], format: Format, policy: Policy) -> String {
    match format {
        Format::Json => json_report(changes, policy),
        Format::Text => cap(human(changes, &Text, policy)),
        Format::Markdown => cap(human(changes, &Markdown, policy)),
    }
}

/// A short, stable fingerprint of the changes that alert under `policy`
/// (FNV-1a over their sorted lines): the drift workflow keys its issue by it,
/// so that a report whose other parts changed posts nothing new.
pub fn alert_digest(changes: &[Change], policy: Policy) -> String {
    let mut lines: Vec<String> = changes
        .iter()
        .filter(|c| policy.alerts(c))
        .map(|c| format!("{}\t{}\t{}\n", c.class.name(), c.subject, c.detail))
        .collect();
    lines.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in lines.concat().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn json_report(changes: &[Change], policy: Policy) -> String {
    let counts = counts(changes.iter());
    let list: Vec<Value> = changes
        .iter()
        .map(|c| {
            json!({
                "class": c.class.name(),
                "generated": c.generated,
                "alerts": policy.alerts(c),
                "subject": c.subject,
                "kind": c.kind,
                "detail": c.detail,
            })
        })
        .collect();
    let report = json!({
        "counts": {
            "breaking": counts[0],
            "additive": counts[1],
            "docs-only": counts[2],
        },
        "exit_status": policy.exit_status(changes),
        "alert_digest": alert_digest(changes, policy),
        "changes": list,
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn counts<'c>(changes: impl Iterator<Item = &'c Change> + Clone) -> [usize; 3] {
    Class::ALL.map(|class| changes.clone().filter(|c| c.class == class).count())
}

/// The differences between the text and the markdown rendering.
trait Style {
    fn headline(&self, text: &str, digest: &str) -> String;
    fn warning(&self, text: &str) -> String;
    fn section(&self, text: &str) -> String;
    fn open_collapsed(&self, summary: &str) -> String;
    fn close_collapsed(&self) -> String;
    fn heading(&self, text: &str) -> String;
    fn item(&self, depth: usize, text: &str) -> String;
    /// Text from the provider's document, made inert.
    fn quote(&self, text: &str) -> String;
}

struct Text;

impl Style for Text {
    fn headline(&self, text: &str, _digest: &str) -> String {
        format!("drift: {text}\n")
    }
    fn warning(&self, text: &str) -> String {
        format!("!! {text}\n")
    }
    fn section(&self, text: &str) -> String {
        format!("\n{text}\n")
    }
    fn open_collapsed(&self, summary: &str) -> String {
        format!("\n{summary}\n")
    }
    fn close_collapsed(&self) -> String {
        String::new()
    }
    fn heading(&self, text: &str) -> String {
        format!("  {text}:\n")
    }
    fn item(&self, depth: usize, text: &str) -> String {
        format!("{}- {text}\n", "  ".repeat(depth + 2))
    }
    fn quote(&self, text: &str) -> String {
        text.to_owned()
    }
}

struct Markdown;

impl Style for Markdown {
    /// The digest ends the first line, which holds nothing from the
    /// document: the workflow reads it there and nowhere else, so no text
    /// of the provider's can pose as it.
    fn headline(&self, text: &str, digest: &str) -> String {
        format!("## Upstream drift: {text} <!-- drift-alerts: {digest} -->\n")
    }
    fn warning(&self, text: &str) -> String {
        format!("\n> [!CAUTION]\n> {text}\n")
    }
    fn section(&self, text: &str) -> String {
        format!("\n### {text}\n\n")
    }
    fn open_collapsed(&self, summary: &str) -> String {
        format!("\n<details><summary>{summary}</summary>\n\n")
    }
    fn close_collapsed(&self) -> String {
        "\n</details>\n".to_owned()
    }
    fn heading(&self, text: &str) -> String {
        format!("\n**{text}**\n\n")
    }
    fn item(&self, depth: usize, text: &str) -> String {
        format!("{}- {text}\n", "  ".repeat(depth))
    }
    fn quote(&self, text: &str) -> String {
        code_span(text)
    }
}

/// `text` as one markdown code span: control characters and line breaks
/// become spaces, and the fence is one backtick longer than any run of
/// backticks inside, so the span cannot be closed early.
fn code_span(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

fn human(changes: &[Change], style: &dyn Style, policy: Policy) -> String {
    if changes.is_empty() {
        return "no change\n".to_owned();
    }
    let [breaking, additive, docs] = counts(changes.iter());
    let (generated, rest): (Vec<&Change>, Vec<&Change>) = changes.iter().partition(|c| c.generated);
    let [gb, ga, gd] = counts(generated.iter().copied());
    let verdict = if policy.exit_status(changes) == 0 {
        "no alert"
    } else {
        "alert"
    };
    let mut out = style.headline(
        &format!(
            "{breaking} breaking, {additive} additive, {docs} docs-only ({verdict}); \
             generated surface: {gb} breaking, {ga} additive, {gd} docs-only"
        ),
        &alert_digest(changes, policy),
    );
    for change in changes.iter().filter(|c| WARNINGS.contains(&c.kind.as_str())) {
        out.push_str(&style.warning(&format!("breaking: {}", style.quote(&change.detail))));
    }
    out.push_str(&style.section(&format!(
        "Generated surface: {}",
        plural(generated.len(), "change")
    )));
    if generated.is_empty() {
        out.push_str(&style.item(0, "no change"));
    }
    by_class(&mut out, style, &generated, true);
    if !rest.is_empty() {
        let [rb, ra, rd] = counts(rest.iter().copied());
        let alerts = match policy.scope {
            Scope::All => "alerts: --scope all",
            Scope::Generated => "no alert unless --scope all",
        };
        out.push_str(&style.open_collapsed(&format!(
            "Rest of the document, not generated: {rb} breaking, {ra} additive, {rd} docs-only ({alerts})"
        )));
        by_class(&mut out, style, &rest, false);
        out.push_str(&style.close_collapsed());
    }
    out
}

/// Breaking and additive changes as lines of identical changes, then
/// docs-only ones counted by kind.
fn by_class(out: &mut String, style: &dyn Style, changes: &[&Change], full: bool) {
    for class in [Class::Breaking, Class::Additive] {
        let of_class: Vec<&Change> = changes.iter().copied().filter(|c| c.class == class).collect();
        if !of_class.is_empty() {
            grouped(out, style, class, &of_class, full);
        }
    }
    let docs: Vec<&Change> = changes
        .iter()
        .copied()
        .filter(|c| c.class == Class::DocsOnly)
        .collect();
    if !docs.is_empty() {
        docs_kinds(out, style, &docs);
    }
}

/// One class's changes, one line per pattern, the most important first:
/// what stops the build, then by place (see [`rank`]), then the most
/// widespread. `full`: every line and every place; otherwise at most
/// [`MAX_GROUPS`] lines naming a few places each.
fn grouped(out: &mut String, style: &dyn Style, class: Class, changes: &[&Change], full: bool) {
    let mut by_pattern: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_pattern
            .entry(change.pattern.as_str())
            .or_default()
            .push(change);
    }
    let mut groups = merged(by_pattern.into_iter().collect());
    groups.sort_by_key(|(patterns, members)| {
        let warning = members.iter().any(|c| WARNINGS.contains(&c.kind.as_str()));
        let place = members.iter().map(|c| rank(&c.subject)).min();
        (
            !warning,
            place,
            std::cmp::Reverse(members.len()),
            patterns.clone(),
        )
    });
    out.push_str(&style.heading(&format!(
        "{} ({} in {})",
        capitalized(class.name()),
        changes.len(),
        plural(groups.len(), "line")
    )));
    let shown = if full { groups.len() } else { MAX_GROUPS };
    for (patterns, members) in groups.iter().take(shown) {
        group(out, style, patterns, members, full);
    }
    if groups.len() > shown {
        let rest: usize = groups.iter().skip(shown).map(|(_, m)| m.len()).sum();
        out.push_str(&style.item(
            0,
            &format!(
                "… and {rest} more in {} more lines (`cargo xtask check-drift --format json` lists all)",
                groups.len() - shown
            ),
        ));
    }
}

/// Changes grouped by pattern, with the patterns of the same kind that
/// happened at exactly the same places as one group: five new statuses on
/// the same 243 operations are one line.
fn merged<'c>(groups: Vec<(&'c str, Vec<&'c Change>)>) -> Vec<(Vec<&'c str>, Vec<&'c Change>)> {
    let mut out: Vec<(Vec<&str>, Vec<&Change>)> = Vec::new();
    for (pattern, members) in groups {
        let same = out
            .iter_mut()
            .find(|(_, other)| plain(other) && plain(&members) && same_places(other, &members));
        match same {
            Some((patterns, _)) => patterns.push(pattern),
            None => out.push((vec![pattern], members)),
        }
    }
    out
}

/// Whether every change of a group says no more than its pattern.
fn plain(members: &[&Change]) -> bool {
    members.iter().all(|c| c.detail == c.pattern)
}

/// Whether two groups are changes of one kind at the same places.
fn same_places(a: &[&Change], b: &[&Change]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.kind == y.kind && x.subject == y.subject)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One line of identical changes: the change, how many places, which.
/// Changes whose details differ (renames) get a line each below it.
fn group(out: &mut String, style: &dyn Style, patterns: &[&str], members: &[&Change], full: bool) {
    let pattern = patterns
        .iter()
        .map(|p| style.quote(p))
        .collect::<Vec<_>>()
        .join(", ");
    if let [only] = members {
        // Several patterns at one place, or one change with its own words.
        let what = if plain(members) {
            pattern
        } else {
            style.quote(&only.detail)
        };
        let line = format!("{}: {what}", style.quote(&only.subject));
        out.push_str(&style.item(0, &line));
        return;
    }
    let named = full || members.iter().any(|c| ALWAYS_NAMED.contains(&c.kind.as_str()));
    let shown = if named { members.len() } else { EXAMPLES };
    let left = members.len().saturating_sub(shown);
    let count = format!("{pattern} in {}", plural(members.len(), "place"));
    if plain(members) {
        let mut places: Vec<String> = members
            .iter()
            .take(shown)
            .map(|c| style.quote(&c.subject))
            .collect();
        if left > 0 {
            places.push(format!("… and {left} more"));
        }
        let lead = if left > 0 { "e.g. " } else { "" };
        out.push_str(&style.item(0, &format!("{count}: {lead}{}", places.join(", "))));
        return;
    }
    out.push_str(&style.item(0, &format!("{count}:")));
    for change in members.iter().take(shown) {
        let line = format!(
            "{}: {}",
            style.quote(&change.subject),
            style.quote(&change.detail)
        );
        out.push_str(&style.item(1, &line));
    }
    if left > 0 {
        out.push_str(&style.item(1, &format!("… and {left} more")));
    }
}

/// Docs-only changes: one line per kind, with a count and an example place.
fn docs_kinds(out: &mut String, style: &dyn Style, changes: &[&Change]) {
    let mut by_kind: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_kind.entry(change.kind.as_str()).or_default().push(change);
    }
    let mut kinds: Vec<(&str, Vec<&Change>)> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    out.push_str(&style.heading(&format!(
        "Docs-only ({}, no alert unless --fail-on docs)",
        changes.len()
    )));
    for (kind, list) in kinds.iter().take(MAX_DOCS_KINDS) {
        let example = list
            .first()
            .map(|c| style.quote(&c.to_string()))
            .unwrap_or_default();
        out.push_str(&style.item(0, &format!("{kind}: {} (e.g. {example})", list.len())));
    }
    if kinds.len() > MAX_DOCS_KINDS {
        let rest: usize = kinds.iter().skip(MAX_DOCS_KINDS).map(|(_, l)| l.len()).sum();
        out.push_str(&style.item(
            0,
            &format!(
                "… and {rest} more of {} other kinds",
                kinds.len() - MAX_DOCS_KINDS
            ),
        ));
    }
}

/// Sort order of places: the document, the envelope, the Notes Feed (the
/// endpoint this client types most), other schemas, other operations.
fn rank(subject: &str) -> u8 {
    if subject == "document" || subject == "build" {
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
    use crate::drift::FailOn;

    fn change(class: Class, subject: &str, kind: &str, detail: &str) -> Change {
        Change::new(class, subject, kind, detail.to_owned())
    }

    fn outside(mut change: Change) -> Change {
        change.generated = false;
        change
    }

    #[test]
    fn nothing_to_report() {
        assert_eq!(render(&[], Format::Text, Policy::default()), "no change\n");
    }

    #[test]
    fn identical_changes_are_one_line_named_in_full_when_generated() {
        let mut changes: Vec<Change> = (0..30)
            .map(|n| {
                outside(change(
                    Class::Additive,
                    &format!("GET /other/op{n:02}"),
                    "response-added",
                    "response 503 added",
                ))
            })
            .collect();
        changes.extend((0..20).map(|n| {
            change(
                Class::Additive,
                &format!("GET /xhs/op{n:02}"),
                "response-added",
                "response 503 added",
            )
        }));
        let text = render(&changes, Format::Text, Policy::default());
        assert!(
            text.starts_with(
                "drift: 0 breaking, 50 additive, 0 docs-only (alert); generated surface: 0 breaking, 20 additive, 0 docs-only\n"
            ),
            "{text}"
        );
        let generated_line = text
            .lines()
            .find(|l| l.contains("GET /xhs/op00"))
            .unwrap_or_default();
        assert!(
            generated_line.starts_with("    - response 503 added in 20 places: GET /xhs/op00, "),
            "{text}"
        );
        assert!(generated_line.ends_with("GET /xhs/op19"), "{text}");
        assert!(
            text.contains("    - response 503 added in 30 places: e.g. GET /other/op00, GET /other/op01, GET /other/op02, … and 27 more\n"),
            "{text}"
        );
    }

    #[test]
    fn changes_outside_the_generated_surface_alert_only_with_scope_all() {
        let changes = vec![outside(change(
            Class::Breaking,
            "GET /other",
            "operation-removed",
            "operation removed",
        ))];
        assert_eq!(Policy::default().exit_status(&changes), 0);
        assert!(render(&changes, Format::Text, Policy::default()).contains("(no alert)"));
        let all = Policy {
            scope: Scope::All,
            ..Policy::default()
        };
        assert_eq!(all.exit_status(&changes), 1);
        let markdown = render(&changes, Format::Markdown, all);
        assert!(
            markdown.contains("<details><summary>Rest of the document, not generated: 1 breaking"),
            "{markdown}"
        );
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
        let text = render(&changes, Format::Text, Policy::default());
        assert!(text.contains("(no alert)"), "{text}");
        assert!(
            text.contains("    - description: 5 (e.g. GET /op0: description changed)\n"),
            "{text}"
        );
        let docs = Policy {
            fail_on: FailOn::Docs,
            ..Policy::default()
        };
        assert!(render(&changes, Format::Text, docs).contains("(alert)"));
    }

    #[test]
    fn the_alert_digest_ignores_what_does_not_alert() {
        let alerting = change(
            Class::Breaking,
            "GET /a",
            "operation-removed",
            "operation removed",
        );
        let wording = change(Class::DocsOnly, "GET /b", "description", "description changed");
        let elsewhere = outside(change(
            Class::Additive,
            "GET /c",
            "operation-added",
            "operation added",
        ));
        let policy = Policy::default();
        let digest = alert_digest(std::slice::from_ref(&alerting), policy);
        assert_eq!(
            alert_digest(&[alerting.clone(), wording, elsewhere], policy),
            digest
        );
        assert_ne!(alert_digest(&[], policy), digest);
        let first_line = render(&[alerting], Format::Markdown, policy);
        let first_line = first_line.lines().next().unwrap_or_default();
        assert!(
            first_line.ends_with(&format!("<!-- drift-alerts: {digest} -->")),
            "{first_line}"
        );
    }

    #[test]
    fn upstream_text_is_inert_in_markdown() {
        let hostile = "enum value added: <!-- drift-alerts: 0 --> @maintainer <img src=x> ``x``";
        let changes = vec![change(Class::Additive, "GET /a`b", "enum value added", hostile)];
        let markdown = render(&changes, Format::Markdown, Policy::default());
        let body = markdown.split_once('\n').map(|(_, b)| b).unwrap_or_default();
        assert!(
            body.contains("``` enum value added: <!-- drift-alerts: 0 --> @maintainer <img src=x> ``x`` ```"),
            "{body}"
        );
        assert!(body.contains("``GET /a`b``"), "{body}");
        assert_eq!(code_span("a\nb\r`c`"), "`` a b `c` ``");
    }

    #[test]
    fn reports_are_capped() {
        let long = "x".repeat(2_000);
        let changes: Vec<Change> = (0..200)
            .map(|n| {
                change(
                    Class::Additive,
                    &format!("GET /{n}{long}"),
                    "k",
                    &format!("{n}{long}"),
                )
            })
            .collect();
        let text = cap(human(&changes, &Markdown, Policy::default()) + &long.repeat(40));
        assert!(text.len() <= MAX_CHARS, "{}", text.len());
        assert!(text.ends_with("… report cut here to stay within GitHub's size limit\n"));
    }
}
