//! `justone-xhs schema record`: the JSON Schema (draft 2020-12) of the
//! normalized record, derived from the type that writes it, so that the two
//! cannot drift apart.

use crate::record::Record;

/// The schema as pretty-printed JSON text, with a final newline.
pub fn record_schema() -> String {
    let schema = schemars::schema_for!(Record<'static>);
    format!("{:#}\n", schema.as_value())
}
