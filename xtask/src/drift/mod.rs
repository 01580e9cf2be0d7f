//! Compares two OpenAPI documents and explains the differences in terms a
//! maintainer of this client cares about: every difference is classified
//! ([`Class`]), and the report leads with what breaks the client.
//!
//! - [`model`]: what a change is and how it is classified;
//! - [`classify`]: the OpenAPI-aware comparison that finds them;
//! - [`report`]: the text, markdown and JSON renderings, and the exit code.

pub mod classify;
pub mod model;
pub mod report;

pub use classify::compare;
pub use model::{Change, Class, FailOn};
pub use report::{Format, render};
