//! `bench-compare`: runs the CLI, the library and a minimal reqwest +
//! serde_json loop (`baseline`) side by side on the same workload against
//! the local demo server, and prints throughput, peak RSS and ratios (medians
//! of several runs).
//!
//! Run it through `cargo xtask bench-compare` (which builds the release
//! binaries first), or `cargo run --release -p justone-bench -- [RUNS]`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use justone_xhs::Channel;
use justone_xhs::mock::DemoServer;

/// One program run: wall time and peak resident memory.
#[derive(Clone, Copy)]
struct Measure {
    elapsed: Duration,
    peak_rss_kib: u64,
}

struct Workload<'a> {
    name: &'a str,
    channels: usize,
    pages: u32,
    concurrency: u32,
}

#[derive(Clone, Copy, PartialEq)]
enum Program {
    Baseline,
    Library,
    Cli,
    CliRaw,
    /// The CLI looking ahead `concurrency - 1` pages within a channel.
    CliPrefetch,
    /// The CLI writing a new SQLite database (`--output out.db`).
    CliSqlite,
}

impl Program {
    fn name(self) -> &'static str {
        match self {
            Program::Baseline => "baseline (reqwest + serde_json)",
            Program::Library => "library (justone_xhs::Client)",
            Program::Cli => "CLI (normalized jsonl)",
            Program::CliRaw => "CLI --raw",
            Program::CliPrefetch => "CLI --prefetch (concurrency - 1)",
            Program::CliSqlite => "CLI sqlite (new database)",
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map_or(Ok(5), |r| r.parse())?;
    if runs == 0 {
        return Err("RUNS must be at least 1".into());
    }
    let bin_dir = std::env::current_exe()?
        .parent()
        .ok_or("no binary directory")?
        .to_path_buf();
    let scratch = std::env::temp_dir().join(format!("justone-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let runtime = tokio::runtime::Runtime::new()?;

    println!(
        "machine: {} cores; medians of {runs} runs\n",
        std::thread::available_parallelism()?.get()
    );
    let server = runtime.block_on(DemoServer::builder().pages(1000).start_async());
    for concurrency in [1, 8] {
        let workload = Workload {
            name: "8 channels x 25 pages",
            channels: 8,
            pages: 25,
            concurrency,
        };
        compare(
            &bin_dir,
            &scratch,
            &server,
            &workload,
            &ALL_CHANNEL_PROGRAMS,
            runs,
        )?;
    }
    // One channel: the CLI walks it a page at a time unless --prefetch asks
    // for look-ahead (which may cost requests at the end of a feed).
    let workload = Workload {
        name: "1 channel x 100 pages",
        channels: 1,
        pages: 100,
        concurrency: 8,
    };
    compare(
        &bin_dir,
        &scratch,
        &server,
        &workload,
        &[Program::Baseline, Program::Cli, Program::CliPrefetch],
        runs,
    )?;

    let slow = runtime.block_on(
        DemoServer::builder()
            .pages(1000)
            .latency(Duration::from_millis(50))
            .start_async(),
    );
    let workload = Workload {
        name: "50 ms server latency, 8 channels x 25 pages",
        channels: 8,
        pages: 25,
        concurrency: 8,
    };
    let results = compare(&bin_dir, &scratch, &slow, &workload, &ALL_CHANNEL_PROGRAMS, runs)?;
    let cli = results
        .iter()
        .find(|(p, _)| *p == Program::Cli)
        .map(|(_, m)| *m)
        .ok_or("no CLI run")?;
    let rate = 200.0 / cli.elapsed.as_secs_f64();
    println!(
        "  CLI at 50 ms latency: {rate:.1} requests/s = {:.1}% of the ideal 160/s\n",
        rate / 160.0 * 100.0
    );

    println!("memory: CLI peak RSS by pages fetched (concurrency 8)");
    let small = median(
        (0..runs)
            .map(|_| run(&bin_dir, &scratch, &server, Program::Cli, 1, 50, 8))
            .collect::<Result<_, _>>()?,
    );
    let large = median(
        (0..runs)
            .map(|_| run(&bin_dir, &scratch, &server, Program::Cli, 8, 125, 8))
            .collect::<Result<_, _>>()?,
    );
    println!(
        "  50 pages: {} KiB; 1000 pages: {} KiB; ratio {:.2}\n",
        small.peak_rss_kib,
        large.peak_rss_kib,
        large.peak_rss_kib as f64 / small.peak_rss_kib as f64
    );

    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}

/// The programs compared on multi-channel workloads; the baseline first.
const ALL_CHANNEL_PROGRAMS: [Program; 5] = [
    Program::Baseline,
    Program::Library,
    Program::Cli,
    Program::CliRaw,
    Program::CliSqlite,
];

fn compare(
    bin_dir: &Path,
    scratch: &Path,
    server: &DemoServer,
    workload: &Workload<'_>,
    programs: &[Program],
    runs: usize,
) -> Result<Vec<(Program, Measure)>, Box<dyn std::error::Error>> {
    println!("{}, concurrency {}:", workload.name, workload.concurrency);
    let mut samples: Vec<Vec<Measure>> = vec![Vec::new(); programs.len()];
    // Interleave the programs so that drift in the machine's load hits all alike.
    for _ in 0..runs {
        for (i, program) in programs.iter().enumerate() {
            samples[i].push(run(
                bin_dir,
                scratch,
                server,
                *program,
                workload.channels,
                workload.pages,
                workload.concurrency,
            )?);
        }
    }
    let pages = workload.channels as f64 * f64::from(workload.pages);
    let results: Vec<(Program, Measure)> = programs
        .iter()
        .copied()
        .zip(samples.into_iter().map(median))
        .collect();
    let baseline = pages / results[0].1.elapsed.as_secs_f64();
    for (program, m) in &results {
        let rate = pages / m.elapsed.as_secs_f64();
        println!(
            "  {:<34} {:>8.1} pages/s  ratio {:.2}  peak RSS {:>6} KiB",
            program.name(),
            rate,
            rate / baseline,
            m.peak_rss_kib
        );
    }
    let rate_of = |wanted: Program| {
        results
            .iter()
            .find(|(p, _)| *p == wanted)
            .map(|(_, m)| pages / m.elapsed.as_secs_f64())
    };
    if let (Some(sqlite), Some(jsonl)) = (rate_of(Program::CliSqlite), rate_of(Program::Cli)) {
        println!("  CLI sqlite / CLI jsonl: {:.2}", sqlite / jsonl);
    }
    println!();
    Ok(results)
}

fn run(
    bin_dir: &Path,
    scratch: &Path,
    server: &DemoServer,
    program: Program,
    channels: usize,
    pages: u32,
    concurrency: u32,
) -> Result<Measure, Box<dyn std::error::Error>> {
    let oids: Vec<&str> = Channel::ALL.iter().take(channels).map(Channel::oid).collect();
    let output: PathBuf = scratch.join(if program == Program::CliSqlite {
        "out.db"
    } else {
        "out.jsonl"
    });
    let mut command = match program {
        Program::Baseline | Program::Library => {
            let name = if program == Program::Baseline {
                "baseline"
            } else {
                "library"
            };
            let mut c = Command::new(bin_dir.join(name));
            c.arg(server.base_url())
                .arg(oids.join(","))
                .arg(pages.to_string())
                .arg(concurrency.to_string())
                .arg(&output);
            c
        }
        Program::CliSqlite => {
            // A database is added to, never overwritten: each run starts
            // from no file, as the jsonl runs start from an empty one.
            for suffix in ["", "-wal", "-shm"] {
                let mut file = output.clone().into_os_string();
                file.push(suffix);
                match std::fs::remove_file(&file) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                    _ => {}
                }
            }
            let mut c = Command::new(bin_dir.join("justone-xhs"));
            c.args(["feed", "--quiet", "--base-url", &server.base_url(), "--channel"])
                .arg(oids.join(","))
                .args(["--pages", &pages.to_string()])
                .args(["--concurrency", &concurrency.to_string(), "--output"])
                .arg(&output)
                .env("JUST_ONE_API_TOKEN", "bench");
            c
        }
        Program::Cli | Program::CliRaw | Program::CliPrefetch => {
            let mut c = Command::new(bin_dir.join("justone-xhs"));
            c.args([
                "feed",
                "--quiet",
                "--base-url",
                &server.base_url(),
                "--channel",
                &oids.join(","),
            ])
            .args([
                "--pages",
                &pages.to_string(),
                "--concurrency",
                &concurrency.to_string(),
                // Every run writes the same scratch file; the CLI refuses to
                // replace a non-empty output without it.
                "--overwrite",
                "--output",
            ])
            .arg(&output)
            .env("JUST_ONE_API_TOKEN", "bench");
            if program == Program::CliRaw {
                c.arg("--raw");
            }
            if program == Program::CliPrefetch {
                c.args(["--prefetch", &concurrency.saturating_sub(1).to_string()]);
            }
            c
        }
    };
    let started = Instant::now();
    let (status, peak_rss_kib) = wait_with_peak_rss(command.spawn()?)?;
    let elapsed = started.elapsed();
    if status != 0 {
        return Err(format!("{} exited with status {status}", program.name()).into());
    }
    let lines = if program == Program::CliSqlite {
        let conn = rusqlite::Connection::open(&output)?;
        let rows: i64 = conn.query_row("SELECT count(*) FROM observations", [], |row| row.get(0))?;
        usize::try_from(rows)?
    } else {
        std::fs::read_to_string(&output)?.lines().count()
    };
    let expected = channels * pages as usize * 20;
    if lines != expected {
        return Err(format!("{} wrote {lines} lines, expected {expected}", program.name()).into());
    }
    Ok(Measure {
        elapsed,
        peak_rss_kib,
    })
}

/// Waits for a child, sampling its peak resident memory (`VmHWM`, KiB).
///
/// `wait4`'s `ru_maxrss` is no use here: Linux carries the parent's
/// high-water mark across `fork` + `exec`, so every child would report this
/// process's size. `VmHWM` belongs to the child's own address space; it only
/// grows, so the last sample before exit is the peak (short of the final
/// few milliseconds).
fn wait_with_peak_rss(mut child: std::process::Child) -> Result<(i32, u64), Box<dyn std::error::Error>> {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            return Ok((status.code().unwrap_or(-1), peak));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn median(mut samples: Vec<Measure>) -> Measure {
    samples.sort_by_key(|m| m.elapsed);
    let mut rss: Vec<u64> = samples.iter().map(|m| m.peak_rss_kib).collect();
    rss.sort_unstable();
    Measure {
        elapsed: samples[samples.len() / 2].elapsed,
        peak_rss_kib: rss[rss.len() / 2],
    }
}
