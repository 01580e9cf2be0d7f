//! The checkpoint kept next to an `--output` file, so that `--resume` can
//! continue a run exactly once even after `kill -9`.
//!
//! The order of writes makes it safe: a page is appended to the output, then
//! one line is appended to the checkpoint, a journal: the output's new
//! length and record count, and the channel's new mark. On resume the
//! journal is replayed (a torn last line is ignored) and the output is cut
//! back to the length it names, which drops a torn record, a page written
//! after the last line, and the closing `]` of a JSON array.
//!
//! A journal costs one small `write` per page; rewriting a whole file and
//! renaming it per page cost a third of the CLI's throughput.
//!
//! ```text
//! {"version":2,"run":{…}}          the run's shape (JSON)
//! 0 0 - 0 0                        bytes records channel next-page done
//! 1234 20 0 2 0                    channel 0 now stands at page 2
//! 2468 2 0 3 0 [["lastCursor","c2"]]   an operation walk: the next page's parameters
//! ```
//!
//! A feed run's channels are its channels; an operation walk (`api
//! --pages`) is one "channel", the operation, whose position is the number
//! of pages written plus one and the parameters of the next page.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Bumped when the file's meaning changes; an unknown version is refused.
const VERSION: u32 = 2;

/// What a run fetches and how it writes it; `--resume` must match it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunShape {
    /// Channel oids, in the order of the command line.
    pub channels: Vec<String>,
    pub first_page: u32,
    pub pages: u32,
    pub format: String,
    pub raw: bool,
    pub dedup: bool,
    /// The parameters an operation walk started with (none for a feed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
    /// `--fields` as given (empty for the whole record).
    #[serde(default)]
    pub fields: String,
}

impl RunShape {
    /// What differs from `other` (the run being resumed), one phrase each.
    pub fn differences(&self, earlier: &RunShape) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |name: &str, now: String, then: String| {
            if now != then {
                out.push(format!("{name} is {now}, the earlier run used {then}"));
            }
        };
        differ(
            "the channel list",
            self.channels.join(","),
            earlier.channels.join(","),
        );
        differ(
            "--page",
            self.first_page.to_string(),
            earlier.first_page.to_string(),
        );
        differ("--pages", self.pages.to_string(), earlier.pages.to_string());
        differ("--format", self.format.clone(), earlier.format.clone());
        differ("--raw", self.raw.to_string(), earlier.raw.to_string());
        differ("--dedup", self.dedup.to_string(), earlier.dedup.to_string());
        let params = |params: &[(String, String)]| {
            params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        differ("the parameters", params(&self.params), params(&earlier.params));
        differ("--fields", self.fields.clone(), earlier.fields.clone());
        out
    }
}

/// Where one channel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelMark {
    /// The first page not yet complete in the output.
    pub next_page: u32,
    /// The feed ended or every requested page was written.
    pub done: bool,
}

/// The checkpoint's content, as the journal's lines add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub run: RunShape,
    /// Bytes of the output that hold whole pages (without a closing `]`).
    pub committed_bytes: u64,
    /// Records in those bytes (a JSON array needs to know for its commas).
    pub records: u64,
    /// One per channel of `run.channels`, in the same order.
    pub channels: Vec<ChannelMark>,
    /// An operation walk's next parameters, once a page moved it.
    pub next_params: Option<Vec<(String, String)>>,
}

impl Checkpoint {
    /// A fresh checkpoint: nothing written, every channel at its first page.
    pub fn new(run: RunShape) -> Checkpoint {
        let mark = ChannelMark {
            next_page: run.first_page,
            done: false,
        };
        Checkpoint {
            channels: vec![mark; run.channels.len()],
            run,
            committed_bytes: 0,
            records: 0,
            next_params: None,
        }
    }
}

/// The checkpoint file of an output file: `FILE.checkpoint`.
pub fn path_for(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// The journal's first line.
#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    run: RunShape,
}

/// Reads a checkpoint; `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<Checkpoint>, String> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let not_ours = |why: String| format!("{} is not a checkpoint of this tool: {why}", path.display());
    // Only whole lines count: a kill in the middle of an append leaves a
    // torn last line, which never happened as far as the output is concerned.
    let mut lines = text
        .split_inclusive(|b| *b == b'\n')
        .filter(|l| l.ends_with(b"\n"));
    let header: Header = lines
        .next()
        .ok_or_else(|| not_ours("it is empty".to_owned()))
        .and_then(|line| serde_json::from_slice(line).map_err(|e| not_ours(e.to_string())))?;
    if header.version != VERSION {
        return Err(format!(
            "{} was written by another version of this tool (checkpoint version {})",
            path.display(),
            header.version
        ));
    }
    let mut checkpoint = Checkpoint::new(header.run);
    for line in lines {
        let entry = std::str::from_utf8(line)
            .ok()
            .and_then(|line| Entry::parse(line, checkpoint.channels.len()))
            .ok_or_else(|| not_ours(format!("a line reads {:?}", String::from_utf8_lossy(line))))?;
        entry.apply(&mut checkpoint);
    }
    Ok(Some(checkpoint))
}

/// One line of the journal: the output's length and records after a
/// commit, and the channel it moved, if any.
struct Entry {
    bytes: u64,
    records: u64,
    channel: Option<(usize, ChannelMark)>,
    /// The next parameters of an operation walk, as JSON (never holds a
    /// newline: compact JSON escapes them).
    next: Option<String>,
}

impl Entry {
    fn line(&self) -> String {
        let mut line = match self.channel {
            Some((index, mark)) => format!(
                "{} {} {index} {} {}",
                self.bytes,
                self.records,
                mark.next_page,
                u8::from(mark.done)
            ),
            None => format!("{} {} - 0 0", self.bytes, self.records),
        };
        if let Some(next) = &self.next {
            line.push(' ');
            line.push_str(next);
        }
        line.push('\n');
        line
    }

    fn parse(line: &str, channels: usize) -> Option<Entry> {
        let fields: Vec<&str> = line.trim_end_matches('\n').splitn(6, ' ').collect();
        let (fields, next) = match fields.split_at_checked(5) {
            Some((fields, [next])) => (fields, Some((*next).to_owned())),
            _ => (fields.as_slice(), None),
        };
        let [bytes, records, index, next_page, done] = fields else {
            return None;
        };
        let channel = match *index {
            "-" => None,
            index => {
                let index: usize = index.parse().ok().filter(|i| *i < channels)?;
                let mark = ChannelMark {
                    next_page: next_page.parse().ok()?,
                    done: match *done {
                        "0" => false,
                        "1" => true,
                        _ => return None,
                    },
                };
                Some((index, mark))
            }
        };
        if next
            .as_deref()
            .is_some_and(|json| serde_json::from_str::<Vec<(String, String)>>(json).is_err())
        {
            return None;
        }
        Some(Entry {
            bytes: bytes.parse().ok()?,
            records: records.parse().ok()?,
            channel,
            next,
        })
    }

    fn apply(&self, checkpoint: &mut Checkpoint) {
        checkpoint.committed_bytes = self.bytes;
        checkpoint.records = self.records;
        if let Some((index, mark)) = self.channel {
            checkpoint.channels[index] = mark;
        }
        if let Some(next) = &self.next {
            checkpoint.next_params = serde_json::from_str(next).ok();
        }
    }
}

/// The open journal of a run, appended to after every commit.
pub struct Journal {
    file: File,
}

impl Journal {
    /// Writes `checkpoint` as a new journal (a temporary file renamed over
    /// the old one, so a crash leaves the old journal or the new one) and
    /// opens it for appending.
    pub fn create(path: &Path, checkpoint: &Checkpoint) -> io::Result<Journal> {
        let mut text = serde_json::to_string(&Header {
            version: VERSION,
            run: checkpoint.run.clone(),
        })?;
        text.push('\n');
        let entry = |channel, next| Entry {
            bytes: checkpoint.committed_bytes,
            records: checkpoint.records,
            channel,
            next,
        };
        text.push_str(&entry(None, None).line());
        let next = checkpoint
            .next_params
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        for (index, mark) in checkpoint.channels.iter().enumerate() {
            text.push_str(&entry(Some((index, *mark)), next.clone()).line());
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)?;
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Journal { file })
    }

    /// Records one commit: one `write` of one line.
    pub fn append(
        &mut self,
        bytes: u64,
        records: u64,
        channel: Option<(usize, ChannelMark)>,
        next: Option<&[(String, String)]>,
    ) -> io::Result<()> {
        let entry = Entry {
            bytes,
            records,
            channel,
            next: next.map(serde_json::to_string).transpose()?,
        };
        self.file.write_all(entry.line().as_bytes())
    }
}

/// Removes the checkpoint of a finished run.
pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> RunShape {
        RunShape {
            channels: vec!["homefeed_food_v3".into()],
            first_page: 1,
            pages: 3,
            format: "jsonl".into(),
            raw: false,
            dedup: false,
            params: Vec::new(),
            fields: String::new(),
        }
    }

    #[test]
    fn a_journal_replays_to_the_last_whole_line_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("out.jsonl"));
        assert_eq!(load(&path).unwrap(), None);
        let mut checkpoint = Checkpoint::new(shape());
        checkpoint.committed_bytes = 42;
        let mut journal = Journal::create(&path, &checkpoint).unwrap();
        assert_eq!(load(&path).unwrap().as_ref(), Some(&checkpoint));
        let mark = ChannelMark {
            next_page: 2,
            done: false,
        };
        journal.append(100, 20, Some((0, mark)), None).unwrap();
        checkpoint.committed_bytes = 100;
        checkpoint.records = 20;
        checkpoint.channels[0] = mark;
        assert_eq!(load(&path).unwrap().as_ref(), Some(&checkpoint));
        // An operation walk's next parameters, with spaces and quotes.
        let next = vec![("lastCursor".to_owned(), "a b \"c\"".to_owned())];
        journal.append(100, 20, Some((0, mark)), Some(&next)).unwrap();
        checkpoint.next_params = Some(next);
        assert_eq!(load(&path).unwrap().as_ref(), Some(&checkpoint));
        // A torn last line (a kill mid-append) is as if never written.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"200 40 0 3")
            .unwrap();
        assert_eq!(load(&path).unwrap(), Some(checkpoint));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        remove(&path).unwrap();
        remove(&path).unwrap();
    }

    #[test]
    fn differences_name_each_flag() {
        let mut other = shape();
        other.pages = 5;
        other.format = "csv".into();
        let diff = shape().differences(&other);
        assert_eq!(diff.len(), 2, "{diff:?}");
        assert!(diff[0].contains("--pages is 3"), "{diff:?}");
        assert!(shape().differences(&shape()).is_empty());
    }

    #[test]
    fn garbage_is_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.checkpoint");
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(&path).unwrap_err().contains("x.checkpoint"));
    }
}
