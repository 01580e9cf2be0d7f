//! `--format sqlite`: a database that grows across runs, with each note
//! once (`notes`), every sighting of it (`observations`), the runs and their
//! page-by-page progress, which is also what `--resume` continues from; a
//! full-text index of the notes and a view of the jsonl records. The schema
//! is `schema_v1.sql` and the migration `schema_v2.sql` (documented in the
//! README).
//!
//! One file per job: [`connection`] opens and checks the file, [`schema`]
//! migrates it, [`runs`] keeps the `runs` table and resumes, [`sink`] is the
//! harvest's output, [`writer`] stores pages on a thread of its own,
//! [`checkpointer`] copies the log into the file on another, [`error`] says
//! what went wrong.

mod checkpointer;
mod connection;
mod error;
mod operation_store;
mod runs;
mod schema;
mod sink;
mod writer;

pub use connection::open_read_only;
pub use error::StoreError;
pub use operation_store::OperationStore;
pub use sink::Store;
