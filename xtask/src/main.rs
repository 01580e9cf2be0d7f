//! `cargo xtask`: maintainer commands. See the README's "Regenerating" and
//! "Drift alerts" sections.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use xtask::fetch::Source;
use xtask::{PUBLISHED_URL, SpecFiles, drift};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for justone-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Download the published OpenAPI document into spec/, normalize it and
    /// print what changed.
    Regen(SourceArgs),
    /// Compare the published document with the committed one. Exit 0: same;
    /// 1: drifted (a report is printed); 2: the fetch or parse failed.
    CheckDrift(SourceArgs),
    /// Build the release binaries and compare the CLI and the library with a
    /// minimal reqwest + serde_json loop against the local demo server.
    BenchCompare {
        /// Runs per measurement; medians are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[derive(Args)]
struct SourceArgs {
    /// Where to download the published document from.
    #[arg(long, default_value = PUBLISHED_URL, conflicts_with = "from_file")]
    url: String,
    /// Read the document from a local file instead of downloading it.
    #[arg(long, value_name = "PATH")]
    from_file: Option<PathBuf>,
    /// The spec directory to read and write (default: the workspace's spec/).
    #[arg(long, value_name = "DIR")]
    spec_dir: Option<PathBuf>,
}

impl SourceArgs {
    fn source(&self) -> Source {
        match &self.from_file {
            Some(path) => Source::File(path.clone()),
            None => Source::Url(self.url.clone()),
        }
    }

    fn files(&self) -> SpecFiles {
        self.spec_dir
            .as_deref()
            .map_or_else(SpecFiles::workspace, SpecFiles::in_dir)
    }
}

/// Exit status for a failed fetch or parse: distinct from "drifted".
const FAILED: u8 = 2;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Regen(args) => match xtask::regen(&args.source(), &args.files()) {
            Ok(changes) => {
                print!("{}", drift::report(&changes));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: regen failed: {e}");
                ExitCode::from(FAILED)
            }
        },
        Command::BenchCompare { runs } => bench_compare(runs),
        Command::CheckDrift(args) => match xtask::check_drift(&args.source(), &args.files()) {
            Ok(changes) if changes.is_empty() => {
                println!("no drift: the published document matches spec/");
                ExitCode::SUCCESS
            }
            Ok(changes) => {
                print!("{}", drift::report(&changes));
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: check-drift failed: {e}");
                ExitCode::from(FAILED)
            }
        },
    }
}

/// Builds and runs `justone-bench`. It lives in its own crate, not here: the
/// xtask must keep building when a spec change breaks the generated client,
/// so it depends on none of the workspace's crates.
fn bench_compare(runs: usize) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = std::process::Command::new(&cargo)
        .args([
            "build",
            "--release",
            "-p",
            "justone-xhs-cli",
            "-p",
            "justone-bench",
            "--bins",
        ])
        .status();
    if !matches!(built, Ok(status) if status.success()) {
        eprintln!("error: building the release binaries failed");
        return ExitCode::from(FAILED);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    match std::process::Command::new(target.join("release/bench-compare"))
        .arg(runs.to_string())
        .status()
    {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(FAILED),
        Err(e) => {
            eprintln!("error: cannot run bench-compare: {e}");
            ExitCode::from(FAILED)
        }
    }
}
