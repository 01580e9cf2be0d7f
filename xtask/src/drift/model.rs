//! A difference between two documents, and its class.

use std::fmt;

/// How much a difference matters to this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Code generated from the old document stops compiling or working:
    /// something removed, retyped, or newly required.
    Breaking,
    /// Something new the client may want (an operation, a parameter, a
    /// channel, a business code), or a deprecation.
    Additive,
    /// Nothing the generated code sees: descriptions, examples, `x-*`
    /// extensions, ordering, release ids.
    DocsOnly,
}

impl Class {
    /// All classes, most serious first.
    pub const ALL: [Class; 3] = [Class::Breaking, Class::Additive, Class::DocsOnly];

    /// A stable name for reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::DocsOnly => "docs-only",
        }
    }
}

/// One difference between the committed and the published document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// Whether it touches what `justone-gen` generates (see
    /// [`super::scope::GeneratedSurface`]); only these alert by default.
    pub generated: bool,
    /// What it belongs to, for grouping: `GET /path`, `schema Result`,
    /// or `document` for servers and top-level fields.
    pub subject: String,
    /// A short, stable name of the kind of change (`parameter-removed`,
    /// `description`, `x-highlights`…); docs-only changes are counted by it.
    pub kind: String,
    /// The change in words, `parameter page: became required`.
    pub detail: String,
    /// The change without what is particular to its place: identical
    /// changes across operations share it and are reported as one line.
    /// Usually the detail; an operationId rename's is the naming scheme.
    pub pattern: String,
}

impl Change {
    pub(crate) fn new(class: Class, subject: &str, kind: &str, detail: String) -> Change {
        Change {
            class,
            generated: true,
            subject: subject.to_owned(),
            kind: kind.to_owned(),
            pattern: detail.clone(),
            detail,
        }
    }

    /// The same change, grouped under `pattern` instead of its detail.
    pub(crate) fn grouped_as(mut self, pattern: String) -> Change {
        self.pattern = pattern;
        self
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.detail)
    }
}

/// From which class on a difference makes `check-drift` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Only breaking changes alert.
    Breaking,
    /// Breaking and additive changes alert (the default): docs-only changes
    /// are listed but exit 0.
    #[default]
    Additive,
    /// Every difference alerts, docs-only ones included.
    Docs,
}

impl FailOn {
    /// Whether a change of `class` makes the check fail.
    pub fn alerts(self, class: Class) -> bool {
        match self {
            FailOn::Breaking => class == Class::Breaking,
            FailOn::Additive => class != Class::DocsOnly,
            FailOn::Docs => true,
        }
    }
}

/// Which changes may alert: those to the generated surface, or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scope {
    /// Only changes to what `justone-gen` generates (the default): the
    /// provider's other platforms are listed, collapsed, and exit 0.
    #[default]
    Generated,
    /// Every change in the document.
    All,
}

/// When `check-drift` exits 1: the class and the scope of the changes
/// that alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// The least serious class that alerts.
    pub fail_on: FailOn,
    /// Whether changes outside the generated surface alert.
    pub scope: Scope,
}

impl Policy {
    /// Whether `change` makes the check fail.
    pub fn alerts(self, change: &Change) -> bool {
        self.fail_on.alerts(change.class) && (change.generated || self.scope == Scope::All)
    }

    /// The exit status for `changes`: 1 when one of them alerts, else 0.
    pub fn exit_status(self, changes: &[Change]) -> u8 {
        u8::from(changes.iter().any(|c| self.alerts(c)))
    }
}
