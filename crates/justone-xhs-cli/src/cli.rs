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
/// 1 anything else (e.g. the output file cannot be written); 10 stopped by
/// --max-requests; 130 / 143 stopped by SIGINT / SIGTERM. When channels fail
/// differently, the first of 3, 4, 9, 5, 6, 7, 8, 1, 10, 130/143 that applies
/// is the exit code.
#[derive(Debug, Parser)]
#[command(name = "justone-xhs", version, verbatim_doc_comment, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the feed channels with their slug, oid, label and Chinese name.
    Channels {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ChannelsFormat::Table)]
        format: ChannelsFormat,
    },
    /// Fetch feed pages and write one record per note.
    Feed(FeedArgs),
    /// Call any Xiaohongshu or account operation by operationId; `--list`
    /// lists them.
    Api(crate::api_command::ApiArgs),
    /// Print the account's balance.
    Balance(crate::balance_command::BalanceArgs),
    /// Print a shell completion script, e.g.
    /// `justone-xhs completions bash > /etc/bash_completion.d/justone-xhs`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `justone-xhs man | man -l -`; with
    /// --dir, write it and one page per command.
    Man {
        /// Write justone-xhs.1 and a page per command (justone-xhs-feed.1, …)
        /// into this directory, the pages the first one refers to.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Serve the feed to AI agents: an MCP server on stdin/stdout.
    ///
    /// A Model Context Protocol server with the tools list_channels and
    /// list_operations (free), get_feed, get_feed_pages and call_operation
    /// (billed: each request they send may be charged), get_account_balance
    /// and get_usage_summary (one request each). A call that may already have
    /// been billed is not sent again unless --retry-uncertain asks for it;
    /// a cancelled call, a closed stdin, SIGINT or SIGTERM stop every request
    /// not yet sent. Try it without a token: `justone-xhs mcp --demo`.
    #[cfg(feature = "mcp")]
    Mcp(McpArgs),
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
    /// An SQLite database that grows run by run: each note once, every
    /// sighting of it, the runs (needs --output; the default for a file
    /// named .db, .sqlite or .sqlite3).
    Sqlite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionArg {
    /// https://api.justoneapi.com
    Global,
    /// http://47.117.133.51:30015 (mainland China; plain HTTP)
    Cn,
}

#[derive(Debug, Clone, Args)]
pub struct FeedArgs {
    /// Channel(s) by slug, oid, label or Chinese name (美食); repeat or
    /// separate with commas. An oid newer than this release (homefeed_…) is
    /// requested as given, with a warning.
    #[arg(
        long = "channel",
        short = 'c',
        value_name = "CH",
        conflicts_with = "all_channels"
    )]
    pub channels: Vec<String>,
    /// Every documented channel.
    #[arg(long)]
    pub all_channels: bool,
    /// First page to fetch (the API takes pages up to 2147483647).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    pub page: u32,
    /// Pages to fetch per channel (fewer if the feed ends: nothing is
    /// requested after the page that ends a feed).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    pub pages: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write to this file instead of stdout (`-` is stdout). An existing
    /// non-empty file is left alone unless --overwrite or --resume is given;
    /// a database (--format sqlite) gets the new run added.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing --output file.
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Continue an interrupted or failed run of the same command into the
    /// same --output file (any format; a regular file or a database): only
    /// pages not yet complete in it are fetched.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Write the provider's item objects unchanged (jsonl and json only).
    #[arg(long)]
    pub raw: bool,
    /// Drop notes whose id was already written in this run.
    #[arg(long)]
    pub dedup: bool,
    /// Where and how requests go (shared with `api` and `balance`).
    #[command(flatten)]
    pub connection: crate::connection::ConnectionArgs,
    /// Requests in flight at once; they go to different channels, one page
    /// of each at a time (see --prefetch).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Also request up to N later pages of a channel while one is in flight.
    /// Faster on one channel, but each is billed: when a feed ends or a page
    /// fails, up to N requests per channel are wasted.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=16))]
    pub prefetch: u32,
    /// Send at most N requests in all (retries count). When the next request
    /// would pass it, the run stops cleanly (exit 10) with the command that
    /// continues it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Print what the run would fetch and the most requests it could send,
    /// then exit without sending any.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `justone-xhs mcp`: the connection flags, a budget, and nothing about
/// output (stdout carries only MCP messages).
#[cfg(feature = "mcp")]
#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub connection: crate::connection::ConnectionArgs,
    /// Requests in flight at once, across all tool calls.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Send at most N requests in all while the server runs (retries
    /// count); later tool calls that need a request fail with BUDGET_SPENT.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Also retry failures that may already have been billed (HTTP 5xx,
    /// business codes 500 and 503, timeouts, connections that broke after the
    /// request was sent). Off by default: such a call costs one request and
    /// its error says `may_have_been_billed`. Rate limits, connections that
    /// were never made and business code 301 are retried either way.
    #[arg(long)]
    pub retry_uncertain: bool,
}

impl FeedArgs {
    /// The channels named by `--channel`, in order, each once; empty names
    /// (`food,` or `,,`) are skipped. Also returns a warning for each oid
    /// this release does not list.
    pub fn channel_list(&self) -> Result<(Vec<Channel>, Vec<String>), String> {
        let mut channels: Vec<Channel> = Vec::new();
        let mut warnings = Vec::new();
        for name in self.channels.iter().flat_map(|c| c.split(',')).map(str::trim) {
            if name.is_empty() {
                continue;
            }
            let (channel, warning) = channel_named(name, "`justone-xhs channels`")?;
            warnings.extend(warning);
            if !channels.contains(&channel) {
                channels.push(channel);
            }
        }
        Ok((channels, warnings))
    }
}

impl FeedArgs {
    /// `--format` as given, or when it was left at its default, `sqlite`
    /// for an `--output` named `.db`, `.sqlite` or `.sqlite3`.
    pub fn effective_format(&self, format_given: bool) -> Format {
        let database = self
            .output
            .as_deref()
            .and_then(|path| path.extension())
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| {
                ["db", "sqlite", "sqlite3"]
                    .iter()
                    .any(|e| ext.eq_ignore_ascii_case(e))
            });
        if database && !format_given {
            Format::Sqlite
        } else {
            self.format
        }
    }
}

/// The channel a user or an agent names by slug, oid, label or Chinese
/// name, with a warning when it is an oid this release does not list (it is
/// requested as given); the error names the value once, briefly, with
/// suggestions, and says where the list is (`lister`: a command for a user,
/// a tool for an agent).
pub fn channel_named(name: &str, lister: &str) -> Result<(Channel, Option<String>), String> {
    match name.parse::<Channel>() {
        Ok(channel) => Ok((channel, None)),
        Err(_) if is_oid(name) => Ok((
            Channel::from_oid(name),
            Some(format!(
                "{name} is not in this release's channel list; requesting it as given"
            )),
        )),
        Err(unknown) => Err(format!(
            "unknown channel {:?}; did you mean {}? ({lister} lists all {}; an oid newer than this release, homefeed_…, is accepted as given)",
            shorten(name),
            unknown.suggestions.join(", "),
            Channel::ALL.len()
        )),
    }
}

/// Whether `name` has the form of a provider oid (`homefeed_gardening_v3`).
fn is_oid(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with("homefeed")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c))
}

/// At most 40 characters of a value, for a message that names it.
fn shorten(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

impl FeedArgs {
    /// The command line that parses back into these arguments, with
    /// defaults left out: the base of every "continue with" command. The
    /// base URL is left out when it came from the environment (it may hold
    /// credentials, and the environment still has it).
    pub fn to_args(&self, base_url_from_env: bool) -> Vec<String> {
        let mut args = vec!["feed".to_owned()];
        let mut flag = |name: &str, value: Option<String>| {
            args.push(format!("--{name}"));
            args.extend(value);
        };
        if self.all_channels {
            flag("all-channels", None);
        } else if !self.channels.is_empty() {
            flag("channel", Some(self.channels.join(",")));
        }
        if self.page != 1 {
            flag("page", Some(self.page.to_string()));
        }
        if self.pages != 1 {
            flag("pages", Some(self.pages.to_string()));
        }
        if self.format != Format::Jsonl {
            flag("format", Some(value_name(self.format)));
        }
        if let Some(path) = &self.output {
            flag("output", Some(path.display().to_string()));
        }
        for (set, name) in [
            (self.overwrite, "overwrite"),
            (self.resume, "resume"),
            (self.raw, "raw"),
            (self.dedup, "dedup"),
            (self.connection.demo, "demo"),
            (self.quiet, "quiet"),
        ] {
            if set {
                flag(name, None);
            }
        }
        match &self.connection.base_url {
            Some(url) if !base_url_from_env => flag("base-url", Some(url.clone())),
            _ => {}
        }
        if self.connection.region != RegionArg::Global {
            flag("region", Some(value_name(self.connection.region)));
        }
        for (value, default, name) in [
            (self.connection.timeout, 60, "timeout"),
            (self.connection.retries as u64, 3, "retries"),
            (u64::from(self.concurrency), 4, "concurrency"),
            (u64::from(self.prefetch), 0, "prefetch"),
        ] {
            if value != default {
                flag(name, Some(value.to_string()));
            }
        }
        if let Some(rate) = self.connection.rate {
            flag("rate", Some(rate.to_string()));
        }
        if let Some(max) = self.max_requests {
            flag("max-requests", Some(max.to_string()));
        }
        if self.dry_run {
            flag("dry-run", None);
        }
        if let Some(path) = &self.connection.token_file {
            flag("token-file", Some(path.display().to_string()));
        }
        args
    }
}

fn value_name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> FeedArgs {
        let cli = Cli::try_parse_from(std::iter::once("justone-xhs").chain(args.iter().copied())).unwrap();
        match cli.command {
            Command::Feed(args) => args,
            other => unreachable!("a feed command was parsed, not {other:?}"),
        }
    }

    #[test]
    fn to_args_parses_back_into_the_same_arguments() {
        for line in [
            vec!["feed"],
            vec![
                "feed",
                "-c",
                "food,travel",
                "--page",
                "3",
                "--pages",
                "7",
                "--format",
                "csv",
                "-o",
                "out dir/x.csv",
                "--overwrite",
                "--raw",
                "--dedup",
                "--base-url",
                "http://127.0.0.1:9",
                "--region",
                "cn",
                "--timeout",
                "9",
                "--retries",
                "0",
                "--concurrency",
                "8",
                "--prefetch",
                "2",
                "--rate",
                "1.5",
                "--token-file",
                "t.txt",
                "--quiet",
            ],
            vec![
                "feed",
                "--all-channels",
                "--demo",
                "--output",
                "f.json",
                "--resume",
                "--format",
                "json",
            ],
        ] {
            let args = parse(&line);
            let again = args.to_args(false);
            let again: Vec<&str> = again.iter().map(String::as_str).collect();
            assert_eq!(format!("{:?}", parse(&again)), format!("{args:?}"), "{line:?}");
        }
    }

    #[test]
    fn channel_lists_skip_empty_names_and_accept_new_oids_and_chinese_names() {
        let args = parse(&["feed", "-c", "food,", "-c", ",,美食,homefeed_gardening_v3,travel"]);
        let (channels, warnings) = args.channel_list().unwrap();
        assert_eq!(
            channels,
            [
                Channel::Food,
                Channel::from_oid("homefeed_gardening_v3"),
                Channel::Travel
            ]
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("homefeed_gardening_v3 is not in this release"));
    }

    #[test]
    fn an_unknown_channel_is_named_once_and_briefly() {
        let huge = "z".repeat(10_000);
        let message = parse(&["feed", "-c", &huge]).channel_list().unwrap_err();
        assert!(message.len() < 300, "{}", message.len());
        assert!(message.contains("did you mean"), "{message}");
    }

    #[test]
    fn a_database_file_name_chooses_sqlite_unless_a_format_is_given() {
        for name in ["notes.db", "x/notes.SQLite", "n.sqlite3"] {
            assert_eq!(
                parse(&["feed", "-o", name]).effective_format(false),
                Format::Sqlite
            );
        }
        let args = parse(&["feed", "-o", "notes.db", "--format", "jsonl"]);
        assert_eq!(args.effective_format(true), Format::Jsonl);
        assert_eq!(
            parse(&["feed", "-o", "notes.dbx"]).effective_format(false),
            Format::Jsonl
        );
    }

    #[test]
    fn a_base_url_from_the_environment_is_left_out() {
        let args = parse(&["feed", "--base-url", "http://user:pw@proxy:1"]);
        assert!(!args.to_args(true).join(" ").contains("pw"));
    }
}
