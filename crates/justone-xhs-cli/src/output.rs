//! Writing pages in the chosen format, one page at a time, flushed after
//! each so that a failure later never costs what was already fetched.

use std::collections::HashSet;
use std::io::{self, Write};

use justone_xhs::{FeedItem, FeedPage};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cli::Format;
use crate::record::{CSV_HEADER, Record};

pub struct Sink {
    out: Box<dyn Write + Send>,
    format: Format,
    raw: bool,
    seen: Option<HashSet<String>>,
    written: usize,
}

impl Sink {
    pub fn new(out: Box<dyn Write + Send>, format: Format, raw: bool, dedup: bool) -> Sink {
        Sink {
            out,
            format,
            raw,
            seen: dedup.then(HashSet::new),
            written: 0,
        }
    }

    /// Writes what comes before the first record (a CSV header, `[`).
    pub fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Json => self.out.write_all(b"[")?,
            Format::Csv => csv_writer(&mut self.out).write_record(CSV_HEADER)?,
            Format::Table => {
                writeln!(
                    self.out,
                    "{:<22} {:>4} {:>8} {:<6} {:<16} TITLE",
                    "CHANNEL", "PAGE", "LIKES", "TYPE", "AUTHOR"
                )?;
            }
            Format::Jsonl => {}
        }
        self.out.flush()
    }

    /// Writes one page's items (minus duplicates) and flushes; returns how
    /// many were written.
    pub fn write_page(&mut self, page: &FeedPage) -> io::Result<usize> {
        let fresh: Vec<&FeedItem> = page
            .items
            .iter()
            .filter(|item| match (self.seen.as_mut(), item.id.as_ref()) {
                (Some(seen), Some(id)) => seen.insert(id.clone()),
                _ => true,
            })
            .collect();
        for item in &fresh {
            self.write_item(page, item)?;
        }
        self.out.flush()?;
        Ok(fresh.len())
    }

    fn write_item(&mut self, page: &FeedPage, item: &FeedItem) -> io::Result<()> {
        let record = Record::new(&page.channel, page.page, item);
        match self.format {
            Format::Jsonl => {
                self.write_json(item, &record)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
                self.write_json(item, &record)?;
            }
            Format::Csv => {
                let mut csv = csv_writer(&mut self.out);
                csv.write_record(record.csv_row())?;
                csv.flush()?;
            }
            Format::Table => {
                writeln!(
                    self.out,
                    "{:<22} {:>4} {:>8} {:<6} {} {}",
                    page.channel.slug(),
                    page.page,
                    record.likes.map(|l| l.to_string()).unwrap_or_default(),
                    record.kind.unwrap_or_default(),
                    fit(record.author.nickname.unwrap_or_default(), 16),
                    fit(record.title.unwrap_or_default(), 60).trim_end(),
                )?;
            }
        }
        self.written += 1;
        Ok(())
    }

    fn write_json(&mut self, item: &FeedItem, record: &Record<'_>) -> io::Result<()> {
        if !self.raw {
            return serde_json::to_writer(&mut self.out, record).map_err(io::Error::from);
        }
        let raw = item.raw().get();
        if raw.contains('\n') {
            // One item per line: a pretty-printed item is re-written compactly
            // (the same JSON value).
            let value: serde_json::Value = serde_json::from_str(raw).map_err(io::Error::from)?;
            serde_json::to_writer(&mut self.out, &value).map_err(io::Error::from)
        } else {
            self.out.write_all(raw.as_bytes())
        }
    }

    /// Writes what comes after the last record; called on failure too, so
    /// that a JSON array is always closed.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.format == Format::Json {
            self.out
                .write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

/// A CSV writer over the output for one record: the header is written once
/// by `begin`, and nothing is buffered past a record.
fn csv_writer(out: &mut Box<dyn Write + Send>) -> csv::Writer<&mut Box<dyn Write + Send>> {
    csv::WriterBuilder::new().has_headers(false).from_writer(out)
}

/// Pads or cuts `text` to exactly `width` terminal columns.
fn fit(text: &str, width: usize) -> String {
    let text = text.replace(['\n', '\t'], " ");
    if text.width() <= width {
        return format!("{text}{}", " ".repeat(width - text.width()));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out.push_str(&" ".repeat(width - 1 - used));
    out
}

#[cfg(test)]
mod tests {
    use super::fit;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn fit_counts_terminal_columns() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("成都樱花", 5).width(), 5);
        assert_eq!(fit("成都樱花", 5), "成都…");
        assert_eq!(fit("成都樱花", 6), "成都… ");
    }
}
