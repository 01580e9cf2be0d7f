//! The command line, as clap parses it. This is a contract: scripts rely on
//! these names, defaults and exit codes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use justone_xhs::Channel;

/// Read Xiaohongshu (RedNote) notes feeds through Just One API.
///
/// The token is read from JUST_ONE_API_TOKEN (or JUSTONEAPI_TOKEN), or from
/// --token-file; it is never taken on the command line. Try it without a
/// token: `justone-xhs feed --demo --channel food --pages 3`.
///
/// Exit codes: 0 success; 2 usage error; 3 auth or permission (100, 600);
/// 4 quota or balance (303, 601); 5 still rate limited after retries (302,
/// HTTP 429); 6 upstream failure after retries (301, 500, 5xx); 7 network
/// failure or timeout; 8 protocol or decode error; 9 invalid parameters (400);
/// 1 anything else (e.g. the output file cannot be written).
#[derive(Debug, Parser)]
#[command(name = "justone-xhs", version, verbatim_doc_comment)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the feed channels with their slug, oid and label.
    Channels {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ChannelsFormat::Table)]
        format: ChannelsFormat,
    },
    /// Fetch feed pages and write one record per note.
    Feed(FeedArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelsFormat {
    /// Aligned columns.
    Table,
    /// A JSON array of {slug, oid, label}.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Aligned columns for reading.
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionArg {
    /// https://api.justoneapi.com
    Global,
    /// http://47.117.133.51:30015 (mainland China; plain HTTP)
    Cn,
}

#[derive(Debug, Args)]
pub struct FeedArgs {
    /// Channel(s) by slug, oid or label; repeat or separate with commas.
    #[arg(long = "channel", short = 'c', value_name = "CH", value_delimiter = ',', value_parser = parse_channel, conflicts_with = "all_channels")]
    pub channels: Vec<Channel>,
    /// Every documented channel.
    #[arg(long)]
    pub all_channels: bool,
    /// First page to fetch.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Pages to fetch per channel (fewer if the feed ends).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub pages: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the provider's item objects unchanged (jsonl and json only).
    #[arg(long)]
    pub raw: bool,
    /// Drop notes whose id was already written in this run.
    #[arg(long)]
    pub dedup: bool,
    /// API base URL (overrides --region).
    #[arg(long, env = "JUSTONE_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Provider host.
    #[arg(long, value_enum, default_value_t = RegionArg::Global)]
    pub region: RegionArg,
    /// Request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Retries per request for retryable failures.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: usize,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// At most this many requests per second.
    #[arg(long, value_name = "REQ_PER_SEC")]
    pub rate: Option<f64>,
    /// Read from the built-in demo server instead of the API (no token needed).
    #[arg(long)]
    pub demo: bool,
    /// Read the token from this file (first line).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn parse_channel(input: &str) -> Result<Channel, String> {
    input.parse::<Channel>().map_err(|e| e.to_string())
}
