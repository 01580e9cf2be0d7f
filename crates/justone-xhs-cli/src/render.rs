//! Turning pages into the bytes of the chosen format. Rendering is pure: a
//! page becomes one buffer, which the output then writes whole or not at all.

use std::collections::HashSet;
use std::io::{self, Write};

use justone_xhs::{FeedItem, FeedPage, display_safe};
use unicode_width::UnicodeWidthStr;

use crate::cli::Format;
use crate::record::{CSV_HEADER, Record};

/// The formats rendered as text: every [`Format`] but the SQLite database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Jsonl,
    Json,
    Csv,
    Table,
}

impl TextFormat {
    /// The text format of `format`; `None` for a database.
    pub fn of(format: Format) -> Option<TextFormat> {
        match format {
            Format::Jsonl => Some(TextFormat::Jsonl),
            Format::Json => Some(TextFormat::Json),
            Format::Csv => Some(TextFormat::Csv),
            Format::Table => Some(TextFormat::Table),
            Format::Sqlite => None,
        }
    }
}

pub struct Renderer {
    format: TextFormat,
    raw: bool,
    seen: Option<HashSet<String>>,
    /// Records rendered so far (restored on resume): a JSON array puts a
    /// comma before every record but the first.
    records: u64,
    table: TableWidths,
}

impl Renderer {
    /// `width` is the table's width in terminal columns.
    pub fn new(format: TextFormat, raw: bool, dedup: bool, width: usize) -> Renderer {
        Renderer {
            format,
            raw,
            seen: dedup.then(HashSet::new),
            records: 0,
            table: TableWidths::for_width(width),
        }
    }

    /// Records rendered so far, including those of an earlier run resumed.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Continues after `records` records already in the output, whose bytes
    /// are `written` (read back for the note ids when de-duplicating).
    pub fn resume(&mut self, records: u64, written: &[u8]) -> io::Result<()> {
        self.records = records;
        if let Some(seen) = self.seen.as_mut() {
            seen.extend(ids_in(self.format, written)?);
        }
        Ok(())
    }

    /// What comes before the first record (a CSV header, `[`, a table head).
    pub fn preamble(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        match self.format {
            TextFormat::Json => out.push(b'['),
            TextFormat::Csv => csv_writer(&mut out).write_record(CSV_HEADER)?,
            TextFormat::Table => self.table.head(&mut out)?,
            TextFormat::Jsonl => {}
        }
        Ok(out)
    }

    /// One page's items (minus duplicates) and how many there are.
    pub fn page(&mut self, page: &FeedPage) -> io::Result<(Vec<u8>, usize)> {
        let mut out = Vec::with_capacity(page.items.len() * 512);
        let mut count = 0;
        for item in &page.items {
            let fresh = match (self.seen.as_mut(), item.id.as_ref()) {
                (Some(seen), Some(id)) => seen.insert(id.clone()),
                _ => true,
            };
            if fresh {
                self.item(&mut out, page, item)?;
                count += 1;
            }
        }
        Ok((out, count))
    }

    fn item(&mut self, out: &mut Vec<u8>, page: &FeedPage, item: &FeedItem) -> io::Result<()> {
        let record = Record::new(&page.channel, page.page, item);
        match self.format {
            TextFormat::Jsonl => {
                self.json(out, item, &record)?;
                out.push(b'\n');
            }
            TextFormat::Json => {
                out.extend_from_slice(if self.records == 0 { b"\n" } else { b",\n" });
                self.json(out, item, &record)?;
            }
            TextFormat::Csv => {
                let mut csv = csv_writer(out);
                csv.write_record(record.csv_row())?;
                csv.flush()?;
            }
            TextFormat::Table => self.table.row(out, page, &record)?,
        }
        self.records += 1;
        Ok(())
    }

    fn json(&self, out: &mut Vec<u8>, item: &FeedItem, record: &Record<'_>) -> io::Result<()> {
        if !self.raw {
            return serde_json::to_writer(out, record).map_err(io::Error::from);
        }
        // One item per line: a pretty-printed item loses only its
        // insignificant whitespace (key order, number spelling and escapes
        // stay as the provider wrote them).
        out.extend_from_slice(justone_xhs::compact_json(item.raw().get()).as_bytes());
        Ok(())
    }

    /// What comes after the last record; written at every stop, so that a
    /// JSON array is always closed.
    pub fn footer(&self) -> &'static [u8] {
        match (self.format, self.records) {
            (TextFormat::Json, 0) => b"]\n",
            (TextFormat::Json, _) => b"\n]\n",
            _ => b"",
        }
    }
}

/// A CSV writer that writes no header (the preamble has it) and buffers
/// nothing past a record.
fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().has_headers(false).from_writer(out)
}

/// The note ids in what an earlier run wrote, for `--dedup` on resume.
fn ids_in(format: TextFormat, written: &[u8]) -> io::Result<Vec<String>> {
    let id_of = |line: &[u8]| -> Option<String> {
        let line = line.trim_ascii().strip_suffix(b",").unwrap_or(line.trim_ascii());
        let value: serde_json::Value = serde_json::from_slice(line).ok()?;
        value.get("id")?.as_str().map(str::to_owned)
    };
    match format {
        // Both write one record per line.
        TextFormat::Jsonl | TextFormat::Json => {
            Ok(written.split(|b| *b == b'\n').filter_map(id_of).collect())
        }
        TextFormat::Csv => {
            let mut reader = csv::Reader::from_reader(written);
            let column = reader
                .headers()
                .map_err(io::Error::other)?
                .iter()
                .position(|h| h == "id");
            let mut ids = Vec::new();
            for row in reader.records() {
                let row = row.map_err(io::Error::other)?;
                if let Some(id) = column.and_then(|c| row.get(c)).filter(|id| !id.is_empty()) {
                    ids.push(id.to_owned());
                }
            }
            Ok(ids)
        }
        TextFormat::Table => Ok(Vec::new()),
    }
}

/// Column widths of the table, fitted to a terminal width.
struct TableWidths {
    channel: usize,
    author: usize,
    title: usize,
}

const PAGE: usize = 4;
const LIKES: usize = 7;
const KIND: usize = 6;

impl TableWidths {
    fn for_width(width: usize) -> TableWidths {
        let channel = 12;
        let author = 14;
        let fixed = channel + PAGE + LIKES + KIND + author + 5;
        TableWidths {
            channel,
            author,
            title: width.saturating_sub(fixed).max(10),
        }
    }

    fn head(&self, out: &mut Vec<u8>) -> io::Result<()> {
        writeln!(
            out,
            "{} {:>PAGE$} {:>LIKES$} {} {} TITLE",
            fit("CHANNEL", self.channel),
            "PAGE",
            "LIKES",
            fit("TYPE", KIND),
            fit("AUTHOR", self.author),
        )
    }

    fn row(&self, out: &mut Vec<u8>, page: &FeedPage, record: &Record<'_>) -> io::Result<()> {
        writeln!(
            out,
            "{} {:>PAGE$} {:>LIKES$} {} {} {}",
            fit(page.channel.slug(), self.channel),
            page.page,
            record.likes.map(|l| l.to_string()).unwrap_or_default(),
            fit(record.kind.unwrap_or_default(), KIND),
            fit(record.author.nickname.unwrap_or_default(), self.author),
            fit(record.title.unwrap_or_default(), self.title).trim_end(),
        )
    }
}

/// Pads or cuts `text` to exactly `width` terminal columns, cutting with `…`
/// and counting wide characters (CJK, emoji) as two columns.
fn fit(text: &str, width: usize) -> String {
    let text = display_safe(text);
    let shown = text.width();
    if shown <= width {
        return format!("{text}{}", " ".repeat(width - shown));
    }
    // Measured as a whole string, not char by char: emoji sequences (ZWJ,
    // skin tones) are narrower than the sum of their parts.
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if out.width() > width.saturating_sub(1) {
            out.pop();
            break;
        }
    }
    let used = out.width();
    out.push('…');
    out.push_str(&" ".repeat(width.saturating_sub(1 + used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_terminal_columns() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("成都樱花", 5).width(), 5);
        assert_eq!(fit("成都樱花", 5), "成都…");
        assert_eq!(fit("成都樱花", 6), "成都… ");
        // A family emoji (ZWJ sequence) and a skin tone keep the column.
        for text in ["👨\u{200d}👩\u{200d}👧 family", "👍🏽 ok", "x"] {
            assert_eq!(fit(text, 8).width(), 8, "{text:?}");
        }
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile = "\x1b[31mred\x1b]0;title\x07\r\x1b[2J\u{9b}2J\x7f";
        let shown = fit(hostile, 40);
        assert!(shown.chars().all(|c| !c.is_control()), "{shown:?}");
        assert!(shown.contains("red"));
    }

    #[test]
    fn a_table_row_fits_the_width() {
        let widths = TableWidths::for_width(80);
        assert!(widths.channel + PAGE + LIKES + KIND + widths.author + widths.title + 5 <= 80);
    }

    #[test]
    fn ids_are_read_back_from_every_resumable_format() {
        let jsonl = b"{\"id\":\"a\"}\n{\"id\":\"b\"}\n";
        assert_eq!(ids_in(TextFormat::Jsonl, jsonl).unwrap(), ["a", "b"]);
        let json = b"[\n{\"id\":\"a\"},\n{\"id\":\"b\"}";
        assert_eq!(ids_in(TextFormat::Json, json).unwrap(), ["a", "b"]);
        let csv = b"channel,page,id\nfood,1,a\nfood,1,\"b\"\n";
        assert_eq!(ids_in(TextFormat::Csv, csv).unwrap(), ["a", "b"]);
    }
}
