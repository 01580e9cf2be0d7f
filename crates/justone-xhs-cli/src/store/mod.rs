//! `--format sqlite`: a database that grows across runs, with each note
//! once (`notes`), every sighting of it (`observations`), the runs and their
//! page-by-page progress, which is also what `--resume` continues from. The
//! schema is `schema_v1.sql` (documented in the README).
//!
//! One file per job: [`connection`] opens and checks the file, [`schema`]
//! migrates it, [`runs`] keeps the `runs` table and resumes, [`writer`]
//! stores pages, [`error`] says what went wrong.

mod checkpointer;
mod connection;
mod error;
mod runs;
mod schema;
mod writer;

pub use runs::without_credentials;
pub use writer::Store;
