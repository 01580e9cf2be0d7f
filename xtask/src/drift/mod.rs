//! Compares two OpenAPI documents and explains the differences in terms a
//! maintainer of this client cares about: every difference is classified
//! ([`Class`]) and tagged with whether it touches the generated surface
//! ([`GeneratedSurface`]), and the report leads with what breaks the client.
//!
//! - [`model`]: what a change is, how it is classified, when it alerts;
//! - [`scope`]: which changes touch what `justone-gen` generates;
//! - [`classify`]: the OpenAPI-aware comparison that finds them;
//! - [`build_check`]: what `justone-gen`'s build would make of a document;
//! - [`lifecycle`]: since when removed operations carried a notice;
//! - [`report`]: the text, markdown and JSON renderings, and the exit code.

pub mod build_check;
pub mod classify;
pub mod lifecycle;
pub mod model;
pub mod report;
pub mod scope;

pub use classify::compare;
pub use model::{Change, Class, FailOn, Policy, Scope};
pub use report::{Format, render};
pub use scope::GeneratedSurface;
