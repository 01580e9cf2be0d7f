//! `justone-xhs trends notes.db`: what the database's history shows, as
//! tables or JSON, and with `--chart` as an SVG file. Reads only; sends
//! nothing.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::{TrendsArgs, TrendsFormat};
use crate::exit_code::Exit;
use crate::render::fit;
use crate::store::StoreError;
use crate::trends::{self, CreatorTrend, NoteTrend, Trends, Window};

pub fn run(args: TrendsArgs) -> Result<(), Exit> {
    let channel = match args.channel.as_deref() {
        Some(name) => {
            let (channel, warning) = crate::cli::channel_named(name, "`justone-xhs channels`")
                .map_err(|message| crate::diagnostics::usage(&message))?;
            if let Some(warning) = warning {
                crate::diagnostics::say(format_args!("warning: {warning}"));
            }
            Some(channel)
        }
        None => None,
    };
    let window = Window {
        channel: channel.as_ref().map(|c| c.oid().to_owned()),
        since: args.since,
    };
    let conn = crate::store::open_read_only(&args.database).map_err(|e| unreadable(&e))?;
    let found = trends::compute(&conn, &window, args.limit as usize)
        .map_err(|e| unreadable(&StoreError::sqlite(&args.database, e)))?;
    #[cfg(feature = "charts")]
    if let Some(path) = &args.chart {
        let title = format!("Likes over time: {}", describe(&args, channel.as_ref()));
        crate::trends_chart::svg(&found.notes, &title)
            .and_then(|svg| std::fs::write(path, svg))
            .map_err(|e| {
                crate::diagnostics::say(format_args!("error: cannot write {}: {e}", path.display()));
                Exit::Other
            })?;
    }
    let text = match args.format {
        TrendsFormat::Json => match serde_json::to_string(&found) {
            Ok(json) => format!("{}\n", crate::for_stdout(&json)),
            Err(e) => return crate::diagnostics::report_io(&e.into()),
        },
        TrendsFormat::Table => tables(&found, &describe(&args, channel.as_ref())),
    };
    crate::write_stdout(text.as_bytes()).or_else(|e| crate::diagnostics::report_io(&e))
}

/// Reports a database that cannot be read. The store's own hints are
/// about writing a harvest; here the file is only read.
fn unreadable(error: &StoreError) -> Exit {
    crate::diagnostics::say(format_args!("error: {error}"));
    crate::diagnostics::say(format_args!(
        "hint: trends reads a database that `justone-xhs feed --output FILE.db` wrote, and changes nothing in it"
    ));
    error.exit()
}

/// The window in words: `food, last 24h`.
fn describe(args: &TrendsArgs, channel: Option<&justone_xhs::Channel>) -> String {
    let channel = channel.map_or("all channels", |c| c.slug());
    match args.since {
        Some(since) => format!("{channel}, last {}", shown(since)),
        None => format!("{channel}, every sighting"),
    }
}

/// The three lists as tables; provider text goes through the scrubber.
fn tables(found: &Trends, window: &str) -> String {
    let mut out = String::new();
    let author = |id: &Option<String>, nickname: &Option<String>| {
        fit(nickname.as_deref().or(id.as_deref()).unwrap_or_default(), 16)
    };
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Notes whose likes grew most ({window})");
    if found.notes.is_empty() {
        let _ = writeln!(out, "  none: no note was seen at two different times");
    } else {
        let _ = writeln!(
            out,
            "{:>6} {:>9} {:>5} {} TITLE",
            "GROWTH",
            "LIKES",
            "SEEN",
            fit("AUTHOR", 16)
        );
        for note in &found.notes {
            let _ = writeln!(
                out,
                "{}",
                note_row(note, &author(&note.author_id, &note.author_nickname))
            );
        }
    }
    for (heading, creators) in [
        ("Creators seen most", &found.creators_most_seen),
        ("Creators whose notes grew most", &found.creators_fastest_growing),
    ] {
        let _ = writeln!(out, "\n{heading} ({window})");
        if creators.is_empty() {
            let _ = writeln!(out, "  none");
            continue;
        }
        let _ = writeln!(out, "{:>6} {:>5} {:>9} AUTHOR", "NOTES", "SEEN", "GROWTH");
        for creator in creators.iter() {
            let _ = writeln!(
                out,
                "{}",
                creator_row(creator, &author(&creator.id, &creator.nickname))
            );
        }
    }
    out
}

fn note_row(note: &NoteTrend, author: &str) -> String {
    let title = fit(note.title.as_deref().unwrap_or(&note.id), 40);
    format!(
        "{:>+6} {:>9} {:>5} {author} {}",
        note.growth,
        note.last.likes,
        note.sightings,
        title.trim_end()
    )
}

fn creator_row(creator: &CreatorTrend, author: &str) -> String {
    format!(
        "{:>6} {:>5} {:>+9} {}",
        creator.notes,
        creator.sightings,
        creator.growth,
        author.trim_end()
    )
}

/// `duration` as the shortest text `--since` reads back.
fn shown(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        _ if secs.is_multiple_of(86_400) => format!("{}d", secs / 86_400),
        _ if secs.is_multiple_of(3600) => format!("{}h", secs / 3600),
        _ if secs.is_multiple_of(60) => format!("{}m", secs / 60),
        _ => format!("{secs}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_shown_as_they_are_written() {
        for text in ["1s", "90s", "30m", "2h", "7d"] {
            let duration = crate::duration_arg::parse(text).unwrap();
            assert_eq!(shown(duration), text);
        }
        assert_eq!(shown(Duration::from_secs(86_400)), "1d", "24h is a day");
    }
}
