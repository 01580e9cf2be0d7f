//! Turning pages into the bytes of the chosen format. Rendering is pure: a
//! page becomes one buffer, which the output then writes whole or not at all.

use std::collections::HashSet;
use std::io::{self, Write};

use justone_xhs::{FeedItem, FeedPage, display_safe};
use unicode_width::UnicodeWidthStr;

use crate::cli::Format;
use crate::record::Record;
use crate::record_fields::{self, Field, FieldList};

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
    /// `--fields`: `None` writes the whole record.
    fields: Option<Vec<Field>>,
    /// The CSV columns (the chosen fields, objects spelled apart).
    columns: Vec<Field>,
    seen: Option<HashSet<String>>,
    /// Records rendered so far (restored on resume): a JSON array puts a
    /// comma before every record but the first.
    records: u64,
    table: Table,
}

impl Renderer {
    /// `width` is the table's width in terminal columns; `fields` the
    /// `--fields` chosen, if any.
    pub fn new(
        format: TextFormat,
        raw: bool,
        dedup: bool,
        width: usize,
        fields: Option<FieldList>,
    ) -> Renderer {
        let fields = fields.map(|list| list.0);
        let chosen = fields.as_deref();
        let columns = chosen
            .unwrap_or(&record_fields::RECORD)
            .iter()
            .flat_map(|field| field.columns())
            .collect();
        let table = Table::for_width(chosen.unwrap_or(&record_fields::TABLE), width);
        Renderer {
            format,
            raw,
            fields,
            columns,
            seen: dedup.then(HashSet::new),
            records: 0,
            table,
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
            TextFormat::Csv => csv_writer(&mut out).write_record(self.columns.iter().map(|c| c.name()))?,
            TextFormat::Table => self.table.head(&mut out)?,
            TextFormat::Jsonl => {}
        }
        Ok(out)
    }

    /// One page's items (minus duplicates), fetched at `fetched_at`, and
    /// how many there are.
    pub fn page(&mut self, page: &FeedPage, fetched_at: &str) -> io::Result<(Vec<u8>, usize)> {
        let mut out = Vec::with_capacity(page.items.len() * 512);
        let mut count = 0;
        for item in &page.items {
            let fresh = match (self.seen.as_mut(), item.id.as_ref()) {
                (Some(seen), Some(id)) => seen.insert(id.clone()),
                _ => true,
            };
            if fresh {
                self.item(&mut out, page, item, fetched_at)?;
                count += 1;
            }
        }
        Ok((out, count))
    }

    fn item(
        &mut self,
        out: &mut Vec<u8>,
        page: &FeedPage,
        item: &FeedItem,
        fetched_at: &str,
    ) -> io::Result<()> {
        let record = Record::new(page, item, fetched_at);
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
                csv.write_record(self.columns.iter().map(|c| c.text(&record)))?;
                csv.flush()?;
            }
            TextFormat::Table => self.table.row(out, page, &record)?,
        }
        self.records += 1;
        Ok(())
    }

    fn json(&self, out: &mut Vec<u8>, item: &FeedItem, record: &Record<'_>) -> io::Result<()> {
        if !self.raw {
            return match &self.fields {
                Some(fields) => record_fields::write_json_object(fields, record, out),
                None => serde_json::to_writer(out, record).map_err(io::Error::from),
            };
        }
        // One item per line: a pretty-printed item loses only its
        // insignificant whitespace (key order, number spelling and escapes
        // stay as the provider wrote them).
        out.extend_from_slice(crate::compact_json::compact_json(item.raw().get()).as_bytes());
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

/// The table's columns and their widths, fitted to a terminal width.
struct Table {
    columns: Vec<(Field, usize)>,
}

impl Table {
    /// Text fields (title, description) share what the others leave.
    fn for_width(fields: &[Field], width: usize) -> Table {
        let flexible = fields.iter().filter(|f| fixed_width(**f).is_none()).count();
        let fixed: usize = fields.iter().filter_map(|f| fixed_width(*f)).sum();
        let gaps = fields.len().saturating_sub(1);
        let share = width
            .saturating_sub(fixed + gaps)
            .checked_div(flexible)
            .unwrap_or(0)
            .max(10);
        Table {
            columns: fields
                .iter()
                .map(|f| (*f, fixed_width(*f).unwrap_or(share)))
                .collect(),
        }
    }

    fn head(&self, out: &mut Vec<u8>) -> io::Result<()> {
        self.line(out, |field| field.name().to_uppercase())
    }

    fn row(&self, out: &mut Vec<u8>, page: &FeedPage, record: &Record<'_>) -> io::Result<()> {
        self.line(out, |field| match field {
            // The slug is what a user types and reads.
            Field::Channel => page.channel.slug().to_owned(),
            field => field.text(record),
        })
    }

    fn line(&self, out: &mut Vec<u8>, text: impl Fn(Field) -> String) -> io::Result<()> {
        let cells: Vec<String> = self
            .columns
            .iter()
            .map(|(field, width)| {
                let cell = fit(&text(*field), *width);
                if is_number(*field) {
                    // Numbers align on their last digit.
                    let end = cell.trim_end();
                    format!("{}{end}", " ".repeat(cell.len() - end.len()))
                } else {
                    cell
                }
            })
            .collect();
        writeln!(out, "{}", cells.join(" ").trim_end())
    }
}

/// A column's width, `None` for the text that takes what is left.
fn fixed_width(field: Field) -> Option<usize> {
    match field {
        Field::Title | Field::Desc => None,
        Field::Page => Some(4),
        Field::IsAds | Field::Type => Some(6),
        Field::Likes => Some(7),
        Field::Channel | Field::Category | Field::CategoryName => Some(12),
        Field::Timestamp => Some(13),
        Field::Author | Field::AuthorNickname => Some(14),
        Field::Cover
        | Field::RequestId
        | Field::FetchedAt
        | Field::Id
        | Field::AuthorId
        | Field::CategoryId => Some(24),
    }
}

fn is_number(field: Field) -> bool {
    matches!(field, Field::Page | Field::Likes | Field::Timestamp)
}

/// Pads or cuts `text` to exactly `width` terminal columns, cutting with `…`
/// and counting wide characters (CJK, emoji) as two columns.
pub fn fit(text: &str, width: usize) -> String {
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
        for fields in [
            &record_fields::TABLE[..],
            &[Field::Id, Field::Title, Field::Desc, Field::Likes],
        ] {
            let table = Table::for_width(fields, 80);
            let used: usize = table.columns.iter().map(|(_, width)| width + 1).sum();
            assert!(used - 1 <= 80, "{used}");
        }
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
