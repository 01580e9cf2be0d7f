//! The command line, as clap parses it. This is a contract: scripts rely on
//! these names, defaults and exit codes.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use justone_xhs::Channel;

use crate::connection::ConnectionArgs;
use crate::record_fields::FieldList;

/// Read Xiaohongshu (RedNote) notes feeds through Just One API.
///
/// The token is read from JUST_ONE_API_TOKEN (or JUSTONEAPI_TOKEN), or from
/// --token-file; it is never taken on the command line. Try it without a
/// token: `justone-xhs feed --demo --channel food --pages 3`.
///
/// Exit codes: 0 success; 2 usage error; 3 auth or permission (100, 600);
/// 4 quota or balance (303, 601, 602); 5 still rate limited after retries (302,
/// HTTP 429); 6 upstream failure after retries (301, 500, 503, 5xx); 7 network
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
    Api(ApiArgs),
    /// Print the account's balance.
    Balance(BalanceArgs),
    /// Rank what a database's history shows: the notes whose likes grew
    /// most, the creators seen most and growing fastest (`--chart` draws
    /// the top notes as SVG). Sends no request.
    #[cfg(feature = "sqlite")]
    Trends(TrendsArgs),
    /// Print a shell completion script, e.g.
    /// `justone-xhs completions bash > ~/.local/share/bash-completion/completions/justone-xhs`.
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
    /// Print the JSON Schema (draft 2020-12) of what `feed` writes per
    /// note, e.g. `justone-xhs schema record > record.schema.json`.
    Schema {
        /// The schema to print.
        #[arg(value_enum)]
        what: SchemaKind,
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
pub enum SchemaKind {
    /// The normalized record (jsonl, json; csv flattens it).
    Record,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelsFormat {
    /// Aligned columns.
    Table,
    /// A JSON array of {slug, oid, label, label_zh}.
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

/// Where a run writes (`feed` and `api`): one definition, so that the two
/// cannot drift apart.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write to this file instead of stdout (`-` is stdout). An existing
    /// non-empty file is left alone unless --overwrite or --resume is given;
    /// a database (`feed --format sqlite`) gets the new run added.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing --output file.
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Continue an interrupted or failed run of the same command into the
    /// same --output file (any format; a regular file or a database): only
    /// the pages not yet complete in it are fetched.
    #[arg(long, requires = "output")]
    pub resume: bool,
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
    /// Where the records go, and whether an earlier run is continued.
    #[command(flatten)]
    pub out: OutputArgs,
    /// Write the provider's item objects unchanged (jsonl and json only;
    /// no provenance fields: see the README).
    #[arg(long)]
    pub raw: bool,
    /// Write only these fields of each record, in this order (jsonl, json,
    /// csv, table), e.g. `id,title,likes,fetched_at`. The fields: channel,
    /// page, id, type, title, desc, likes, author, author_id,
    /// author_nickname, category, category_id, category_name, timestamp,
    /// is_ads, cover, fetched_at, request_id.
    #[arg(long, value_name = "LIST", value_parser = FieldList::parse, conflicts_with = "raw")]
    pub fields: Option<FieldList>,
    /// Drop notes whose id was already written in this run.
    #[arg(long)]
    pub dedup: bool,
    /// Where and how requests go (shared with `api`, `balance` and `mcp`).
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
    /// Harvest again every DURATION (`30m`, `1h`) into the same database,
    /// one run each (a run that takes longer skips the starts it overran),
    /// until --for has passed or a signal arrives between runs (exit 0; a
    /// signal during a run stops it as usual). Needs a database --output.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration_arg::parse, conflicts_with_all = ["resume", "dry_run"])]
    pub every: Option<Duration>,
    /// With --every: start no run once DURATION (`24h`) has passed since
    /// the first started; without it, the runs go on until a signal.
    #[arg(long = "for", value_name = "DURATION", value_parser = crate::duration_arg::parse, requires = "every")]
    pub for_: Option<Duration>,
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
        match &self.out.output {
            Some(path) if names_a_database(path) && !format_given => Format::Sqlite,
            _ => self.format,
        }
    }
}

/// Whether `path` is named like a database (`.db`, `.sqlite`, `.sqlite3`):
/// `feed` and `api` then write one unless told otherwise.
pub fn names_a_database(path: &std::path::Path) -> bool {
    path.extension().and_then(|ext| ext.to_str()).is_some_and(|ext| {
        ["db", "sqlite", "sqlite3"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// The channel a user or an agent names by slug, oid, label or Chinese
/// name, with a warning when it is an oid this release does not list (it is
/// requested as given); the error names the value once, briefly, with
/// suggestions, and says where the list is (`lister`: a command for a user,
/// a tool for an agent).
pub fn channel_named(name: &str, lister: &str) -> Result<(Channel, Option<String>), String> {
    match Channel::resolve(name) {
        Ok(Channel::Other(oid)) => Ok((
            Channel::from_oid(&oid),
            Some(format!(
                "{oid} is not in this release's channel list; requesting it as given"
            )),
        )),
        Ok(channel) => Ok((channel, None)),
        Err(unknown) => Err(format!(
            "unknown channel {:?}; did you mean {}? ({lister} lists all {}; an oid newer than this release, homefeed_…, is accepted as given)",
            shorten(name),
            unknown.suggestions.join(", "),
            Channel::ALL.len()
        )),
    }
}

/// At most 40 characters of a value, for a message that names it.
fn shorten(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// Call an operation: `justone-xhs api getApiXiaohongshuGetNoteDetailV1 --param noteId=…`.
///
/// Writes each page's `data` on stdout (or --output) exactly as the provider
/// sent it, one JSON line per page, and `request id: …` on stderr for a
/// single call. Parameters are checked before any request: an unknown
/// operation or parameter, a missing required one, a value outside the
/// documented ones or a number that does not parse exits 2 and names what is
/// allowed. A deprecated operation, or one the provider has hidden from its
/// documentation (it is about to be removed), is called with a warning.
///
/// --pages N follows the operation's paging: page numbers (`page`,
/// `pageNum`) add one; cursors (`lastCursor`, `cursor`) take the answer's
/// `cursor` / `next_cursor` field, else the last item's `cursor`. The walk
/// ends when `has_more` is false, the list is empty or no cursor follows,
/// never with a request past the end; a page whose shape does not say what
/// follows ends it with a warning (--cursor-field names the cursor's place).
/// With --output FILE a run resumes exactly once (--resume) after SIGINT,
/// SIGTERM or kill -9, as `feed` does.
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ApiArgs {
    /// The operationId (see --list).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub operation: Option<String>,
    /// List the operations: operationId, method, path, paging, summary, and
    /// the parameters (* marks a required one); deprecated and hidden ones
    /// are marked.
    #[arg(long)]
    pub list: bool,
    /// How --list prints: aligned text, or JSON with every parameter's
    /// type, enum values and their meanings, default and description.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, requires = "list")]
    pub format: ListFormat,
    /// A parameter as NAME=VALUE; repeat for several.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = name_value)]
    pub params: Vec<(String, String)>,
    /// Pages to fetch (fewer if the answers say there are no more).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub pages: u32,
    /// Where the next cursor is in `data`, as a JSON pointer
    /// (`/page_info/end_cursor`), for answers the paging rule does not read.
    #[arg(long, value_name = "POINTER", value_parser = json_pointer)]
    pub cursor_field: Option<String>,
    /// Where the records go, and whether an earlier run is continued.
    #[command(flatten)]
    pub out: OutputArgs,
    /// Send at most N requests in all (retries count); the run then stops
    /// cleanly (exit 10) with the command that continues it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Print what the run would fetch and the most requests it could send,
    /// then exit without sending any.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How `api --list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One aligned line per operation.
    Text,
    /// A JSON array with every parameter's details.
    Json,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

fn json_pointer(text: &str) -> Result<String, String> {
    if text.is_empty() || text.starts_with('/') {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "a JSON pointer starts with `/` (e.g. /page_info/end_cursor), got {text:?}"
        ))
    }
}

/// Print the account's balance (`balance: 100.0000 CNY`), the amount exactly
/// as the provider wrote it.
#[derive(Debug, Clone, Args)]
pub struct BalanceArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = BalanceFormat::Text)]
    pub format: BalanceFormat,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How `balance` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BalanceFormat {
    /// `balance: 100.0000 CNY`.
    Text,
    /// `{"balance":"100.0000","currency":"CNY","requestId":…}` (the amount a string).
    Json,
}

#[cfg(feature = "sqlite")]
/// Which notes rise fastest, which creators appear most and grow fastest,
/// from the sightings a database holds (likes: the feed carries no comment
/// or collect counts). Sends no request.
#[derive(Debug, Clone, Args)]
pub struct TrendsArgs {
    /// The database `feed --output notes.db` wrote.
    #[arg(value_name = "DATABASE")]
    pub database: PathBuf,
    /// Only sightings in this channel (slug, oid, label or Chinese name).
    #[arg(long, short = 'c', value_name = "CH")]
    pub channel: Option<String>,
    /// Only sightings from the last DURATION (`90m`, `24h`, `7d`); all by
    /// default.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration_arg::parse)]
    pub since: Option<Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrendsFormat::Table)]
    pub format: TrendsFormat,
    /// Entries per list.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,
    /// Also draw the top notes' likes over time (at most 10 lines) into
    /// this SVG file.
    #[cfg(feature = "charts")]
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

#[cfg(feature = "sqlite")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrendsFormat {
    /// Three aligned tables.
    Table,
    /// One JSON object: `notes`, `creators_most_seen`,
    /// `creators_fastest_growing`.
    Json,
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
}
