//! The table of OpenAPI documents the workspace generates its client from,
//! and where each one's two committed files live.

use std::path::{Path, PathBuf};

use crate::{WorkspaceError, workspace_root};

/// One document: where it comes from and its two committed files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecDocument {
    /// The name `cargo xtask regen NAME` and reports use.
    pub name: &'static str,
    /// Where the provider publishes it; `None` for a document written here
    /// by hand, which `regen` only re-normalizes and `check-drift` skips.
    pub source_url: Option<&'static str>,
    /// The raw document's file name in `spec/`.
    pub raw: &'static str,
    /// The normalized document's file name in `crates/justone-gen/spec/`.
    pub normalized: &'static str,
    /// A path the document must describe (`GET`), so that a wrong download
    /// (another document, an error page turned JSON) is refused.
    pub required_path: &'static str,
    /// The prefix of the paths `justone-gen`'s build script generates from
    /// it (`""`: all); the same as in the build script's `DOCUMENTS`, which
    /// a test compares.
    pub generated_paths: &'static str,
}

/// Every document, in the order `regen` and `check-drift` handle them.
pub const DOCUMENTS: &[SpecDocument] = &[NOTES_FEED, PUBLIC_API, ACCOUNT];

/// The Notes Feed V1 document: the feed is in none of the public document's
/// versions, so it has a page of its own.
pub const NOTES_FEED: SpecDocument = SpecDocument {
    name: "notes-feed",
    source_url: Some("https://docs.justoneapi.com/openapi/xiaohongshu-apis/notes-feed-v1-en.json"),
    raw: "notes-feed-v1-en.json",
    normalized: "notes-feed-v1-en.normalized.json",
    required_path: "/api/xiaohongshu/get-note-feed/v1",
    generated_paths: "",
};

/// The provider's full public document (348 operations), kept whole so that
/// drift sees all of it; only its `/api/xiaohongshu/` operations are
/// generated. The provider serves it behind credentials; its official SDK
/// republishes every version in a public repository, which is read here.
pub const PUBLIC_API: SpecDocument = SpecDocument {
    name: "public-api",
    source_url: Some(
        "https://raw.githubusercontent.com/justoneapi/justoneapi-python/main/openapi/public-api.json",
    ),
    raw: "public-api.json",
    normalized: "public-api.normalized.json",
    required_path: "/api/xiaohongshu/get-note-detail/v1",
    generated_paths: "/api/xiaohongshu",
};

/// The account endpoints (balance, usage summary), written here from the
/// behaviour of the provider's MCP server: the provider publishes no
/// document for them.
pub const ACCOUNT: SpecDocument = SpecDocument {
    name: "account",
    source_url: None,
    raw: "account.json",
    normalized: "account.normalized.json",
    required_path: "/user/get-balance",
    generated_paths: "",
};

/// Where the normalized documents live in a workspace: inside `justone-gen`,
/// whose build script reads them, so that the crate's package (and docs.rs)
/// carries them. They are the only copies.
pub const NORMALIZED_DIR_IN_WORKSPACE: &str = "crates/justone-gen/spec";

/// Where the spec files of every document are.
#[derive(Debug, Clone)]
pub enum SpecLayout {
    /// In the workspace at this root: `spec/` and
    /// [`NORMALIZED_DIR_IN_WORKSPACE`].
    Workspace(PathBuf),
    /// All in one directory (`--spec-dir`, tests).
    Dir(PathBuf),
}

impl SpecLayout {
    /// The workspace around the current directory.
    pub fn workspace() -> Result<SpecLayout, WorkspaceError> {
        Ok(SpecLayout::Workspace(workspace_root()?))
    }

    /// `spec`'s two files.
    pub fn files(&self, spec: &SpecDocument) -> SpecFiles {
        match self {
            SpecLayout::Workspace(root) => spec.files_in_workspace(root),
            SpecLayout::Dir(dir) => spec.files_in_dir(dir),
        }
    }
}

/// One document's two committed files.
#[derive(Debug, Clone)]
pub struct SpecFiles {
    /// The document exactly as published (in canonical form).
    pub raw: PathBuf,
    /// `normalize(raw)`, what progenitor reads.
    pub normalized: PathBuf,
}

impl SpecDocument {
    /// The document named `name`.
    pub fn named(name: &str) -> Option<&'static SpecDocument> {
        DOCUMENTS.iter().find(|document| document.name == name)
    }

    /// Both files in one directory (`--spec-dir`, tests).
    pub fn files_in_dir(&self, dir: &Path) -> SpecFiles {
        SpecFiles {
            raw: dir.join(self.raw),
            normalized: dir.join(self.normalized),
        }
    }

    /// The files in the workspace at `root`: the raw document in `spec/`,
    /// the normalized one in [`NORMALIZED_DIR_IN_WORKSPACE`].
    pub fn files_in_workspace(&self, root: &Path) -> SpecFiles {
        SpecFiles {
            raw: root.join("spec").join(self.raw),
            normalized: root.join(NORMALIZED_DIR_IN_WORKSPACE).join(self.normalized),
        }
    }

    /// The files in the workspace around the current directory.
    pub fn workspace_files(&self) -> Result<SpecFiles, WorkspaceError> {
        Ok(self.files_in_workspace(&workspace_root()?))
    }
}
