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
    /// What it belongs to, for grouping: `GET /path`, `schema Result`,
    /// or `document` for servers and top-level fields.
    pub subject: String,
    /// A short, stable name of the kind of change (`parameter-removed`,
    /// `description`, `x-highlights`…); docs-only changes are counted by it.
    pub kind: String,
    /// The change in words, `parameter page: became required`.
    pub detail: String,
}

impl Change {
    pub(crate) fn new(class: Class, subject: &str, kind: &str, detail: String) -> Change {
        Change {
            class,
            subject: subject.to_owned(),
            kind: kind.to_owned(),
            detail,
        }
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

    /// The exit status for `changes`: 1 when one of them alerts, else 0.
    pub fn exit_status(self, changes: &[Change]) -> u8 {
        u8::from(changes.iter().any(|c| self.alerts(c.class)))
    }
}
