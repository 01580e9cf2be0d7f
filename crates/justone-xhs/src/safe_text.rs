//! Text from the provider made safe to show on a terminal.

use std::borrow::Cow;

/// `text` with every character that could change what a terminal shows
/// replaced by U+FFFD: control characters (C0, C1, DEL: escape sequences,
/// colours, window titles, bells), bidirectional controls (U+202E turns
/// `gpj.exe` into `exe.jpg`), line and paragraph separators, and invisible
/// characters (soft hyphens, zero-width spaces and joiners, word joiners and
/// other format controls, interlinear annotations, tag characters, the
/// byte-order mark). Borrowed when there is
/// nothing to replace. This crate's error messages are already safe; use
/// this on `data` you print.
///
/// ```
/// assert_eq!(justone_xhs::display_safe("ok\u{1b}[31m\u{202e}"), "ok\u{fffd}[31m\u{fffd}");
/// assert_eq!(justone_xhs::display_safe("美食 notes"), "美食 notes");
/// assert_eq!(justone_xhs::display_safe("a\u{2028}b\u{E0041}\u{AD}"), "a\u{fffd}b\u{fffd}\u{fffd}");
/// ```
pub fn display_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks, embeddings, overrides and isolates.
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Zero-width and invisible characters, invisible operators and
            // the deprecated format controls.
            | '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'
            // Line and paragraph separators (a terminal may break the line).
            | '\u{2028}' | '\u{2029}'
            // Interlinear annotations, the object replacement mark's kin.
            | '\u{FFF9}'..='\u{FFFB}'
            // Tag characters (invisible text).
            | '\u{E0000}'..='\u{E007F}'
        )
}
