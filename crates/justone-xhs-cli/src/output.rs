//! Where records go: stdout or a file, a page at a time, each page written
//! whole or not at all. A file gets a checkpoint beside it (see
//! [`crate::checkpoint`]) so that `--resume` can continue it exactly once.

use std::fs::{File, OpenOptions};
use std::io::IsTerminal;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::checkpoint::{self, ChannelMark, Checkpoint, Journal, RunShape};
use crate::output_lock::{self, LockError};

/// Why the output could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The command asks for something that would lose data or cannot work
    /// (exit 2); nothing was changed.
    Usage(String),
    /// The file system refused (exit 1).
    Io(String),
    /// Another run is writing the output (exit 2); nothing was changed.
    RunInProgress(String),
}

pub struct Output {
    target: Target,
    /// Bytes that hold whole pages; a failed write is cut back to this.
    committed: u64,
    journal: Option<(PathBuf, Journal)>,
}

enum Target {
    /// Whether stdout is a terminal: then provider text goes through the
    /// scrubber line by line (a pipe or a file gets the bytes as sent).
    Stdout {
        terminal: bool,
    },
    File(File),
}

/// What an output file held before this run, when it is resumed.
pub struct Resumed {
    pub checkpoint: Checkpoint,
    /// The committed bytes, read back only when `--dedup` needs the ids.
    pub written: Vec<u8>,
}

impl Output {
    pub fn stdout() -> Output {
        Output {
            target: Target::Stdout {
                terminal: io::stdout().is_terminal(),
            },
            committed: 0,
            journal: None,
        }
    }

    /// A new output file. An existing non-empty one is replaced only with
    /// `overwrite`; otherwise nothing is touched. A regular file is locked
    /// for the run before anything else (see [`crate::output_lock`]).
    pub fn create(path: &Path, shape: RunShape, overwrite: bool) -> Result<Output, OpenError> {
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
        if special {
            // A device or a pipe cannot be cut back or appended to later:
            // it gets no checkpoint and no lock. (Opening a pipe waits for
            // its reader; the caller keeps signals working meanwhile.)
            let file = File::create(path).map_err(|e| cannot("create", path, &e))?;
            return Ok(Output {
                target: Target::File(file),
                committed: 0,
                journal: None,
            });
        }
        // Opened without truncating: a file another run is writing must be
        // left exactly as it is.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| cannot("create", path, &e))?;
        refuse_to_replace(&file, path, overwrite)?;
        file.set_len(0).map_err(|e| cannot("replace", path, &e))?;
        let journal_path = checkpoint::path_for(path);
        let journal = Journal::create(&journal_path, &Checkpoint::new(shape))
            .map_err(|e| cannot("write the checkpoint of", path, &e))?;
        Ok(Output {
            target: Target::File(file),
            committed: 0,
            journal: Some((journal_path, journal)),
        })
    }

    /// An output file continued from its checkpoint: cut back to the whole
    /// pages the checkpoint vouches for, ready to append.
    pub fn resume(path: &Path, shape: &RunShape, read_back: bool) -> Result<(Output, Resumed), OpenError> {
        let checkpoint_path = checkpoint::path_for(path);
        let mut file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !checkpoint_path.exists() => {
                return Err(nothing_to_resume(path, &checkpoint_path));
            }
            Err(e) => return Err(cannot("open", path, &e)),
        };
        let checkpoint = resumable_checkpoint(&file, path, shape)?;
        let mut written = Vec::new();
        if read_back {
            (&mut file)
                .take(checkpoint.committed_bytes)
                .read_to_end(&mut written)
                .map_err(|e| cannot("read", path, &e))?;
        }
        file.set_len(checkpoint.committed_bytes)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
            .map_err(|e| cannot("cut back", path, &e))?;
        // Rewritten whole: a torn last line must not be appended to.
        let journal = Journal::create(&checkpoint_path, &checkpoint)
            .map_err(|e| cannot("write the checkpoint of", path, &e))?;
        let output = Output {
            target: Target::File(file),
            committed: checkpoint.committed_bytes,
            journal: Some((checkpoint_path, journal)),
        };
        Ok((output, Resumed { checkpoint, written }))
    }

    /// Whether this is stdout (which cannot be resumed).
    pub fn is_stdout(&self) -> bool {
        matches!(self.target, Target::Stdout { .. })
    }

    /// Writes `bytes` whole, then records in the checkpoint that the output
    /// now holds `records` records and, when a channel moved, where it
    /// stands. On a failed write the file is cut back to its last whole
    /// page and the checkpoint is left as it was.
    pub fn commit(
        &mut self,
        bytes: &[u8],
        records: u64,
        channel: Option<(usize, ChannelMark)>,
    ) -> io::Result<()> {
        self.commit_walk(bytes, records, channel, None)
    }

    /// [`commit`](Self::commit) for an operation walk, whose checkpoint
    /// also records the next page's parameters.
    pub fn commit_walk(
        &mut self,
        bytes: &[u8],
        records: u64,
        channel: Option<(usize, ChannelMark)>,
        next: Option<&[(String, String)]>,
    ) -> io::Result<()> {
        self.write_whole(bytes)?;
        self.committed += bytes.len() as u64;
        match self.journal.as_mut() {
            Some((_, journal)) => journal.append(self.committed, records, channel, next),
            None => Ok(()),
        }
    }

    /// Writes what ends the output (a JSON array's `]`) and, when the run
    /// is complete, removes the checkpoint. The footer is never in the
    /// checkpoint's length: a resume cuts it off and appends.
    pub fn finish(&mut self, footer: &[u8], complete: bool) -> io::Result<()> {
        self.write_whole(footer)?;
        match &self.journal {
            Some((path, _)) if complete => checkpoint::remove(path),
            _ => Ok(()),
        }
    }

    fn write_whole(&mut self, bytes: &[u8]) -> io::Result<()> {
        let result = match &mut self.target {
            Target::Stdout { terminal } => {
                let shown = if *terminal {
                    std::borrow::Cow::Owned(on_a_terminal(bytes))
                } else {
                    std::borrow::Cow::Borrowed(bytes)
                };
                let mut out = io::stdout().lock();
                out.write_all(&shown).and_then(|()| out.flush())
            }
            Target::File(file) => file.write_all(bytes),
        };
        if let (Err(_), Target::File(file)) = (&result, &mut self.target) {
            // A full disk or a closed pipe: leave whole records only. A cut
            // back frees space, so it works when the disk is full.
            let _ = file.set_len(self.committed);
            let _ = file.seek(SeekFrom::Start(self.committed));
        }
        result
    }
}

/// The checks [`Output::create`] or [`Output::resume`] make of the file at
/// `path`, without changing anything (a dry run): the lock, what it holds,
/// and for a resume its checkpoint. A file that does not exist yet passes a
/// fresh run's checks.
pub fn check(path: &Path, shape: &RunShape, resume: bool, overwrite: bool) -> Result<(), OpenError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(cannot(
                "create",
                path,
                &io::Error::from(io::ErrorKind::IsADirectory),
            ));
        }
        // A pipe or a device: opened as it is, nothing to check.
        Ok(meta) if !meta.is_file() => return Ok(()),
        _ => {}
    }
    let checkpoint_path = checkpoint::path_for(path);
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound && resume => {
            return Err(nothing_to_resume(path, &checkpoint_path));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return creatable(path),
        Err(e) => return Err(cannot("open", path, &e)),
    };
    if resume {
        resumable_checkpoint(&file, path, shape).map(drop)
    } else {
        refuse_to_replace(&file, path, overwrite)
    }
}

/// Whether a file that does not exist yet can be created at `path`: its
/// directory exists, and it is not a symbolic link to nowhere.
fn creatable(path: &Path) -> Result<(), OpenError> {
    let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if dangling || !parent.is_dir() {
        return Err(cannot("create", path, &io::Error::from(io::ErrorKind::NotFound)));
    }
    Ok(())
}

/// Locks `file` (the output at `path`) and refuses it when it holds
/// something and `overwrite` was not given.
fn refuse_to_replace(file: &File, path: &Path, overwrite: bool) -> Result<(), OpenError> {
    output_lock::lock(file, path).map_err(locked)?;
    let length = file.metadata().map_err(|e| cannot("read", path, &e))?.len();
    if length > 0 && !overwrite {
        return Err(OpenError::Usage(format!(
            "{} exists and is not empty ({length} bytes); pass --overwrite to replace it or --resume to continue it",
            path.display()
        )));
    }
    Ok(())
}

/// Locks `file` (the output at `path`) and returns its checkpoint when the
/// run it records is `shape` and the file still holds what it vouches for.
fn resumable_checkpoint(file: &File, path: &Path, shape: &RunShape) -> Result<Checkpoint, OpenError> {
    let checkpoint_path = checkpoint::path_for(path);
    // Locked before the checkpoint is read: a run still writing it would
    // move on under us.
    output_lock::lock(file, path).map_err(locked)?;
    let checkpoint = checkpoint::load(&checkpoint_path)
        .map_err(OpenError::Usage)?
        .ok_or_else(|| nothing_to_resume(path, &checkpoint_path))?;
    let differences = shape.differences(&checkpoint.run);
    if !differences.is_empty() {
        return Err(OpenError::Usage(format!(
            "--resume must repeat the command it continues: {}",
            differences.join("; ")
        )));
    }
    let length = file.metadata().map_err(|e| cannot("read", path, &e))?.len();
    if length < checkpoint.committed_bytes {
        return Err(OpenError::Usage(format!(
            "{} is shorter ({length} bytes) than its checkpoint says ({} bytes): it was changed since; start again with --overwrite",
            path.display(),
            checkpoint.committed_bytes
        )));
    }
    Ok(checkpoint)
}

/// Records as a terminal shows them: every line through the scrubber, so
/// that no escape sequence, bidi override or invisible character the
/// provider sent reaches the screen from a CSV field or a JSON string (JSON
/// stays valid: only characters inside strings change).
fn on_a_terminal(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<_> = text.split('\n').map(justone_xhs::display_safe).collect();
    lines.join("\n").into_bytes()
}

fn nothing_to_resume(path: &Path, checkpoint_path: &Path) -> OpenError {
    OpenError::Usage(format!(
        "nothing to resume: {} does not exist (the run finished, or never wrote to {})",
        checkpoint_path.display(),
        path.display()
    ))
}

/// The refusal of an output whose lock could not be taken.
pub fn locked(error: LockError) -> OpenError {
    match error {
        LockError::Busy { .. } => OpenError::RunInProgress(error.message()),
        _ => OpenError::Io(error.message()),
    }
}

fn cannot(what: &str, path: &Path, error: &io::Error) -> OpenError {
    OpenError::Io(format!("cannot {what} {}: {error}", path.display()))
}
