//! The checkpoint kept next to an `--output` file, so that `--resume` can
//! continue a run exactly once even after `kill -9`.
//!
//! The order of writes makes it safe: a page is appended to the output and
//! flushed, then the checkpoint is replaced (write a temporary file, rename
//! it) with the output's new length. On resume the output is cut back to the
//! length the checkpoint names, which drops a torn record, a page written
//! after the last checkpoint, and the closing `]` of a JSON array.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Bumped when the file's meaning changes; an unknown version is refused.
const VERSION: u32 = 1;

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

/// The checkpoint's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub run: RunShape,
    /// Bytes of the output that hold whole pages (without a closing `]`).
    pub committed_bytes: u64,
    /// Records in those bytes (a JSON array needs to know for its commas).
    pub records: u64,
    /// One per channel of `run.channels`, in the same order.
    pub channels: Vec<ChannelMark>,
}

impl Checkpoint {
    /// A fresh checkpoint: nothing written, every channel at its first page.
    pub fn new(run: RunShape) -> Checkpoint {
        let mark = ChannelMark {
            next_page: run.first_page,
            done: false,
        };
        Checkpoint {
            version: VERSION,
            channels: vec![mark; run.channels.len()],
            run,
            committed_bytes: 0,
            records: 0,
        }
    }
}

/// The checkpoint file of an output file: `FILE.checkpoint`.
pub fn path_for(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// Reads a checkpoint; `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<Checkpoint>, String> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let checkpoint: Checkpoint = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a checkpoint of this tool: {e}", path.display()))?;
    if checkpoint.version != VERSION || checkpoint.channels.len() != checkpoint.run.channels.len() {
        return Err(format!(
            "{} was written by another version of this tool (checkpoint version {})",
            path.display(),
            checkpoint.version
        ));
    }
    Ok(Some(checkpoint))
}

/// Replaces the checkpoint atomically: a reader (or a resume after a crash)
/// sees the old one or the new one, never half of either.
pub fn save(path: &Path, checkpoint: &Checkpoint) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, serde_json::to_vec(checkpoint)?)?;
    std::fs::rename(&tmp, path)
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
        }
    }

    #[test]
    fn save_and_load_round_trip_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("out.jsonl"));
        assert_eq!(load(&path).unwrap(), None);
        let mut checkpoint = Checkpoint::new(shape());
        checkpoint.committed_bytes = 42;
        save(&path, &checkpoint).unwrap();
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
