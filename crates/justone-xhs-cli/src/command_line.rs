//! The command line that repeats a parsed command with some options
//! changed: the base of every "continue with" command. Built from what clap
//! parsed and where each value came from, so that it lists exactly the
//! options given on the command line: never a default (which a later
//! release may change), never a value from the environment (a base URL
//! there may hold credentials, and the environment still has it), never the
//! token (which no option carries), and never what may be a credential in a
//! `--base-url` (user info, query, fragment): such a URL belongs in
//! `JUSTONE_BASE_URL`, which the repeated command still reads.

use clap::ArgMatches;
use clap::parser::ValueSource;

/// A change to the repeated command: the values an option gets instead of
/// the ones given (`Some`: empty for a flag), or its removal (`None`).
pub type Change<'a> = (&'a str, Option<Vec<String>>);

/// `justone-xhs <name> …`, shell-quoted, for the subcommand `name` parsed
/// into `matches` within `command`, with `changes` applied (an option not
/// given before is added).
pub fn repeat(command: &clap::Command, name: &str, matches: &ArgMatches, changes: &[Change<'_>]) -> String {
    let mut words = vec!["justone-xhs".to_owned(), name.to_owned()];
    let Some(sub) = command.find_subcommand(name) else {
        return shell_words::join(words);
    };
    let mut positional = Vec::new();
    for arg in sub.get_arguments() {
        let id = arg.get_id().as_str();
        let given = matches.value_source(id) == Some(ValueSource::CommandLine);
        let values: Option<Vec<String>> = match changes.iter().find(|(changed, _)| *changed == id) {
            Some((_, change)) => change.clone(),
            None if given => Some(
                matches
                    .get_raw(id)
                    .into_iter()
                    .flatten()
                    .map(|value| value.to_string_lossy().into_owned())
                    .collect(),
            ),
            None => None,
        };
        let Some(mut values) = values else { continue };
        if id == "base_url" {
            values = values.iter().map(|url| without_credentials(url)).collect();
        }
        match arg.get_long() {
            None => positional.extend(values),
            Some(long) if !arg.get_action().takes_values() => {
                if values.first().is_none_or(|v| v != "false") {
                    words.push(format!("--{long}"));
                }
            }
            Some(long) => {
                for value in values {
                    words.push(format!("--{long}"));
                    words.push(value);
                }
            }
        }
    }
    // Positional arguments first, as a person writes them.
    words.splice(2..2, positional);
    shell_words::join(words)
}

/// `url` without what may be a credential (user info, query, fragment),
/// for a command line that is printed or kept.
fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let path = rest[end..].split(['?', '#']).next().unwrap_or_default();
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command, FeedArgs};

    #[test]
    fn credentials_are_left_out_of_a_repeated_url() {
        assert_eq!(
            without_credentials("https://user:pw@proxy:8080/base?token=t#x"),
            "https://proxy:8080/base"
        );
        assert_eq!(without_credentials("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(without_credentials("a@b/c?d"), "b/c");
        let (_, matches) = parse(&[
            "feed",
            "-c",
            "food",
            "--base-url",
            "http://u:pw-SECRET@127.0.0.1:9/x?k=v",
        ]);
        let line = repeat(&Cli::command(), "feed", &matches, &[("resume", Some(Vec::new()))]);
        assert_eq!(
            line,
            "justone-xhs feed --channel food --resume --base-url http://127.0.0.1:9/x"
        );
    }

    fn parse(args: &[&str]) -> (FeedArgs, ArgMatches) {
        let matches = Cli::command()
            .try_get_matches_from(std::iter::once("justone-xhs").chain(args.iter().copied()))
            .unwrap();
        let own = matches.subcommand_matches("feed").cloned().unwrap();
        match Cli::from_arg_matches(&matches).unwrap().command {
            Command::Feed(args) => (args, own),
            other => unreachable!("a feed command was parsed, not {other:?}"),
        }
    }

    #[test]
    fn a_repeated_command_parses_back_into_the_same_arguments() {
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
                "--fields",
                "id,author,fetched_at",
            ],
        ] {
            let (args, matches) = parse(&line);
            let again = shell_words::split(&repeat(&Cli::command(), "feed", &matches, &[])).unwrap();
            assert_eq!(again[0], "justone-xhs");
            let again: Vec<&str> = again[1..].iter().map(String::as_str).collect();
            assert_eq!(format!("{:?}", parse(&again).0), format!("{args:?}"), "{line:?}");
        }
    }

    /// A default is never spelled out; a change replaces a value or adds
    /// a flag. (A value from the environment is left out too: see the
    /// binary's tests, which own their environment.)
    #[test]
    fn only_what_the_command_line_gave_is_repeated() {
        let (_, matches) = parse(&["feed", "-c", "food", "--pages", "5"]);
        let line = repeat(
            &Cli::command(),
            "feed",
            &matches,
            &[("pages", Some(vec!["2".into()])), ("resume", Some(Vec::new()))],
        );
        assert_eq!(line, "justone-xhs feed --channel food --pages 2 --resume");
    }
}
