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
    /// Download the published OpenAPI document into spec/, normalize it into
    /// crates/justone-gen/spec/ and
    /// print what changed.
    Regen(SourceArgs),
    /// Compare the published document with the committed one. Exit 0: same,
    /// or docs-only changes; 1: additive or breaking changes (see --fail-on);
    /// 2: the fetch or parse failed.
    CheckDrift {
        #[command(flatten)]
        source: SourceArgs,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t)]
        format: drift::Format,
        /// The least serious class of change that makes the check exit 1.
        #[arg(long, value_enum, default_value_t)]
        fail_on: drift::FailOn,
    },
    /// Fetch page 1 of a few channels (token from JUST_ONE_API_TOKEN) and
    /// compare the items' fields and JSON types with spec/feed-item-shape.json.
    /// Exit 0: same; 1: drifted (a report is printed); 2: the probe failed.
    Probe {
        /// API base URL.
        #[arg(long, default_value = "https://api.justoneapi.com")]
        base_url: String,
        /// Channel oids to probe, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = xtask::probe::DEFAULT_CHANNELS.map(String::from))]
        channels: Vec<String>,
        /// The reference shape file.
        #[arg(long, value_name = "FILE")]
        shape: Option<PathBuf>,
    },
    /// Rebuild spec/feed-item-shape.json from the documented example
    /// response and the demo fixtures.
    Shape,
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
    /// A directory holding both spec files, to read and write instead of the
    /// workspace's (spec/ for the raw document, crates/justone-gen/spec/ for
    /// the normalized one).
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

    fn files(&self) -> Result<SpecFiles, xtask::WorkspaceError> {
        match &self.spec_dir {
            Some(dir) => Ok(SpecFiles::in_dir(dir)),
            None => SpecFiles::workspace(),
        }
    }
}

/// Exit status for a failed fetch or parse: distinct from "drifted".
const FAILED: u8 = 2;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Regen(args) => match args
            .files()
            .map_err(Into::into)
            .and_then(|files| xtask::regen(&args.source(), &files))
        {
            Ok(changes) => {
                print!(
                    "{}",
                    drift::render(&changes, drift::Format::Text, drift::FailOn::default())
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: regen failed: {e}");
                ExitCode::from(FAILED)
            }
        },
        Command::BenchCompare { runs } => bench_compare(runs),
        Command::Probe {
            base_url,
            channels,
            shape,
        } => {
            let outcome = shape
                .map_or_else(xtask::shape_file, Ok)
                .map_err(xtask::probe::ProbeError::Workspace)
                .and_then(|shape| {
                    let token = xtask::probe::token_from_env()?;
                    xtask::probe::probe(&base_url, &channels, &token, &shape)
                });
            match outcome {
                Ok(drift) if drift.is_empty() => {
                    print!("{drift}");
                    ExitCode::SUCCESS
                }
                Ok(drift) => {
                    print!("{drift}");
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("error: probe failed: {e}");
                    ExitCode::from(FAILED)
                }
            }
        }
        Command::Shape => match write_shape() {
            Ok(path) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(FAILED)
            }
        },
        Command::CheckDrift {
            source,
            format,
            fail_on,
        } => match source
            .files()
            .map_err(Into::into)
            .and_then(|files| xtask::check_drift(&source.source(), &files))
        {
            Ok(changes) if changes.is_empty() && format != drift::Format::Json => {
                println!("no drift: the published document matches spec/");
                ExitCode::SUCCESS
            }
            Ok(changes) => {
                print!("{}", drift::render(&changes, format, fail_on));
                ExitCode::from(fail_on.exit_status(&changes))
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
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => match xtask::workspace_root() {
            Ok(root) => root.join("target"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(FAILED);
            }
        },
    };
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

fn write_shape() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let fixtures = xtask::fixtures_dir()?;
    let example = xtask::document::read(&fixtures.join("example-response.json"))?;
    let pages = (1..=3)
        .map(|n| xtask::document::read(&fixtures.join(format!("feed-page-{n}.json"))))
        .collect::<Result<Vec<_>, _>>()?;
    let path = xtask::shape_file()?;
    xtask::document::write_atomically(&path, &xtask::probe::derive_shape(&example, &pages).to_json())?;
    Ok(path)
}
