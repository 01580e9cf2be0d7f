//! Which changes touch the generated surface: what `justone-gen`'s build
//! script takes from a document. It takes a document's operations under a
//! path prefix (all of the feed's and the account's, only the
//! `/api/xiaohongshu/` ones of the provider's full document) and every
//! component (the `Result` envelope, the shared responses) and the servers
//! of all of them, so everything that is not another operation counts.

use super::model::Change;
use crate::spec_documents::SpecDocument;

/// The HTTP methods an operation subject (`GET /path`) starts with.
const METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

/// The part of one document that is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratedSurface<'a> {
    /// Operations whose path starts with this are generated (`""`: all).
    pub path_prefix: &'a str,
}

impl GeneratedSurface<'_> {
    /// Everything is generated (the feed and account documents).
    pub const WHOLE: GeneratedSurface<'static> = GeneratedSurface { path_prefix: "" };

    /// The part of `spec` that is generated.
    pub fn of(spec: &SpecDocument) -> GeneratedSurface<'static> {
        GeneratedSurface {
            path_prefix: spec.generated_paths,
        }
    }

    /// Whether a change at `subject` (`GET /path`, `path /path`,
    /// `schema Result`, `document`) touches the generated surface.
    pub fn covers(&self, subject: &str) -> bool {
        match subject.split_once(' ') {
            Some((method, path)) if METHODS.contains(&method) || method == "path" => {
                path.starts_with(self.path_prefix)
            }
            _ => true,
        }
    }

    /// Marks each change as generated or not.
    pub fn tag(&self, changes: &mut [Change]) {
        for change in changes {
            change.generated = self.covers(&change.subject);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_under_the_prefix_components_and_servers_are_generated() {
        let xhs = GeneratedSurface {
            path_prefix: "/api/xiaohongshu",
        };
        assert!(xhs.covers("GET /api/xiaohongshu/get-note-detail/v1"));
        assert!(xhs.covers("path /api/xiaohongshu/get-note-detail/v1"));
        assert!(xhs.covers("GET /api/xiaohongshu-pgy/get-kol-info/v1"));
        assert!(xhs.covers("GET /api/xiaohongshu-ec/search-products/v1"));
        assert!(!xhs.covers("POST /api/douyin/search/v1"));
        assert!(xhs.covers("schema Result"));
        assert!(xhs.covers("document"));
        assert!(GeneratedSurface::WHOLE.covers("GET /user/get-balance"));
    }
}
