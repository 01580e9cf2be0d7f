//! `trends --chart FILE.svg`: the top notes' likes over time, one line per
//! note, as SVG written out directly. Labels are SVG `<text>`, which the
//! viewer lays out with its own fonts, so drawing needs no font, no font
//! library and no system library (a plotting crate would need one to
//! measure its labels).

use std::fmt::Write;

use justone_xhs::display_safe;

use crate::trends::NoteTrend;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 540.0;
/// The plot area: left, top, right, bottom; the legend is right of it.
const PLOT: (f64, f64, f64, f64) = (80.0, 40.0, 660.0, 480.0);
/// Ten colours that stay apart on white (and for common colour blindness).
const COLOURS: [&str; 10] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000", "#999999",
    "#882255",
];
/// At most this many lines: more cannot be told apart.
pub const MAX_SERIES: usize = COLOURS.len();

/// The SVG document of `notes` (the first [`MAX_SERIES`]), titled `title`.
pub fn svg(notes: &[NoteTrend], title: &str) -> String {
    let notes = &notes[..notes.len().min(MAX_SERIES)];
    let points = notes.iter().flat_map(|note| &note.series);
    let (mut t0, mut t1, mut y0, mut y1) = (f64::MAX, f64::MIN, i64::MAX, i64::MIN);
    for point in points {
        t0 = t0.min(point.unix);
        t1 = t1.max(point.unix);
        y0 = y0.min(point.likes);
        y1 = y1.max(point.likes);
    }
    if notes.is_empty() {
        (t0, t1, y0, y1) = (0.0, 1.0, 0, 1);
    }
    // A flat range still needs a scale.
    let t_span = (t1 - t0).max(1.0);
    let y_span = (y1 - y0).max(1) as f64;
    let (left, top, right, bottom) = PLOT;
    let x = |unix: f64| left + (unix - t0) / t_span * (right - left);
    let y = |likes: i64| bottom - (likes - y0) as f64 / y_span * (bottom - top);

    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{left}" y="24" font-size="15">{}</text>
<g class="axes" stroke="#444">
<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>
<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>
</g>
"##,
        escape(title)
    );
    for step in 0..=4 {
        let likes = y0 + (y_span * f64::from(step) / 4.0).round() as i64;
        let at = y(likes);
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{at:.1}" x2="{right}" y2="{at:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{likes}</text>"##,
            left - 6.0,
            at + 4.0
        );
    }
    let time = |unix: f64| {
        notes
            .iter()
            .flat_map(|note| &note.series)
            .find(|point| point.unix == unix)
            .map(|point| point.at.get(..16).unwrap_or(&point.at).replace('T', " "))
            .unwrap_or_default()
    };
    let _ = writeln!(
        out,
        r#"<text x="{left}" y="{}">{} UTC</text><text x="{right}" y="{}" text-anchor="end">{} UTC</text>"#,
        bottom + 20.0,
        escape(&time(t0)),
        bottom + 20.0,
        escape(&time(t1)),
    );
    let _ = writeln!(
        out,
        r#"<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">likes</text>"#,
        (top + bottom) / 2.0,
        (top + bottom) / 2.0
    );
    for (n, (note, colour)) in notes.iter().zip(COLOURS).enumerate() {
        let label = note.title.as_deref().unwrap_or(&note.id);
        let label: String = label.chars().take(24).collect();
        let line: Vec<String> = note
            .series
            .iter()
            .map(|point| format!("{:.1},{:.1}", x(point.unix), y(point.likes)))
            .collect();
        let legend = top + 18.0 * n as f64;
        let _ = writeln!(
            out,
            r#"<g class="series" data-note="{id}"><title>{label} (+{growth})</title><polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/><rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour}"/><text x="{tx}" y="{ty}">{label} (+{growth})</text></g>"#,
            id = escape(&note.id),
            label = escape(&label),
            growth = note.growth,
            points = line.join(" "),
            lx = right + 20.0,
            ly = legend,
            tx = right + 38.0,
            ty = legend + 11.0,
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Text as SVG character data or attribute value: provider text never
/// carries markup, and a control character (which XML forbids) becomes
/// U+FFFD.
fn escape(text: &str) -> String {
    display_safe(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(escape("a<b>&\"c\"\u{1}"), "a&lt;b&gt;&amp;&quot;c&quot;\u{fffd}");
    }

    #[test]
    fn no_notes_is_still_a_document() {
        let svg = svg(&[], "none");
        assert!(svg.starts_with("<?xml") && svg.ends_with("</svg>\n"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
