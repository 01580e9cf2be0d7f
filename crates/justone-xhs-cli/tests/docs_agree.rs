//! Facts the help and the READMEs state that must follow the code: the
//! business codes behind each exit code, and every feature.

mod support;

use std::path::Path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// `--help` lists, for each exit code of a business failure, the codes
/// that give it: the README's table of codes says the same (a test of the
/// binary's checks that table against the code), so the help is checked
/// against the table.
#[test]
fn the_help_names_the_business_codes_of_each_exit() {
    let help = support::finished(support::binary(&["--help"]).output().unwrap()).stdout;
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let readme = read("../../README.md");
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with(" |"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let code = cells.first()?;
            let exit = cells.last()?;
            (code.parse::<u32>().is_ok() && exit.parse::<u32>().is_ok())
                .then(|| (code.to_string(), exit.to_string()))
        })
        .collect();
    assert!(rows.len() >= 10, "{rows:?}");
    for (code, exit) in rows
        .iter()
        .filter(|(_, exit)| ["3", "4", "5", "6", "9"].contains(&exit.as_str()))
    {
        let clause = help
            .split(&format!("; {exit} "))
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .unwrap_or_else(|| panic!("--help has no clause for exit {exit}: {help}"));
        assert!(
            clause.contains(code.as_str()),
            "exit {exit} ({clause}) does not name code {code}"
        );
    }
}

#[test]
fn every_cli_feature_is_in_both_readmes() {
    let manifest = read("Cargo.toml");
    let features: Vec<&str> = manifest
        .split("[features]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| *k != "default" && !k.starts_with('#'))
        .collect();
    assert!(features.len() >= 4, "{features:?}");
    let workspace = read("../../README.md");
    let own = read("README.md");
    for feature in features {
        assert!(
            workspace.contains(&format!("| `justone-xhs-cli` | `{feature}` |")),
            "{feature} is not in the README's features table"
        );
        assert!(
            own.contains(&format!("`{feature}`")),
            "{feature} is not in the CLI's README"
        );
    }
}
