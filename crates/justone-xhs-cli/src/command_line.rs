//! The command line that repeats a parsed command with some options
//! changed: the base of every "continue with" command. Built from what clap
//! parsed and where each value came from, so that it lists exactly the
//! options given on the command line: never a default (which a later
//! release may change), never a value from the environment (a base URL
//! there may hold credentials, and the environment still has it), never the
//! token (which no option carries).

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
        let Some(values) = values else { continue };
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
