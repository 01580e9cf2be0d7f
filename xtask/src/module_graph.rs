//! Which top-level modules of a crate use which (`crate::name` in code,
//! not in comments or unit tests), and the cycles among them: a crate
//! whose modules form no cycle can be read, and changed, one layer at a
//! time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module graph of the crate whose sources are in `src`: each
/// top-level module (a file, or a directory with `mod.rs`) and the modules
/// it names.
pub fn graph(src: &Path) -> std::io::Result<BTreeMap<String, BTreeSet<String>>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walk(src)? {
        let relative = entry.strip_prefix(src).unwrap_or(&entry);
        let Some(module) = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|first| first.trim_end_matches(".rs").to_owned())
        else {
            continue;
        };
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&entry)?;
        graph
            .entry(module.clone())
            .or_default()
            .extend(names(&text).into_iter().filter(|name| *name != module));
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|name| modules.contains(name));
    }
    Ok(graph)
}

/// Every `.rs` file under `dir`.
fn walk(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

/// The modules `text` names as `crate::name`, or inside `crate::{a, b}`,
/// outside comments and before its unit tests.
fn names(text: &str) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            found.extend(group.split(',').filter_map(|part| first_ident(part.trim())));
        } else {
            found.extend(first_ident(rest));
        }
    }
    found
}

fn first_ident(text: &str) -> Option<String> {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!ident.is_empty()).then_some(ident)
}

/// The cycles of `graph`, each as the modules along it, starting from its
/// smallest name (so that each cycle is listed once).
pub fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    for start in graph.keys() {
        let mut path = vec![start.clone()];
        follow(graph, start, &mut path, &mut found);
    }
    found
}

fn follow(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
    found: &mut BTreeSet<Vec<String>>,
) {
    let Some(last) = path.last().cloned() else { return };
    for next in graph.get(&last).into_iter().flatten() {
        if next == start {
            if path.iter().all(|m| m.as_str() >= start) {
                found.insert(path.clone());
            }
        } else if !path.contains(next) && next.as_str() > start {
            path.push(next.clone());
            follow(graph, start, path, found);
            path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_code_and_cycles_are_found_once() {
        let text = "//! see crate::docs\nuse crate::{a, b::C};\nfn f() { crate::c::g() }\n#[cfg(test)]\nmod tests { use crate::d; }";
        assert_eq!(names(text), ["a", "b", "c"].map(String::from).into());
        let graph: BTreeMap<String, BTreeSet<String>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec!["a"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(
            cycles(&graph),
            [vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]].into()
        );
    }
}
