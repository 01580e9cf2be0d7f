//! Reading the token from `--token-file`: its first non-blank line, without
//! a UTF-8 byte order mark, and never echoing an argument that looks like a
//! token itself (an easy mistake: `--token-file tok_…`).

use std::path::Path;

use justone_xhs::Error;

const NAME: &str = "--token-file";

/// The token in the file at `path`.
pub fn read(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let reason = if e.kind() == std::io::ErrorKind::NotFound && looks_like_a_token(path) {
            // Showing the argument would print the token.
            "no such file (the argument looks like a token: pass the path of a file that holds it)".to_owned()
        } else {
            format!("cannot read {}: {e}", path.display())
        };
        Error::invalid_setting(NAME, reason)
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match text.lines().map(str::trim).find(|line| !line.is_empty()) {
        Some(token) => Ok(token.to_owned()),
        None => Err(Error::invalid_setting(
            NAME,
            format!("{} holds no token", path.display()),
        )),
    }
}

/// A bare word of 16 or more token characters and no path separator.
fn looks_like_a_token(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.len() >= 16
        && !text.contains(std::path::MAIN_SEPARATOR)
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_+=".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(text: &str) -> Result<String, Error> {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        read(file.path())
    }

    #[test]
    fn the_first_non_blank_line_without_a_bom_is_the_token() {
        assert_eq!(from("\u{feff}tok-1\n").unwrap(), "tok-1");
        assert_eq!(from("\n\n  tok-2  \r\nsecond\n").unwrap(), "tok-2");
        assert!(matches!(from(" \n\t\n"), Err(Error::InvalidSetting { .. })));
    }

    #[test]
    fn a_token_given_as_the_path_is_not_echoed() {
        let token = "tokABCDEFGHIJKLMNOPQRSTUVWXYZ0123";
        let shown = read(Path::new(token)).unwrap_err().to_string();
        assert!(!shown.contains(token), "{shown}");
        assert!(shown.contains("no such file"), "{shown}");
        let shown = read(Path::new("/no/such/dir/token.txt")).unwrap_err().to_string();
        assert!(
            shown.contains("/no/such/dir/token.txt"),
            "a path is named: {shown}"
        );
    }
}
