//! Reading, checking and writing OpenAPI documents as JSON values.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

/// Why a document could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The bytes are not JSON (an HTML error page, a truncated download…).
    #[error("the document is not JSON ({reason}); it starts with: {excerpt:?}")]
    NotJson {
        /// serde_json's description of the problem.
        reason: String,
        /// The first characters of the input.
        excerpt: String,
    },
    /// JSON, but no `openapi` version field.
    #[error("the JSON is not an OpenAPI document: it has no \"openapi\" version field")]
    NotOpenApi,
    /// A Swagger / OpenAPI 2 document.
    #[error("the document is OpenAPI 2 (Swagger {0}); only OpenAPI 3.0 and 3.1 are supported")]
    OpenApi2(String),
    /// An `openapi` field with an unsupported version.
    #[error("unsupported OpenAPI version {0:?}; only 3.0.x and 3.1.x are supported")]
    UnsupportedVersion(String),
    /// An OpenAPI document that does not describe the expected operation.
    #[error("the OpenAPI document does not describe GET {path}")]
    MissingEndpoint {
        /// The path that was looked for.
        path: String,
    },
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// Which file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The OpenAPI major/minor versions the normalizer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenApiVersion {
    /// 3.0.x: already what progenitor reads.
    V3_0,
    /// 3.1.x: needs normalizing.
    V3_1,
}

/// Parses bytes as JSON, with an excerpt of the input when they are not.
pub fn parse_json(bytes: &[u8]) -> Result<Value, DocumentError> {
    serde_json::from_slice(bytes).map_err(|e| DocumentError::NotJson {
        reason: e.to_string(),
        excerpt: excerpt(bytes, 80),
    })
}

/// The first `max` characters of `bytes`, lossily decoded, whitespace folded.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max * 4)]);
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// Reads the `openapi` field and checks that it is a supported version.
pub fn openapi_version(document: &Value) -> Result<OpenApiVersion, DocumentError> {
    if let Some(swagger) = document.get("swagger") {
        return Err(DocumentError::OpenApi2(swagger.to_string()));
    }
    let version = document
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or(DocumentError::NotOpenApi)?;
    if version.starts_with("3.0.") {
        Ok(OpenApiVersion::V3_0)
    } else if version.starts_with("3.1.") {
        Ok(OpenApiVersion::V3_1)
    } else if version.starts_with('2') {
        Err(DocumentError::OpenApi2(version.to_owned()))
    } else {
        Err(DocumentError::UnsupportedVersion(version.to_owned()))
    }
}

/// Checks that `document` is OpenAPI 3.x and describes `GET path`.
pub fn check_endpoint(document: &Value, path: &str) -> Result<(), DocumentError> {
    openapi_version(document)?;
    match document
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(|i| i.get("get"))
    {
        Some(Value::Object(_)) => Ok(()),
        _ => Err(DocumentError::MissingEndpoint {
            path: path.to_owned(),
        }),
    }
}

/// The stable on-disk form: keys sorted, two-space indent, final newline.
///
/// serde_json's `Value` keeps object keys in a `BTreeMap` (the workspace does
/// not enable `preserve_order`), so serializing sorts them.
pub fn canonical(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads and parses a JSON file.
pub fn read(path: &Path) -> Result<Value, DocumentError> {
    let bytes = std::fs::read(path).map_err(|source| DocumentError::Io {
        action: "cannot read",
        path: path.display().to_string(),
        source,
    })?;
    parse_json(&bytes)
}

/// Writes `document` in [`canonical`] form through a temporary file in the
/// same directory and a rename, so a reader never sees half a file.
///
/// The file keeps the permissions of the one it replaces (a new file gets
/// 0644): tempfile creates 0600 files, and a committed spec file turning
/// private after `regen` shows up as a mode change in git.
pub fn write_atomically(path: &Path, document: &Value) -> Result<(), DocumentError> {
    let io = |action, source| DocumentError::Io {
        action,
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut temp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| io("cannot create a temporary file for", e))?;
    temp.write_all(canonical(document).as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io("cannot write", e))?;
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => default_permissions(temp.as_file()).map_err(|e| io("cannot read the permissions of", e))?,
    };
    temp.as_file()
        .set_permissions(permissions)
        .map_err(|e| io("cannot set the permissions of", e))?;
    temp.persist(path).map_err(|e| io("cannot replace", e.error))?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_is_reported_with_an_excerpt() {
        let err = parse_json(b"<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not JSON"), "{text}");
        assert!(text.contains("<!DOCTYPE html> <html>"), "{text}");
    }

    #[test]
    fn endpoint_must_be_present() {
        let doc = json!({"openapi": "3.1.0", "paths": {"/other": {"get": {}}}});
        let err = check_endpoint(&doc, "/api/x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the OpenAPI document does not describe GET /api/x"
        );
        assert!(check_endpoint(&doc, "/other").is_ok());
    }

    #[test]
    fn canonical_form_sorts_keys() {
        let doc: Value = serde_json::from_str(r#"{"b": 1, "a": {"d": [], "c": "é"}}"#).unwrap();
        assert_eq!(
            canonical(&doc),
            "{\n  \"a\": {\n    \"c\": \"é\",\n    \"d\": []\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn atomic_write_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, &json!({"openapi": "3.1.0"})).unwrap();
        assert_eq!(read(&path).unwrap(), json!({"openapi": "3.1.0"}));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_the_mode_and_new_files_are_0644() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("new.json");
        write_atomically(&fresh, &json!({})).unwrap();
        assert_eq!(mode(&fresh), 0o644);

        let existing = dir.path().join("existing.json");
        std::fs::write(&existing, "{}").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o664)).unwrap();
        write_atomically(&existing, &json!({"a": 1})).unwrap();
        assert_eq!(mode(&existing), 0o664);
    }
}
