//! `cargo xtask`: maintainer commands. See the README's "Regenerating" and
//! "Drift alerts" sections.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use xtask::drift::Change;
use xtask::fetch::FetchError;
use xtask::fetch::Source;
use xtask::{DOCUMENTS, SpecDocument, SpecLayout, drift};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for justone-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Download a published OpenAPI document (all of them without a name)
    /// into spec/, normalize it into crates/justone-gen/spec/ and print what
    /// changed. A hand-written document (account) is only re-normalized.
    Regen(SourceArgs),
    /// Compare a published document (all published ones without a name) with
    /// the committed one, and check what the build would make of it. Exit 0:
    /// same, docs-only changes, or changes outside the generated surface; 1:
    /// additive or breaking changes to the generated surface (see --fail-on,
    /// --scope); 2: the fetch or parse failed.
    CheckDrift {
        #[command(flatten)]
        source: SourceArgs,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t)]
        format: drift::Format,
        /// The least serious class of change that makes the check exit 1.
        #[arg(long, value_enum, default_value_t)]
        fail_on: drift::FailOn,
        /// Which changes may make the check exit 1: those to what
        /// justone-gen generates, or all (the provider's other platforms too).
        #[arg(long, value_enum, default_value_t)]
        scope: drift::Scope,
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
    /// Write justone-xhs's public API, one line per item, to
    /// crates/justone-xhs/public-api.txt (from rustdoc's JSON); with
    /// --check, exit 1 when the committed list differs from the code.
    PublicApi {
        /// Compare with the committed list instead of writing it.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args)]
struct SourceArgs {
    /// The document: notes-feed, public-api or account; all without one.
    /// Needed with --url and --from-file.
    #[arg(value_name = "DOCUMENT")]
    document: Option<String>,
    /// Where to download the document from (default: where it is published).
    #[arg(long, conflicts_with = "from_file", requires = "document")]
    url: Option<String>,
    /// Read the document from a local file instead of downloading it.
    #[arg(long, value_name = "PATH", requires = "document")]
    from_file: Option<PathBuf>,
    /// A directory holding the spec files, to read and write instead of the
    /// workspace's (spec/ for the raw documents, crates/justone-gen/spec/ for
    /// the normalized ones).
    #[arg(long, value_name = "DIR")]
    spec_dir: Option<PathBuf>,
}

/// One document to work on: what it is, where to read it, where the spec
/// files are.
struct Job {
    spec: &'static SpecDocument,
    source: Source,
    layout: SpecLayout,
}

impl SourceArgs {
    /// The documents this command covers. Without a name: every document
    /// (`regen`) or every published one (`check-drift`, `published_only`).
    fn jobs(&self, published_only: bool) -> Result<Vec<Job>, FetchError> {
        let specs: Vec<&'static SpecDocument> = match &self.document {
            Some(name) => vec![
                SpecDocument::named(name).ok_or_else(|| FetchError::UnknownDocument {
                    name: name.clone(),
                    known: DOCUMENTS.iter().map(|d| d.name).collect::<Vec<_>>().join(", "),
                })?,
            ],
            None => DOCUMENTS
                .iter()
                .filter(|d| !published_only || d.source_url.is_some())
                .collect(),
        };
        let layout = match &self.spec_dir {
            Some(dir) => SpecLayout::Dir(dir.clone()),
            None => SpecLayout::workspace()?,
        };
        specs
            .into_iter()
            .map(|spec| {
                let files = layout.files(spec);
                let source = match (&self.from_file, &self.url, spec.source_url) {
                    (Some(path), _, _) => Source::File(path.clone()),
                    (None, Some(url), _) => Source::Url(url.clone()),
                    (None, None, Some(url)) => Source::Url(url.to_owned()),
                    // Written here: the committed raw file is the source.
                    (None, None, None) => Source::File(files.raw.clone()),
                };
                Ok(Job {
                    spec,
                    source,
                    layout: layout.clone(),
                })
            })
            .collect()
    }
}

/// Runs `task` on every job, printing each report (under the document's
/// name when there are several); the exit status is the worst one.
fn run_jobs(
    jobs: Result<Vec<Job>, FetchError>,
    format: drift::Format,
    verb: &str,
    task: impl Fn(&Job) -> Result<Vec<Change>, FetchError>,
    report: impl Fn(&[Change]) -> (String, u8),
) -> ExitCode {
    let jobs = match jobs {
        Ok(jobs) => jobs,
        Err(e) => {
            eprintln!("error: {verb} failed: {e}");
            return ExitCode::from(FAILED);
        }
    };
    let several = jobs.len() > 1;
    if several && format == drift::Format::Json {
        // Several JSON reports one after the other would not be one JSON value.
        eprintln!("error: --format json needs one document: name it (notes-feed, public-api, …)");
        return ExitCode::from(FAILED);
    }
    let mut worst = 0;
    for job in &jobs {
        match format {
            _ if !several => {}
            drift::Format::Markdown => println!("# Document `{}`\n", job.spec.name),
            _ => println!("== {} ==", job.spec.name),
        }
        match task(job) {
            Ok(changes) => {
                let (text, status) = report(&changes);
                print!("{text}");
                worst = worst.max(status);
            }
            Err(e) => {
                eprintln!("error: {verb} failed ({}): {e}", job.spec.name);
                worst = FAILED;
            }
        }
    }
    ExitCode::from(worst)
}

/// Exit status for a failed fetch or parse: distinct from "drifted".
const FAILED: u8 = 2;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Regen(args) => run_jobs(
            args.jobs(false),
            drift::Format::Text,
            "regen",
            |job| xtask::regen(job.spec, &job.source, &job.layout.files(job.spec)),
            |changes| {
                let text = drift::render(changes, drift::Format::Text, drift::Policy::default());
                (text, 0)
            },
        ),
        Command::BenchCompare { runs } => bench_compare(runs),
        Command::PublicApi { check } => public_api(check),
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
            scope,
        } => {
            let policy = drift::Policy { fail_on, scope };
            run_jobs(
                source.jobs(true),
                format,
                "check-drift",
                |job| xtask::check_drift(job.spec, &job.source, &job.layout),
                |changes| {
                    if changes.is_empty() && format != drift::Format::Json {
                        ("no drift: the published document matches spec/\n".to_owned(), 0)
                    } else {
                        (
                            drift::render(changes, format, policy),
                            policy.exit_status(changes),
                        )
                    }
                },
            )
        }
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

/// `cargo xtask public-api [--check]`.
fn public_api(check: bool) -> ExitCode {
    let result = xtask::workspace_root()
        .map_err(|e| e.to_string())
        .and_then(|root| {
            let list = xtask::public_api::generate(&root).map_err(|e| e.to_string())?;
            let path = root.join(xtask::public_api::LIST);
            if !check {
                return std::fs::write(&path, list)
                    .map(|()| true)
                    .map_err(|e| format!("{}: {e}", path.display()));
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if committed == list {
                return Ok(true);
            }
            let added: Vec<&str> = list
                .lines()
                .filter(|l| !committed.lines().any(|c| c == *l))
                .collect();
            let removed: Vec<&str> = committed
                .lines()
                .filter(|c| !list.lines().any(|l| l == *c))
                .collect();
            eprintln!(
                "public-api: {} differs from the code; run `cargo xtask public-api` and review the diff",
                path.display()
            );
            for line in removed {
                eprintln!("- {line}");
            }
            for line in added {
                eprintln!("+ {line}");
            }
            Ok(false)
        });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("public-api: {error}");
            ExitCode::from(2)
        }
    }
}
