//! `trends --chart FILE.svg`: the top notes' likes over time, one line per
//! note, drawn with plotters' SVG back end. Without plotters' font features
//! labels are SVG `<text>` that the viewer lays out with its own fonts: no
//! font, font library or system library is needed to draw.

use std::io;
use std::time::{Duration, UNIX_EPOCH};

use justone_xhs::display_safe;
use plotters::prelude::*;

use crate::trends::NoteTrend;

/// Ten colours that stay apart on white (and for common colour blindness).
const COLOURS: [RGBColor; 10] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xf0, 0xe4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0x99, 0x99, 0x99),
    RGBColor(0x88, 0x22, 0x55),
];

/// The SVG document of the first notes (at most as many as there are
/// colours: more lines cannot be told apart), titled `title`.
pub fn svg(notes: &[NoteTrend], title: &str) -> io::Result<String> {
    let notes = &notes[..notes.len().min(COLOURS.len())];
    let points = || notes.iter().flat_map(|note| &note.series);
    let t0 = points().map(|p| p.unix).fold(f64::MAX, f64::min);
    let t1 = points().map(|p| p.unix).fold(f64::MIN, f64::max);
    let y0 = points().map(|p| p.likes).min().unwrap_or(0);
    let y1 = points().map(|p| p.likes).max().unwrap_or(0);
    // An empty or flat range still needs a scale.
    let (t0, t1) = if t0 < t1 { (t0, t1) } else { (0.0, 1.0) };
    // Headroom above the highest line for the legend, which sits there, and
    // a little below the lowest, off the axis.
    let legend = (y1 - y0).max(1) * (notes.len() as i64 + 2) / 12 + 1;
    let (y0, y1) = (y0 - legend / 4, y1.max(y0 + 1) + legend);
    // Runs minutes apart need the seconds; runs days apart need the date.
    let time_label: fn(f64) -> String = if t1 - t0 < 3600.0 { utc_second } else { utc_minute };

    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (960, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(io::Error::other)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(display_safe(title), ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(72)
            .build_cartesian_2d(t0..t1, y0..y1)
            .map_err(io::Error::other)?;
        chart
            .configure_mesh()
            .x_labels(5)
            .x_label_formatter(&|unix| time_label(*unix))
            .label_style(("sans-serif", 15))
            .x_desc("UTC")
            .y_desc("likes")
            .draw()
            .map_err(io::Error::other)?;
        for (note, colour) in notes.iter().zip(COLOURS) {
            let title = display_safe(note.title.as_deref().unwrap_or(&note.id));
            let label = format!(
                "{} (+{})",
                title.chars().take(24).collect::<String>(),
                note.growth
            );
            chart
                .draw_series(LineSeries::new(
                    note.series.iter().map(|p| (p.unix, p.likes)),
                    colour.stroke_width(2),
                ))
                .map_err(io::Error::other)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(io::Error::other)?;
        root.present().map_err(io::Error::other)?;
    }
    Ok(out)
}

/// `12-03 01:19` (month, day, UTC time) for an axis label.
fn utc_minute(unix: f64) -> String {
    utc_text(unix, 5..16).replace('T', " ")
}

/// `01:19:30` (UTC) for an axis label.
fn utc_second(unix: f64) -> String {
    utc_text(unix, 11..19)
}

fn utc_text(unix: f64, part: std::ops::Range<usize>) -> String {
    let at = crate::utc_time::format(UNIX_EPOCH + Duration::from_secs_f64(unix.max(0.0)));
    at.get(part).map(str::to_owned).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_notes_is_still_a_document() {
        let svg = svg(&[], "none").unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn axis_times_are_utc_minutes() {
        assert_eq!(utc_minute(1_798_761_600.0), "01-01 00:00");
        assert_eq!(utc_second(1_798_761_600.0 + 3725.0), "01:02:05");
    }
}
